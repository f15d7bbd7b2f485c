import type { PoolEvent } from "../events/PoolEvent.js";
import { withinDeadline } from "../util/withinDeadline.js";
import type { Endpoint } from "./Endpoint.js";
import { leaseReleased } from "./leaseReleased.js";
import type { PooledConnection } from "./PooledConnection.js";

/** A leased connection that shutdown took back after its drain timeout. */
export interface AbandonedLease {
  connectionId: string;
  endpoint: string;
  heldMs: number;
  /** Stack of its acquire() call when leak detection is on. */
  acquiredAt?: string;
}

export interface ShutdownReport {
  durationMs: number;
  /** Connections closed by the shutdown. */
  closed: number;
  /** Leases still held when the drain timeout ran out: their work may have been cut off. */
  abandoned: AbandonedLease[];
}

/**
 * The end of a shutdown's drain: every lease still out is taken back (its calls cut off), reported,
 * and its connection retired.
 */
export function takeBackLeases(
  endpoints: readonly Endpoint[],
  publish: (event: PoolEvent) => void,
  retire: (connection: PooledConnection) => void,
): AbandonedLease[] {
  const abandoned: AbandonedLease[] = [];
  const now = performance.now();
  for (const endpoint of endpoints) {
    for (const [connection, lease] of [...endpoint.leases()]) {
      abandoned.push({
        connectionId: connection.id,
        endpoint: connection.endpoint,
        heldMs: now - lease.acquiredAt,
        acquiredAt: lease.acquiredStack,
      });
      // The lease ended (taken back): without this event the inUse gauge of the fold never returns to 0.
      publish(leaseReleased(lease, now, "shutdown"));
      lease.revoke("shutdown");
      retire(connection);
    }
  }
  return abandoned;
}

/**
 * Retires every connection and closes every unit features still hold, waits for their closes and
 * then for the connectors' disposal, never past `deadline` (performance.now() time). `cutOff`: calls
 * leases gave up on that may still run.
 */
export async function closeEndpoints(
  endpoints: readonly Endpoint[],
  retire: (connection: PooledConnection) => void,
  cutOff: Iterable<PromiseLike<unknown>>,
  deadline: number,
): Promise<void> {
  const all: PooledConnection[] = [];
  for (const endpoint of endpoints) all.push(...endpoint.connections());
  for (const connection of all) retire(connection);
  // Units features still hold (their features closed theirs first; this is what is left) close too.
  const held = endpoints.map((e) => e.closeHeld());
  await withinDeadline(Promise.all([...all.map((c) => c.closed), ...held]), deadline);
  // A close still running at the deadline (a socket that never answers) goes on in the background;
  // the pool stops waiting for it, so the report and every count are final when shutdown resolves.
  for (const connection of all) connection.abandonClose();
  // An embedded connector is disposed after the calls leases gave up on have settled (a query still
  // running in the engine must not see it close); past the deadline this goes on in the background.
  // Socket connectors are disposed at once: a call stuck on a silent socket never settles.
  const calls = Promise.allSettled([...cutOff]);
  const disposed = Promise.all(
    endpoints.map((e) =>
      (e.connector.disposeAfterCalls ? calls : Promise.resolve()).then(() =>
        e.connector.dispose().catch(() => {}),
      ),
    ),
  );
  await withinDeadline(disposed, deadline);
  for (const endpoint of endpoints) endpoint.stop();
}
