import type { Point } from "./layeredLayout.js";
import type { Diagram, PlacedEdge, PlacedState } from "./layout.js";
import type { EdgeKind } from "./machineGraph.js";
import {
  DOT_LABEL_GAP,
  DOT_LABEL_SIZE,
  FONT_FAMILY,
  FONT_SIZE,
  fmt,
  LINE_HEIGHT,
  linesWidth,
  PAD,
} from "./measure.js";

/** Colours by transition kind; the legend under the diagram explains them. */
const KIND_COLOUR: Record<EdgeKind, string> = {
  event: "#2b3a67",
  after: "#a35d00",
  done: "#1e7a3c",
  error: "#b3261e",
  always: "#6b4fa0",
};
const NEUTRAL = "#4a4f5c";
const LEGEND_HEIGHT = 28;
const LEGEND_ITEMS: [EdgeKind, string][] = [
  ["event", "event"],
  ["after", "after delay"],
  ["done", "onDone"],
  ["error", "onError"],
  ["always", "always (eventless)"],
];
/** Width of the legend's "final state" swatch and text. */
const LEGEND_FINAL = 110;
const legendItemWidth = (text: string) => 30 + text.length * 7;
const LEGEND_WIDTH = 16 + LEGEND_FINAL + LEGEND_ITEMS.reduce((w, [, text]) => w + legendItemWidth(text), 0);

/** A standalone SVG of a laid-out machine: boxes, nested boxes, labelled arrows, a legend. */
export function toSvg(diagram: Diagram, title: string): string {
  const width = Math.max(diagram.width, LEGEND_WIDTH);
  const height = diagram.height + LEGEND_HEIGHT;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${fmt(width)}" height="${fmt(height)}" viewBox="0 0 ${fmt(width)} ${fmt(height)}" font-family="${FONT_FAMILY}" font-size="${FONT_SIZE}">`,
    `<title>${escapeXml(title)} state machine</title>`,
    "<defs>",
    ...Object.entries({ ...KIND_COLOUR, neutral: NEUTRAL }).map(
      ([kind, colour]) =>
        `<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${colour}"/></marker>`,
    ),
    "</defs>",
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  ];
  // Containers under the arrows, leaf states over them, labels on top of everything.
  const rootId = diagram.states[0]?.box.id;
  for (const s of diagram.states) if (s.container) out.push(stateSvg(s, s.box.id === rootId));
  for (const e of diagram.edges) out.push(edgeSvg(e));
  for (const d of diagram.dots) {
    out.push(
      d.kind === "initial"
        ? `<circle cx="${fmt(d.x)}" cy="${fmt(d.y)}" r="6" fill="#1b1f2a"/>`
        : `<circle cx="${fmt(d.x)}" cy="${fmt(d.y)}" r="4" fill="#ffffff" stroke="${NEUTRAL}" stroke-width="1.5"/>` +
            `<text x="${fmt(d.x + DOT_LABEL_GAP)}" y="${fmt(d.y + 4)}" font-size="${DOT_LABEL_SIZE}" fill="${NEUTRAL}">${escapeXml(d.label ?? "")}</text>`,
    );
  }
  for (const s of diagram.states) if (!s.container) out.push(stateSvg(s, false));
  for (const e of diagram.edges) if (e.label && e.labels.length > 0) out.push(labelSvg(e, e.label));
  out.push(legendSvg(diagram.height + 6));
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function stateSvg(s: PlacedState, root: boolean): string {
  const final = s.box.kind === "final";
  const fill = root ? "#fbfbfd" : s.container ? "#f2f4fb" : final ? "#eef0f3" : "#eef2ff";
  const stroke = root ? "#9aa0b4" : final ? "#3c4150" : "#4a5ad6";
  const parts = [
    `<g class="state" data-id="${escapeXml(s.box.id)}">`,
    `<rect x="${fmt(s.x)}" y="${fmt(s.y)}" width="${fmt(s.w)}" height="${fmt(s.h)}" rx="8" fill="${fill}" stroke="${stroke}" stroke-width="${root ? 1 : 1.5}"/>`,
  ];
  if (final) {
    parts.push(
      `<rect x="${fmt(s.x + 3)}" y="${fmt(s.y + 3)}" width="${fmt(s.w - 6)}" height="${fmt(s.h - 6)}" rx="6" fill="none" stroke="${stroke}" stroke-width="1"/>`,
    );
  }
  s.lines.forEach((line, i) => {
    const y = s.y + PAD + (i + 1) * LINE_HEIGHT - 4;
    const x = s.container ? s.x + PAD : s.x + s.w / 2;
    const anchor = s.container ? "start" : "middle";
    const style =
      i === 0 ? `font-weight="bold" fill="#1b1f2a"` : `fill="#5a6072" font-size="${FONT_SIZE - 1}"`;
    parts.push(
      `<text x="${fmt(x)}" y="${fmt(y)}" text-anchor="${anchor}" ${style}>${escapeXml(line)}</text>`,
    );
  });
  parts.push("</g>");
  return parts.join("");
}

function edgeColour(e: PlacedEdge): { colour: string; marker: string } {
  const kinds = new Set(e.kinds);
  if (kinds.size === 1) {
    const kind = [...kinds][0]!;
    return { colour: KIND_COLOUR[kind], marker: kind };
  }
  return { colour: NEUTRAL, marker: "neutral" };
}

function edgeSvg(e: PlacedEdge): string {
  const { colour, marker } = edgeColour(e);
  const d = e.loop ? loopPath(e.points) : smoothPath(e.points);
  const dashed = e.kinds.length > 0 && e.kinds.every((k) => k === "after" || k === "always");
  return `<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.4"${dashed ? ` stroke-dasharray="5 3"` : ""} marker-end="url(#arrow-${marker})"/>`;
}

function labelSvg(e: PlacedEdge, centre: Point): string {
  const w = linesWidth(e.labels) + 8;
  const h = e.labels.length * LINE_HEIGHT + 2;
  const x = centre.x - w / 2;
  const y = centre.y - h / 2;
  const parts = [
    `<g class="label">`,
    `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(w)}" height="${fmt(h)}" rx="3" fill="#ffffff" fill-opacity="0.92"/>`,
  ];
  e.labels.forEach((label, i) => {
    const colour = KIND_COLOUR[e.kinds[i] ?? "event"];
    parts.push(
      `<text x="${fmt(centre.x)}" y="${fmt(y + (i + 1) * LINE_HEIGHT - 3)}" text-anchor="middle" fill="${colour}">${escapeXml(label)}</text>`,
    );
  });
  parts.push("</g>");
  return parts.join("");
}

function legendSvg(y: number): string {
  let x = 16;
  const parts = [`<g class="legend" font-size="11">`];
  parts.push(
    `<rect x="${x}" y="${y + 3}" width="18" height="14" rx="3" fill="#eef0f3" stroke="#3c4150"/><rect x="${x + 2.5}" y="${y + 5.5}" width="13" height="9" rx="2" fill="none" stroke="#3c4150" stroke-width="0.8"/>`,
    `<text x="${x + 22}" y="${y + 14}" fill="#3c4150">final state</text>`,
  );
  x += LEGEND_FINAL;
  for (const [kind, text] of LEGEND_ITEMS) {
    parts.push(
      `<line x1="${x}" y1="${y + 10}" x2="${x + 18}" y2="${y + 10}" stroke="${KIND_COLOUR[kind]}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${x + 22}" y="${y + 14}" fill="${KIND_COLOUR[kind]}">${escapeXml(text)}</text>`);
    x += legendItemWidth(text);
  }
  parts.push("</g>");
  return parts.join("");
}

/** Straight through the first and last point, rounded through the interior ones (Catmull-Rom). */
function smoothPath(points: Point[]): string {
  if (points.length < 3) return `M${points.map((p) => `${fmt(p.x)},${fmt(p.y)}`).join(" L")}`;
  const parts = [`M${fmt(points[0]!.x)},${fmt(points[0]!.y)}`];
  for (let i = 0; i + 1 < points.length; i++) {
    const p0 = points[i - 1] ?? points[i]!;
    const p1 = points[i]!;
    const p2 = points[i + 1]!;
    const p3 = points[i + 2] ?? p2;
    const c1 = { x: p1.x + (p2.x - p0.x) / 6, y: p1.y + (p2.y - p0.y) / 6 };
    const c2 = { x: p2.x - (p3.x - p1.x) / 6, y: p2.y - (p3.y - p1.y) / 6 };
    parts.push(`C${fmt(c1.x)},${fmt(c1.y)} ${fmt(c2.x)},${fmt(c2.y)} ${fmt(p2.x)},${fmt(p2.y)}`);
  }
  return parts.join(" ");
}

function loopPath([a, mid, b]: Point[]): string {
  return `M${fmt(a!.x)},${fmt(a!.y)} C${fmt(mid!.x)},${fmt(a!.y - 10)} ${fmt(mid!.x)},${fmt(b!.y + 10)} ${fmt(b!.x)},${fmt(b!.y)}`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
