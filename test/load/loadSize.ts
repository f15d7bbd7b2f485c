/**
 * Short or long form. `npm test` runs the short form (each scenario a few seconds); `npm run test:load`
 * sets LOAD=long and the same scenarios run with bigger sizes and durations.
 */
export const LONG = process.env.LOAD === "long";

/** The short-form value, or the long-form one under LOAD=long. */
export function pick<T>(short: T, long: T): T {
  return LONG ? long : short;
}

/** A vitest timeout for one scenario: generous over its expected run, so only a hang trips it. */
export function timeoutFor(shortMs: number, longMs: number): number {
  return pick(shortMs, longMs);
}
