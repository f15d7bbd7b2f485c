// End users' sessions (`manager.as()`) in the metrics: one seeded stream of `user.*` events, and every
// figure read from it by the snapshot, Prometheus, OpenTelemetry and the dashboard's numbers.
import { Registry } from "prom-client";
import { Subject } from "rxjs";
import { describe, expect, it } from "vitest";
import { counters } from "../../src/dashboard/frameNumbers.js";
import { dashboardStats } from "../../src/dashboard/page/dashboardStats.js";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import type { UserEvictionReason } from "../../src/events/UserEvent.js";
import { MetricsFold } from "../../src/observers/MetricsFold.js";
import { PoolMetrics } from "../../src/observers/PoolMetrics.js";
import { PrometheusExporter } from "../../src/observers/prometheus.js";
import { parseExposition, sumSamples } from "./exposition.js";
import { otelHarness, sumPoints } from "./otelHarness.js";

const A = "0123456789ab";
const B = "ba9876543210";
const E = "ws://a:8000";
const opened = (user: string, cached: number): PoolEvent => ({
  type: "user.session.opened",
  ts: 1,
  user,
  endpoint: E,
  durationMs: 3,
  signedIn: true,
  cached,
});
const reused = (user: string): PoolEvent => ({ type: "user.session.reused", ts: 1, user });
const evicted = (user: string, reason: UserEvictionReason, cached: number): PoolEvent => ({
  type: "user.session.evicted",
  ts: 1,
  user,
  reason,
  cached,
});
const refused = (user: string): PoolEvent => ({
  type: "user.session.refused",
  ts: 1,
  user,
  endpoint: E,
  error: new Error("There was a problem with authentication"),
});

/**
 * Two users: sessions opened up to 3 cached, calls on them, one pushed out (lru), then B refused and
 * its session evicted, then A's socket dropped: the cache goes 1, 2, 3 and back down to 0.
 */
const STREAM: readonly PoolEvent[] = [
  opened(A, 1),
  reused(A),
  reused(A),
  opened(B, 2),
  reused(B),
  { type: "user.sockets", ts: 1, endpoint: E, reason: "no sessions on this server" },
  opened(A, 3),
  evicted(A, "lru", 2),
  refused(B),
  evicted(B, "refused", 1),
  evicted(A, "dropped", 0),
  reused(A),
];
/** The cache's size after each event of STREAM, as the gauge must follow it. */
const CACHED_AFTER = [1, 1, 1, 2, 2, 2, 3, 2, 2, 1, 0, 0];

const folded = () => {
  const f = new MetricsFold();
  for (const e of STREAM) f.apply(e);
  return f;
};

describe("end users' sessions in the metrics fold", () => {
  it("counts opens, reuses, refusals and evictions by reason, and the gauge follows the cache up and down", () => {
    const f = new MetricsFold();
    const gauge: number[] = [];
    for (const e of STREAM) {
      f.apply(e);
      gauge.push(f.snapshot().userSessionsCached);
    }
    expect(gauge).toEqual(CACHED_AFTER);
    const m = f.snapshot();
    expect(m.userSessionsOpened).toBe(3);
    expect(m.userSessionsReused).toBe(4);
    expect(m.userSessionsRefused).toBe(1);
    expect(m.userEvictions).toBe(3);
    expect(m.userEvictionsByReason).toEqual({
      lru: 1,
      expired: 0,
      forgotten: 0,
      dropped: 1,
      refused: 1,
      changed: 0,
      shutdown: 0,
    });
  });

  it("takes the cached count from the cache, not from its own arithmetic", () => {
    // A cache that says 5 after one open (it had sessions before the fold started) is believed.
    const f = new MetricsFold();
    f.apply(opened(A, 5));
    expect(f.snapshot().userSessionsCached).toBe(5);
    f.apply(evicted(A, "expired", 4));
    expect(f.snapshot().userSessionsCached).toBe(4);
    // A reuse or a refusal says nothing about the cache's size.
    f.apply(reused(A));
    f.apply(refused(A));
    expect(f.snapshot().userSessionsCached).toBe(4);
  });

  it("the hit ratio is reused / (reused + opened), 0 before any call", () => {
    const metrics = new PoolMetrics(new Subject<PoolEvent>());
    expect(metrics.userSessionHitRatio()).toBe(0);
    metrics.stop();
    const bus = new Subject<PoolEvent>();
    const live = new PoolMetrics(bus);
    for (const e of STREAM) bus.next(e);
    expect(live.userSessionHitRatio()).toBeCloseTo(4 / 7, 12);
    live.stop();
  });
});

describe("end users' sessions on Prometheus", () => {
  it("exports counters and the cached gauge under surreal_pool_user_*, evictions by reason", async () => {
    const f = folded();
    const text = await new PrometheusExporter(() => f.read()).exposition(new Registry());
    const samples = parseExposition(text);
    const value = (name: string, where?: Record<string, string>) =>
      sumSamples(samples, `surreal_pool_${name}`, where);
    expect(text).toMatch(/^# TYPE surreal_pool_user_sessions_opened_total counter$/m);
    expect(text).toMatch(/^# TYPE surreal_pool_user_sessions_reused_total counter$/m);
    expect(text).toMatch(/^# TYPE surreal_pool_user_sessions_refused_total counter$/m);
    expect(text).toMatch(/^# TYPE surreal_pool_user_session_evictions_total counter$/m);
    expect(text).toMatch(/^# TYPE surreal_pool_user_sessions_cached gauge$/m);
    expect(value("user_sessions_opened_total")).toBe(3);
    expect(value("user_sessions_reused_total")).toBe(4);
    expect(value("user_sessions_refused_total")).toBe(1);
    expect(value("user_sessions_cached")).toBe(0);
    expect(value("user_session_evictions_total")).toBe(3);
    expect(value("user_session_evictions_total", { reason: "lru" })).toBe(1);
    expect(value("user_session_evictions_total", { reason: "refused" })).toBe(1);
    expect(value("user_session_evictions_total", { reason: "dropped" })).toBe(1);
    // Every reason has its series from the start, at 0 until it happens.
    expect(samples.filter((s) => s.name === "surreal_pool_user_session_evictions_total")).toHaveLength(7);
    expect(value("user_session_evictions_total", { reason: "shutdown" })).toBe(0);
    // Five families and no ratio (a ratio is the reader's query); no series names a user.
    expect([...text.matchAll(/^# TYPE (surreal_pool_user\S*)/gm)].map(([, name]) => name).sort()).toEqual([
      "surreal_pool_user_session_evictions_total",
      "surreal_pool_user_sessions_cached",
      "surreal_pool_user_sessions_opened_total",
      "surreal_pool_user_sessions_refused_total",
      "surreal_pool_user_sessions_reused_total",
    ]);
    expect(text).not.toContain(A);
    expect(text).not.toContain(B);
  });

  it("the cached gauge goes up and down between scrapes", async () => {
    const f = new MetricsFold();
    const exporter = new PrometheusExporter(() => f.read());
    const registry = new Registry();
    const seen: number[] = [];
    for (const e of STREAM) {
      f.apply(e);
      seen.push(
        sumSamples(parseExposition(await exporter.exposition(registry)), "surreal_pool_user_sessions_cached"),
      );
    }
    expect(seen).toEqual(CACHED_AFTER);
  });
});

describe("end users' sessions on OpenTelemetry", () => {
  it("observes surreal_pool.user.sessions.* with their kinds and units, and the gauge goes down", async () => {
    const bus = new Subject<PoolEvent>();
    const metrics = new PoolMetrics(bus);
    const otel = otelHarness();
    metrics.otel(otel.meter, { poolName: "p" });
    const names = ["opened", "reused", "evicted", "refused", "cached"].map(
      (n) => `surreal_pool.user.sessions.${n}`,
    );
    const cached: number[] = [];
    for (const e of STREAM.slice(0, 7)) bus.next(e);
    cached.push(sumPoints((await otel.collect()).get("surreal_pool.user.sessions.cached")));
    for (const e of STREAM.slice(7)) bus.next(e);
    const exported = await otel.collect();
    cached.push(sumPoints(exported.get("surreal_pool.user.sessions.cached")));
    expect(cached).toEqual([3, 0]);

    // Counters are monotonic sums; the cached count is an up-down counter (a sum that may fall).
    const kinds = Object.fromEntries(
      names.map((n) => {
        const metric = exported.get(n);
        const monotonic = metric && "isMonotonic" in metric ? metric.isMonotonic : undefined;
        return [n, { monotonic, unit: metric?.descriptor.unit }];
      }),
    );
    expect(kinds).toEqual({
      "surreal_pool.user.sessions.opened": { monotonic: true, unit: "{session}" },
      "surreal_pool.user.sessions.reused": { monotonic: true, unit: "{call}" },
      "surreal_pool.user.sessions.evicted": { monotonic: true, unit: "{session}" },
      "surreal_pool.user.sessions.refused": { monotonic: true, unit: "{refusal}" },
      "surreal_pool.user.sessions.cached": { monotonic: false, unit: "{session}" },
    });
    const get = (name: string, where?: Record<string, string>) =>
      sumPoints(exported.get(`surreal_pool.user.sessions.${name}`), where);
    expect(get("opened", { "db.client.connection.pool.name": "p" })).toBe(3);
    expect(get("reused")).toBe(4);
    expect(get("refused")).toBe(1);
    expect(get("evicted")).toBe(3);
    expect(get("evicted", { "surreal_pool.reason": "lru" })).toBe(1);
    expect(get("evicted", { "surreal_pool.reason": "dropped" })).toBe(1);
    expect(get("evicted", { "surreal_pool.reason": "expired" })).toBe(0);
    metrics.stop();
    await otel.shutdown();
  });
});

describe("end users' sessions on the dashboard's numbers", () => {
  it("the users panel shows cached, opened, reused, hit ratio, evictions and refusals, in that order", () => {
    const m = counters(folded().snapshot());
    const shown = dashboardStats("users").map(({ id, field, format }) => [id, m[field], format]);
    expect(shown).toEqual([
      ["user-sessions-cached", 0, undefined],
      ["user-sessions-opened", 3, undefined],
      ["user-sessions-reused", 4, undefined],
      ["user-hit-ratio", 4 / 7, "percent"],
      ["user-evictions", 3, undefined],
      ["user-sessions-refused", 1, undefined],
    ]);
  });
});
