import type { RetireReason } from "../../../machines/connection.machine.js";
import type { ConnectionManager, PoolEvent } from "../../../src/index.js";

/**
 * Watches a pool through its events: after every event it reads the live bookkeeping and keeps the
 * peaks, so "the pool never exceeded maxConnections" is checked at every step, not only at the end.
 * It also counts events by type, retirements by reason, and leases handed out on a connection that
 * was in the middle of a ping (which must never happen).
 */
export class PoolWatch {
  /** Highest open + connecting seen after any event. */
  peakSize = 0;
  peakInUse = 0;
  peakWaiting = 0;
  /** lease.acquired on a connection between its connection.validating and connection.validated. */
  leasesWhileValidating = 0;
  readonly counts = new Map<PoolEvent["type"], number>();
  readonly retired = new Map<RetireReason, number>();
  /** Set when events$ completes (after shutdown). */
  completed = false;
  readonly #validating = new Set<string>();
  readonly #unsubscribe: () => void;

  constructor(readonly manager: ConnectionManager) {
    const subscription = manager.events$.subscribe({
      next: (event) => this.#see(event),
      complete: () => {
        this.completed = true;
      },
    });
    this.#unsubscribe = () => subscription.unsubscribe();
  }

  count(type: PoolEvent["type"]): number {
    return this.counts.get(type) ?? 0;
  }

  stop(): void {
    this.#unsubscribe();
  }

  #see(event: PoolEvent): void {
    this.counts.set(event.type, (this.counts.get(event.type) ?? 0) + 1);
    switch (event.type) {
      case "connection.validating":
        this.#validating.add(event.connectionId);
        break;
      case "connection.validated":
        this.#validating.delete(event.connectionId);
        break;
      case "lease.acquired":
        if (this.#validating.has(event.connectionId)) this.leasesWhileValidating++;
        break;
      case "connection.retiring":
        this.retired.set(event.reason, (this.retired.get(event.reason) ?? 0) + 1);
        break;
    }
    const health = this.manager.healthStatus();
    this.peakSize = Math.max(this.peakSize, health.poolSize + health.pending);
    this.peakInUse = Math.max(this.peakInUse, health.inUse);
    this.peakWaiting = Math.max(this.peakWaiting, health.waiting);
  }
}
