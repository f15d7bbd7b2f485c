/**
 * Text metrics shared by the layout and the SVG writer. The diagrams use a monospace font so a
 * label's width is known without a browser: characters times a fixed advance.
 */
export const FONT_FAMILY = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace";
export const FONT_SIZE = 12;
/** Advance of one monospace character at FONT_SIZE (0.6 em, slightly generous). */
export const CHAR_WIDTH = 7.3;
export const LINE_HEIGHT = 16;
/** Inner padding of a state box. */
export const PAD = 10;
/** The "any state" label beside a compound state's dot: its font size, gap and character advance. */
export const DOT_LABEL_SIZE = 10;
export const DOT_LABEL_GAP = 8;
export const DOT_LABEL_ADVANCE = (CHAR_WIDTH * DOT_LABEL_SIZE) / FONT_SIZE;

export function textWidth(text: string): number {
  return text.length * CHAR_WIDTH;
}

export function linesWidth(lines: readonly string[]): number {
  return Math.max(0, ...lines.map(textWidth));
}

/** Rounds for output, so the same layout always prints the same file. */
export function fmt(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Object.is(r, -0) ? "0" : String(r);
}
