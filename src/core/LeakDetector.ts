import type { LeaseLeaked } from "../events/PoolEvent.js";
import type { CoreLease } from "./CoreLease.js";
import type { PooledConnection } from "./PooledConnection.js";

/**
 * Reports each lease held longer than the threshold, once, with the stack of its acquire() when it
 * was captured. A periodic scan rather than a timer per lease: leases are the hot path, scans are not.
 */
export class LeakDetector {
  readonly #reported = new WeakSet<CoreLease>();

  constructor(
    private readonly thresholdMs: number,
    private readonly report: (event: LeaseLeaked) => void,
  ) {}

  scan(leases: Iterable<[PooledConnection, CoreLease]>, now: number): void {
    for (const [connection, lease] of leases) {
      if (this.#reported.has(lease)) continue;
      const heldMs = now - lease.acquiredAt;
      if (heldMs <= this.thresholdMs) continue;
      this.#reported.add(lease);
      this.report({
        type: "lease.leaked",
        ts: Date.now(),
        connectionId: connection.id,
        endpoint: connection.endpoint,
        heldMs,
        acquiredAt: lease.acquiredStack,
      });
    }
  }
}
