const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Parses a SurrealQL duration such as `1h`, `1d12h` or `500ms` to milliseconds; undefined if it is not one. */
export function parseDurationMs(text: string): number | undefined {
  const parts = text.match(/(\d+)(ns|us|µs|ms|s|m|h|d|w|y)/g);
  if (!parts || parts.join("") !== text) return undefined;
  let total = 0;
  for (const part of parts) {
    const [, amount, unit] = /^(\d+)(\D+)$/.exec(part)!;
    total += Number(amount) * UNIT_MS[unit!]!;
  }
  return total;
}
