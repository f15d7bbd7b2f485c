import type { Registry } from "prom-client";
import type { Observable, Subscription } from "rxjs";
import type { PoolEvent } from "../events/PoolEvent.js";
import { applyEvent, copyMetrics, emptyMetrics, type MetricsSnapshot, reuseRatio } from "./metrics.js";
import { PrometheusObserver } from "./prometheus.js";

/**
 * The pool's metrics: a running fold (`applyEvent`) over `events$`. Nothing else writes to it, so
 * `foldMetrics(recordedEvents)` always equals `snapshot()` (a property test holds it to that).
 */
export class PoolMetrics {
  readonly #state: MetricsSnapshot = emptyMetrics();
  readonly #subscription: Subscription;
  readonly #prometheus: PrometheusObserver;

  constructor(events$: Observable<PoolEvent>) {
    const state = this.#state;
    this.#subscription = events$.subscribe({
      next: (event) => applyEvent(state, event),
      error: () => {}, // the bus never errors; a completed bus simply freezes the numbers
    });
    // From the first event too: its gauges (open, in use per endpoint) are only right with all of them.
    this.#prometheus = new PrometheusObserver(events$);
  }

  /**
   * The Prometheus text exposition format (via prom-client), labelled by endpoint. `registry` defaults
   * to one private to this pool (never prom-client's global registry); pass yours to scrape it with
   * your other metrics, one pool per registry. See src/observers/prometheus.ts for the metric names.
   */
  prometheus(registry?: Registry): Promise<string> {
    return this.#prometheus.exposition(registry);
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
    this.#prometheus.stop();
  }
}
