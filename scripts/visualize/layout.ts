import { type LayoutEdge, type LayoutNode, layeredLayout, type Point } from "./layeredLayout.js";
import type { EdgeKind, MachineGraph, StateBox } from "./machineGraph.js";
import { DOT_LABEL_ADVANCE, DOT_LABEL_GAP, LINE_HEIGHT, linesWidth, PAD } from "./measure.js";
import { describe } from "./toMermaid.js";

/**
 * Places a machine's states and transitions: every compound state is laid out on its own (its
 * children as one layered graph) and then sized as a box in its parent's graph. A transition is laid
 * out in the innermost compound state holding both ends; there its ends are "lifted" to the children
 * that contain them, and it is drawn from the real source box to the real target box through the
 * points that layout gave it.
 */

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PlacedState extends Rect {
  box: StateBox;
  /** Name first, then what the state does in place. */
  lines: string[];
  container: boolean;
}

export interface PlacedEdge {
  labels: string[];
  kinds: EdgeKind[];
  /** The path, source border to target border. */
  points: Point[];
  /** Centre of the label. */
  label?: Point;
  /** A transition back into its own state, drawn as a loop on the right. */
  loop: boolean;
}

export interface PlacedDot extends Point {
  /** `initial`: the initial-state marker; `self`: where a transition from a compound state itself starts. */
  kind: "initial" | "self";
  /** What a `self` dot stands for, written next to it. */
  label?: string;
}

export interface Diagram {
  width: number;
  height: number;
  /** Outer states before inner ones, so drawing in order nests correctly. */
  states: PlacedState[];
  edges: PlacedEdge[];
  dots: PlacedDot[];
}

interface GroupedEdge {
  id: string;
  from: string;
  to: string;
  labels: string[];
  kinds: EdgeKind[];
}

/** Edge ends inside a container's own layout: a child's id, or these two markers. */
const SELF = "\u0000self";
const INITIAL = "\u0000initial";
const MIN_BOX_WIDTH = 84;
const MARGIN = 16;
const LOOP_REACH = 26;

interface Local {
  /** Size of the box (containers: header + inner layout). */
  w: number;
  h: number;
  /** Width it takes in its parent's layout (wider when it has loops on its right). */
  footprint: number;
  header: string[];
  headerH: number;
  /** Children and markers relative to this box's top-left corner. */
  offsets: Map<string, Point>;
  /** Edge interior points relative to this box. */
  routes: Map<string, { points: Point[]; label?: Point }>;
}

export function layoutMachine(graph: MachineGraph): Diagram {
  const parent = new Map<string, string>();
  const byId = new Map<string, StateBox>();
  const index = (b: StateBox) => {
    byId.set(b.id, b);
    for (const c of b.children) {
      parent.set(c.id, b.id);
      index(c);
    }
  };
  index(graph.root);

  const grouped = groupEdges(graph);
  const loops = new Map<string, GroupedEdge[]>();
  /** Per container: the edges laid out in it, with their lifted ends. */
  const levels = new Map<string, { edge: GroupedEdge; a: string; b: string }[]>();
  for (const edge of grouped) {
    if (edge.from === edge.to) {
      push(loops, edge.from, edge);
      continue;
    }
    const up = (id: string) => {
      const chain = [id];
      for (let p = parent.get(id); p !== undefined; p = parent.get(p)) chain.push(p);
      return chain;
    };
    const fromChain = up(edge.from);
    const toChain = up(edge.to);
    const common = fromChain.find((id) => toChain.includes(id))!;
    const lift = (chain: string[]) => {
      const at = chain.indexOf(common);
      return at === 0 ? SELF : chain[at - 1]!;
    };
    push(levels, common, { edge, a: lift(fromChain), b: lift(toChain) });
  }

  const locals = new Map<string, Local>();
  const measure = (box: StateBox): Local => {
    // What the machine itself handles applies in every state; say so in its header.
    const said = describe(box).map((line) => (box === graph.root ? `in every state: ${line}` : line));
    const lines = [box.key, ...said];
    const loopWidth = Math.max(
      0,
      ...(loops.get(box.id) ?? []).map((e) => linesWidth(e.labels) + LOOP_REACH + 8),
    );
    if (box.children.length === 0) {
      const w = Math.max(MIN_BOX_WIDTH, linesWidth(lines) + 2 * PAD);
      const h = lines.length * LINE_HEIGHT + 2 * PAD - 2;
      const local = {
        w,
        h,
        footprint: w + loopWidth,
        header: lines,
        headerH: h,
        offsets: new Map(),
        routes: new Map(),
      };
      locals.set(box.id, local);
      return local;
    }
    const childLocals = box.children.map((c) => [c, measure(c)] as const);
    const nodes: LayoutNode[] = [];
    const edges: LayoutEdge[] = [];
    const level = levels.get(box.id) ?? [];
    if (box.initial) {
      nodes.push({ id: INITIAL, w: 12, h: 12 });
      edges.push({ id: INITIAL, from: INITIAL, to: box.initial });
    }
    if (level.some((l) => l.a === SELF || l.b === SELF)) nodes.push({ id: SELF, w: 8, h: 8 });
    for (const [child, local] of childLocals) nodes.push({ id: child.id, w: local.footprint, h: local.h });
    for (const { edge, a, b } of level) {
      edges.push({
        id: edge.id,
        from: a,
        to: b,
        label: { w: linesWidth(edge.labels) + 10, h: edge.labels.length * LINE_HEIGHT + 4 },
      });
    }
    const inner = layeredLayout(nodes, edges);
    const headerH = PAD + lines.length * LINE_HEIGHT;
    const w = Math.max(inner.width + 2 * PAD, linesWidth(lines) + 2 * PAD, MIN_BOX_WIDTH);
    const h = headerH + inner.height + PAD;
    const dx = (w - inner.width) / 2;
    const shift = (p: Point) => ({ x: p.x + dx, y: p.y + headerH });
    const offsets = new Map<string, Point>();
    for (const [id, p] of inner.nodes) offsets.set(id, shift(p));
    const routes = new Map<string, { points: Point[]; label?: Point }>();
    for (const [id, r] of inner.edges) {
      routes.set(id, { points: r.points.map(shift), ...(r.label ? { label: shift(r.label) } : {}) });
    }
    const local = { w, h, footprint: w + loopWidth, header: lines, headerH, offsets, routes };
    locals.set(box.id, local);
    return local;
  };
  const rootLocal = measure(graph.root);

  // Absolute positions, outer boxes first.
  const rects = new Map<string, Rect>();
  const states: PlacedState[] = [];
  const dots: PlacedDot[] = [];
  const place = (box: StateBox, x: number, y: number) => {
    const local = locals.get(box.id)!;
    const rect = { x, y, w: local.w, h: local.h };
    rects.set(box.id, rect);
    states.push({ ...rect, box, lines: local.header, container: box.children.length > 0 });
    for (const marker of [INITIAL, SELF] as const) {
      const p = local.offsets.get(marker);
      if (!p) continue;
      if (marker === INITIAL) dots.push({ x: x + p.x + 6, y: y + p.y + 6, kind: "initial" });
      // A transition declared on a compound state leaves from whichever of its states is active.
      else
        dots.push({
          x: x + p.x + 4,
          y: y + p.y + 4,
          kind: "self",
          label: box === graph.root ? "any state" : "any substate",
        });
    }
    for (const child of box.children) {
      const p = local.offsets.get(child.id)!;
      place(child, x + p.x, y + p.y);
    }
  };
  place(graph.root, MARGIN, MARGIN);

  const edges: PlacedEdge[] = [];
  const absolute = (containerId: string, p: Point) => {
    const r = rects.get(containerId)!;
    return { x: r.x + p.x, y: r.y + p.y };
  };
  const dotOf = (containerId: string, kind: "initial" | "self") => {
    const local = locals.get(containerId)!;
    const p = local.offsets.get(kind === "initial" ? INITIAL : SELF)!;
    const size = kind === "initial" ? 6 : 4;
    return absolute(containerId, { x: p.x + size, y: p.y + size });
  };
  for (const [containerId, level] of levels) {
    const local = locals.get(containerId)!;
    for (const { edge, a, b } of level) {
      const route = local.routes.get(edge.id)!;
      const inner = route.points.map((p) => absolute(containerId, p));
      const start = a === SELF ? dotOf(containerId, "self") : clip(rects.get(edge.from)!, inner[0]!);
      const end =
        b === SELF ? dotOf(containerId, "self") : clip(rects.get(edge.to)!, inner[inner.length - 1]!);
      edges.push({
        labels: edge.labels,
        kinds: edge.kinds,
        points: [start, ...inner, end],
        ...(route.label ? { label: absolute(containerId, route.label) } : {}),
        loop: false,
      });
    }
  }
  for (const box of states) {
    const local = locals.get(box.box.id)!;
    if (!box.box.initial) continue;
    const route = local.routes.get(INITIAL)!;
    const inner = route.points.map((p) => absolute(box.box.id, p));
    const start = dotOf(box.box.id, "initial");
    edges.push({
      labels: [],
      kinds: [],
      points: [start, ...inner, clip(rects.get(box.box.initial)!, inner[inner.length - 1] ?? start)],
      loop: false,
    });
  }
  for (const [id, list] of loops) {
    const r = rects.get(id)!;
    list.forEach((edge, i) => {
      const y = r.y + Math.min(r.h / 2, 14 + i * 18);
      edges.push({
        labels: edge.labels,
        kinds: edge.kinds,
        points: [
          { x: r.x + r.w, y: y - 5 },
          { x: r.x + r.w + LOOP_REACH, y },
          { x: r.x + r.w, y: y + 5 },
        ],
        label: { x: r.x + r.w + LOOP_REACH + 4 + linesWidth(edge.labels) / 2, y },
        loop: true,
      });
    });
  }

  // Wide enough for what sticks out of the boxes too: loop labels, and the "any state" label of a
  // transition declared on a compound state (drawn right of its dot, which sits at the box's edge).
  const rightmost = Math.max(
    ...dots.map((d) => (d.label ? d.x + DOT_LABEL_GAP + d.label.length * DOT_LABEL_ADVANCE : d.x)),
    ...edges.map((e) => (e.label ? e.label.x + linesWidth(e.labels) / 2 + 4 : 0)),
  );
  return {
    width: Math.max(rootLocal.footprint + 2 * MARGIN, rightmost + MARGIN / 2),
    height: rootLocal.h + 2 * MARGIN,
    states,
    edges,
    dots,
  };
}

/** One edge per (source, target) pair, its labels stacked, in the order the machine lists them. */
function groupEdges(graph: MachineGraph): GroupedEdge[] {
  const byPair = new Map<string, GroupedEdge>();
  for (const e of graph.edges) {
    const key = `${e.from}\u0000${e.to}`;
    let g = byPair.get(key);
    if (!g) {
      g = { id: `edge${byPair.size}`, from: e.from, to: e.to, labels: [], kinds: [] };
      byPair.set(key, g);
    }
    g.labels.push(e.label);
    g.kinds.push(e.kind);
  }
  return [...byPair.values()];
}

/** Where the segment from the rectangle's centre towards `toward` leaves the rectangle. */
function clip(r: Rect, toward: Point): Point {
  const cx = r.x + r.w / 2;
  const cy = r.y + r.h / 2;
  const dx = toward.x - cx;
  const dy = toward.y - cy;
  if (dx === 0 && dy === 0) return { x: cx, y: cy };
  const sx = dx === 0 ? Infinity : r.w / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : r.h / 2 / Math.abs(dy);
  const s = Math.min(sx, sy, 1);
  return { x: cx + dx * s, y: cy + dy * s };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
