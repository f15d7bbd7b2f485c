import type { ServerResponse } from "node:http";
import type { Observable, Subscription } from "rxjs";
import type { BreakerStatus } from "../breaker/CircuitBreaker.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import type { HealthStatus } from "../observers/healthStatus.js";
import type { MetricsSnapshot } from "../observers/metrics.js";
import { DashboardModel, type LiveConnection } from "./DashboardModel.js";
import type { DashboardFrame, DashboardSnapshot, MetricCounters } from "./types.js";

/** What the dashboard reads from a manager. */
export interface DashboardSource {
  readonly events$: Observable<PoolEvent>;
  readonly config: { readonly mode: { readonly kind: string } };
  healthStatus(): HealthStatus;
  metrics(): { snapshot(): MetricsSnapshot };
  breakers(): BreakerStatus[];
}

export interface DashboardStats {
  /** Pool events folded since the dashboard started. */
  events: number;
  frames: number;
  /** Bytes written to all pages (snapshots and frames). */
  bytes: number;
  clients: number;
}

/**
 * Folds `events$` into the dashboard model from the moment it starts, and every `intervalMs` sends each
 * connected page one frame (Server-Sent Events) of what changed. One subscription and one JSON encoding
 * per interval, however many pages watch and however many events the pool publishes.
 */
export class DashboardFeed {
  readonly #source: DashboardSource;
  readonly #model: DashboardModel;
  readonly #intervalMs: number;
  readonly #clients = new Set<{ res: ServerResponse; stale: boolean }>();
  readonly #subscription: Subscription;
  readonly #timer: ReturnType<typeof setInterval>;
  #lastFrame = Date.now();
  #poolClosed = false;
  #frames = 0;
  #bytes = 0;

  constructor(source: DashboardSource, connections: Iterable<LiveConnection>, intervalMs: number) {
    this.#source = source;
    this.#intervalMs = intervalMs;
    // Seed from the live connections first, then follow the events: nothing falls between the two
    // because both happen in this synchronous constructor.
    this.#model = new DashboardModel(connections);
    this.#subscription = source.events$.subscribe({
      next: (event) => this.#model.apply(event),
      error: () => {},
      complete: () => {
        this.#poolClosed = true;
      },
    });
    this.#timer = setInterval(() => this.#tick(), intervalMs);
    this.#timer.unref?.();
  }

  snapshot(): DashboardSnapshot {
    const health = this.#source.healthStatus();
    return {
      t: Date.now(),
      mode: this.#source.config.mode.kind,
      endpoints: health.endpoints.map((e) => e.endpoint),
      health,
      metrics: counters(this.#source.metrics().snapshot()),
      ...this.#model.current(),
      breakers: this.#source.breakers(),
      poolClosed: this.#poolClosed,
      intervalMs: this.#intervalMs,
    };
  }

  /** Starts an SSE stream on `res`: headers, a snapshot, then every frame until `stop()`. */
  addClient(res: ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    const client = { res, stale: false };
    this.#clients.add(client);
    res.on("close", () => this.#clients.delete(client));
    // A page that cannot keep up skips frames and gets a fresh snapshot once its socket drains.
    res.on("drain", () => {
      if (!client.stale) return;
      client.stale = false;
      this.#send(client, "snapshot", JSON.stringify(this.snapshot()));
    });
    this.#send(client, "snapshot", JSON.stringify(this.snapshot()), "retry: 1000\n");
  }

  stats(): DashboardStats {
    return {
      events: this.#model.totalEvents,
      frames: this.#frames,
      bytes: this.#bytes,
      clients: this.#clients.size,
    };
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#subscription.unsubscribe();
    for (const { res } of this.#clients) res.end();
    this.#clients.clear();
  }

  #tick(): void {
    const now = Date.now();
    const breakersChanged = this.#model.breakersChanged;
    const part = this.#model.takeFrame();
    if (this.#clients.size === 0) {
      this.#lastFrame = now;
      return;
    }
    const frame: DashboardFrame = {
      ...part,
      t: now,
      dtMs: now - this.#lastFrame,
      metrics: counters(this.#source.metrics().snapshot()),
      health: this.#source.healthStatus(),
      ...(breakersChanged ? { breakers: this.#source.breakers() } : {}),
      poolClosed: this.#poolClosed,
    };
    this.#lastFrame = now;
    const data = JSON.stringify(frame);
    this.#frames++;
    for (const client of this.#clients) if (!client.stale) this.#send(client, "frame", data);
  }

  #send(client: { res: ServerResponse; stale: boolean }, event: string, data: string, prefix = ""): void {
    const chunk = `${prefix}event: ${event}\ndata: ${data}\n\n`;
    this.#bytes += Buffer.byteLength(chunk);
    if (!client.res.write(chunk)) client.stale = true;
  }
}

function counters(m: MetricsSnapshot): MetricCounters {
  const { acquireWaitMs: _histogram, ...rest } = m;
  return rest;
}
