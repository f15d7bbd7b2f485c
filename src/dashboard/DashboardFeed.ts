import type { ServerResponse } from "node:http";
import type { Observable, Subscription } from "rxjs";
import type { BreakerStatus } from "../core/breaker/CircuitBreaker.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import type { HealthStatus } from "../observers/healthStatus.js";
import type { MetricsSnapshot } from "../observers/metrics.js";
import { DashboardModel, type LiveConnection, type ViewChanges } from "./DashboardModel.js";
import { counters, numbersBetween } from "./frameNumbers.js";
import { SseClient } from "./SseClient.js";
import type { DashboardFrame, DashboardSnapshot } from "./types.js";
import { ViewBacklog } from "./ViewBacklog.js";

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
  /** Frames built (one per interval while a page watches). */
  frames: number;
  /** Snapshots sent: one per page that connects, plus one per backlog that grew too large. */
  snapshots: number;
  /** Frames sent that stood for more than one interval, because the page's connection was full. */
  coalesced: number;
  /** Bytes written to all pages (snapshots and frames). */
  bytes: number;
  clients: number;
}

/**
 * Folds `events$` into the dashboard's view from the moment it starts, and every `intervalMs` sends each
 * connected page one frame (Server-Sent Events) of what changed, its numbers read from the metrics fold.
 * A page whose connection is full gets nothing until it drains, then one frame for everything it
 * missed: never a backlog of frames, never a storm of snapshots. One JSON encoding per interval serves
 * every page that kept up.
 */
export class DashboardFeed {
  readonly #source: DashboardSource;
  readonly #model: DashboardModel;
  readonly #intervalMs: number;
  readonly #clients = new Set<SseClient>();
  readonly #subscription: Subscription;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #startEvents: number;
  /** The fold at the last interval, and when. */
  #previous: { metrics: MetricsSnapshot; t: number };
  #poolClosed = false;
  readonly #stats = { frames: 0, snapshots: 0, coalesced: 0, bytes: 0 };

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
    this.#previous = { metrics: source.metrics().snapshot(), t: Date.now() };
    this.#startEvents = this.#previous.metrics.events;
    this.#timer = setInterval(() => this.tick(), intervalMs);
    this.#timer.unref?.();
  }

  snapshot(metrics = this.#source.metrics().snapshot()): DashboardSnapshot {
    const health = this.#source.healthStatus();
    return {
      t: Date.now(),
      mode: this.#source.config.mode.kind,
      endpoints: health.endpoints.map((e) => e.endpoint),
      health,
      metrics: counters(metrics),
      ...this.#model.current(),
      breakers: this.#source.breakers(),
      poolClosed: this.#poolClosed,
      intervalMs: this.#intervalMs,
    };
  }

  /** Starts an SSE stream on `res`: headers, a snapshot, then frames until `stop()`. */
  addClient(res: ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    const metrics = this.#source.metrics().snapshot();
    const snapshot = this.snapshot(metrics);
    const client = new SseClient(res, metrics, snapshot.lastLine, (bytes) => {
      this.#stats.bytes += bytes;
    });
    this.#clients.add(client);
    res.on("close", () => this.#clients.delete(client));
    this.#stats.snapshots++;
    client.send("snapshot", JSON.stringify(snapshot), "retry: 1000\n");
  }

  stats(): DashboardStats {
    return {
      events: this.#source.metrics().snapshot().events - this.#startEvents,
      ...this.#stats,
      clients: this.#clients.size,
    };
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#subscription.unsubscribe();
    for (const { res } of this.#clients) res.end();
    this.#clients.clear();
  }

  /** One interval: every page that can take it gets a frame. Runs on the timer; tests call it directly. */
  tick(): void {
    const now = Date.now();
    const changes = this.#model.takeChanges();
    const metrics = this.#source.metrics().snapshot();
    const previous = this.#previous;
    this.#previous = { metrics, t: now };
    if (this.#clients.size === 0) return;
    this.#stats.frames++;
    const health = this.#source.healthStatus();
    let breakers: BreakerStatus[] | undefined;
    const breakersNow = () => (breakers ??= this.#source.breakers());
    let shared: string | undefined;
    for (const client of this.#clients) {
      if (client.busy) {
        client.backlog ??= new ViewBacklog();
        client.backlog.add(changes);
        if (client.backlog.overflowed) client.resync = true;
        continue;
      }
      if (client.resync) {
        this.#resync(client, metrics);
        continue;
      }
      const inStep = !client.backlog && client.baseline === previous.metrics && client.logAfter === 0;
      if (inStep) {
        shared ??= JSON.stringify(
          this.#frame(previous.metrics, previous.t, 1, changes, metrics, now, health, breakersNow),
        );
        client.send("frame", shared);
      } else {
        const backlog = client.backlog ?? new ViewBacklog();
        backlog.add(changes);
        const view = skipLines(backlog.take(), client.logAfter);
        if (backlog.intervals > 1) this.#stats.coalesced++;
        const frame = this.#frame(
          client.baseline,
          client.sentAt,
          backlog.intervals,
          view,
          metrics,
          now,
          health,
          breakersNow,
        );
        client.send("frame", JSON.stringify(frame));
      }
      client.baseline = metrics;
      client.sentAt = now;
      client.logAfter = 0;
      client.backlog = undefined;
    }
  }

  #frame(
    since: MetricsSnapshot,
    sinceT: number,
    intervals: number,
    view: ViewChanges,
    metrics: MetricsSnapshot,
    now: number,
    health: HealthStatus,
    breakers: () => BreakerStatus[],
  ): DashboardFrame {
    const { breakersChanged, ...changes } = view;
    return {
      t: now,
      dtMs: now - sinceT,
      intervals,
      ...numbersBetween(since, metrics),
      ...changes,
      ...(breakersChanged ? { breakers: breakers() } : {}),
      metrics: counters(metrics),
      health,
      poolClosed: this.#poolClosed,
    };
  }

  #resync(client: SseClient, metrics: MetricsSnapshot): void {
    const snapshot = this.snapshot(metrics);
    this.#stats.snapshots++;
    client.send("snapshot", JSON.stringify(snapshot));
    client.baseline = metrics;
    client.sentAt = snapshot.t;
    client.logAfter = snapshot.lastLine;
    client.backlog = undefined;
    client.resync = false;
  }
}

/** Leaves out the log lines the page already has from its snapshot. */
function skipLines(view: ViewChanges, after: number): ViewChanges {
  if (after === 0) return view;
  return {
    ...view,
    sessionLog: view.sessionLog.filter((l) => l.seq > after),
    poolLog: view.poolLog.filter((l) => l.seq > after),
  };
}
