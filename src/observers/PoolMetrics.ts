import type { Observable, Subscription } from "rxjs";
import type { PoolEvent } from "../events/PoolEvent.js";
import { applyEvent, copyMetrics, emptyMetrics, type MetricsSnapshot, reuseRatio } from "./metrics.js";

/**
 * The pool's metrics: a running fold (`applyEvent`) over `events$`. Nothing else writes to it, so
 * `foldMetrics(recordedEvents)` always equals `snapshot()` (a property test holds it to that).
 */
export class PoolMetrics {
  readonly #state: MetricsSnapshot = emptyMetrics();
  readonly #subscription: Subscription;

  constructor(events$: Observable<PoolEvent>) {
    const state = this.#state;
    this.#subscription = events$.subscribe({
      next: (event) => applyEvent(state, event),
      error: () => {}, // the bus never errors; a completed bus simply freezes the numbers
    });
  }

  /** A copy of the current numbers. */
  snapshot(): MetricsSnapshot {
    return copyMetrics(this.#state);
  }

  /** The seed's reuse ratio: reused / (created + reused). */
  reuseRatio(): number {
    return reuseRatio(this.#state);
  }

  stop(): void {
    this.#subscription.unsubscribe();
  }
}
