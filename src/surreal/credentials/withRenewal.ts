import type { RawConnection } from "../Connector.js";
import type { SessionAuth } from "./SessionAuth.js";

/**
 * Runs `work` so that the pool's own sign-in does not fail it: an expiring sign-in is renewed first, and
 * work refused as expired is renewed and run once more. Used by health pings (without it a pool of idle
 * connections whose sessions expired would fail every check and be replaced wholesale) and by a shared
 * socket's stateless calls. `auth` undefined: no sign-in of the pool's own, `work` runs as it is.
 * `renewed` is told of each renewal that succeeded (why, and how long it took); a `renew` shared by
 * many callers reports its one renewal itself instead.
 */
export async function withRenewal<T>(
  auth: SessionAuth | undefined,
  renew: (reason: "expiring" | "refused") => Promise<unknown>,
  work: () => Promise<T>,
  renewed?: (reason: "expiring" | "refused", durationMs: number) => void,
): Promise<T> {
  const renewFor = async (reason: "expiring" | "refused") => {
    const started = performance.now();
    await renew(reason);
    renewed?.(reason, performance.now() - started);
  };
  if (auth?.due()) await renewFor("expiring");
  try {
    return await work();
  } catch (error) {
    if (!auth?.expiredRefusal(error)) throw error;
    await renewFor("refused");
    return await work();
  }
}

/**
 * `withRenewal` on one pooled unit's own sign-in: renewed by the unit's `renewAuth`, each renewal told
 * to its `renewedInPing` (read now: the pool sets it once the unit is open). Health and validation
 * pings, and the calls of the connections kept for live queries.
 */
export function withUnitRenewal<T>(unit: RawConnection, work: () => Promise<T>): Promise<T> {
  const { auth, renewAuth } = unit;
  if (!auth || !renewAuth) return work();
  return withRenewal(auth, () => renewAuth.call(unit), work, unit.renewedInPing);
}
