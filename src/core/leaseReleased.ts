import type { LeaseReleased } from "../events/PoolEvent.js";

/** What a `lease.released` event says of its lease. */
interface LeaseFacts {
  readonly connectionId: string;
  readonly endpoint: string;
  /** performance.now() when handed out. */
  readonly acquiredAt: number;
}

/** A lease ended: returned by its borrower, or (`revoked`) ended by the pool. */
export function leaseReleased(
  lease: LeaseFacts,
  now: number,
  revoked: LeaseReleased["revoked"] | undefined,
): LeaseReleased {
  const event: LeaseReleased = {
    type: "lease.released",
    ts: Date.now(),
    connectionId: lease.connectionId,
    endpoint: lease.endpoint,
    heldMs: now - lease.acquiredAt,
  };
  if (revoked) event.revoked = revoked; // only when the pool ended it: the hot path keeps one shape
  return event;
}
