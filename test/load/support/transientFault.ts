import { ConnectionUnavailableError } from "surrealdb";

/**
 * A transient failure as the pool meets it in the wild, alternating between the two shapes it must
 * recognise: the SDK's ConnectionUnavailableError and a Node socket error (code ECONNRESET).
 */
export function transientFault(n: number): Error {
  if (n % 2 === 0) return new ConnectionUnavailableError();
  return Object.assign(new Error("read ECONNRESET (injected)"), { code: "ECONNRESET" });
}

/**
 * How many first attempts of operation `n` fail, deterministically: every `every[0]`-th operation fails
 * its first attempt, every `every[1]`-th its first two, and so on. The retry distribution is thus
 * known in advance, exactly.
 */
export function plannedFailures(n: number, every: readonly number[]): number {
  let failures = 0;
  for (const period of every) if (n % period === 0) failures++;
  return failures;
}
