/**
 * A change reduced to what a live notification and a change-feed entry both carry, so the two can be
 * matched: the record id, whether it was written or deleted, and the record written (a delete's
 * feed entry carries only the id).
 */
export interface ChangeKey {
  id: string;
  kind: "upsert" | "delete";
  /** Canonical JSON of the record written; "" for a delete. */
  value: string;
}

export function sameChange(a: ChangeKey, b: ChangeKey): boolean {
  return a.id === b.id && a.kind === b.kind && a.value === b.value;
}

export function changeKey(id: unknown, kind: ChangeKey["kind"], record: unknown): ChangeKey {
  return { id: String(id), kind, value: kind === "delete" ? "" : canonical(record) };
}

/** JSON with sorted keys; ids, dates and other SDK values by their string form, bigints as digits. */
export function canonical(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return JSON.stringify(String(value));
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
}
