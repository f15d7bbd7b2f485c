/**
 * Short or long form. `npm test` runs the short form (about a minute in all); `npm run test:chaos` sets
 * CHAOS=long and the same scenarios run for a few minutes. `CHAOS_SEED=n` replays a run's plan.
 */
export const LONG = process.env.CHAOS === "long";

export function pick<T>(short: T, long: T): T {
  return LONG ? long : short;
}
