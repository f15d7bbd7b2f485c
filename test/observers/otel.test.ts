import * as semconv from "@opentelemetry/semantic-conventions/incubating";
import fc from "fast-check";
import { Subject } from "rxjs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isArgumentError } from "../../src/errors/ArgumentError.js";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { PoolMetrics } from "../../src/observers/PoolMetrics.js";
import type { Lease } from "../../src/surreal/lease/Lease.js";
import { poolEvents } from "./arbitraryEvents.js";
import { histogramTotals, otelHarness, sumPoints } from "./otelHarness.js";

const POOL = semconv.ATTR_DB_CLIENT_CONNECTION_POOL_NAME;
const STATE = semconv.ATTR_DB_CLIENT_CONNECTION_STATE;
const IDLE = semconv.DB_CLIENT_CONNECTION_STATE_VALUE_IDLE;
const USED = semconv.DB_CLIENT_CONNECTION_STATE_VALUE_USED;

describe("manager.metrics().otel(meter) on the embedded engine", () => {
  const otel = otelHarness();
  let manager: ConnectionManager;
  let exported: { stop(): void };
  let base: { acquisitions: number; releases: number; created: number };

  beforeAll(async () => {
    manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: "mem://" },
      pool: { minConnections: 1, maxConnections: 4, connectionTimeoutMs: 5_000 },
    });
    const m = manager.metrics().snapshot();
    base = { acquisitions: m.acquisitions, releases: m.releases, created: m.connectionsCreated };
    exported = manager.metrics().otel(otel.meter, { poolName: "orders" });
  });

  afterAll(async () => {
    exported?.stop();
    await manager?.shutdown({ timeoutMs: 2_000 });
    await otel.shutdown();
  });

  it("names every instrument as the semantic conventions do, with their units and attributes", async () => {
    // Two leases of a pool of one: a wait, a use and a connect for the histograms to show.
    const two = await Promise.all([manager.acquire(), manager.acquire()]);
    await Promise.all(two.map((l) => l.release()));
    const metrics = await otel.collect();
    const expected: [string, string][] = [
      [semconv.METRIC_DB_CLIENT_CONNECTION_COUNT, "{connection}"],
      [semconv.METRIC_DB_CLIENT_CONNECTION_IDLE_MAX, "{connection}"],
      [semconv.METRIC_DB_CLIENT_CONNECTION_IDLE_MIN, "{connection}"],
      [semconv.METRIC_DB_CLIENT_CONNECTION_LIMIT, "{connection}"],
      [semconv.METRIC_DB_CLIENT_CONNECTION_MAX, "{connection}"],
      [semconv.METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS, "{request}"],
      [semconv.METRIC_DB_CLIENT_CONNECTION_TIMEOUTS, "{timeout}"],
      [semconv.METRIC_DB_CLIENT_CONNECTION_CREATE_TIME, "s"],
      [semconv.METRIC_DB_CLIENT_CONNECTION_WAIT_TIME, "s"],
      [semconv.METRIC_DB_CLIENT_CONNECTION_USE_TIME, "s"],
    ];
    for (const [name, unit] of expected) {
      expect(metrics.get(name)?.descriptor.unit, name).toBe(unit);
    }
    const count = metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_COUNT)!;
    expect(count.dataPoints.map((p) => p.attributes[STATE]).sort()).toEqual([IDLE, USED]);
    for (const p of count.dataPoints) expect(p.attributes[POOL]).toBe("orders");
    expect(sumPoints(metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_LIMIT))).toBe(4);
    expect(sumPoints(metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_IDLE_MIN))).toBe(1);
    expect(sumPoints(metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_IDLE_MAX))).toBe(4);
  });

  it("shows the fold's numbers: connections by state, waiting requests, timeouts", async () => {
    const leases: Lease[] = await Promise.all([1, 2, 3, 4].map(() => manager.acquire()));
    const waiting = [1, 2, 3].map(() => manager.acquire({ timeoutMs: 60 }).catch((e: unknown) => e));
    let metrics = await otel.collect();
    let m = manager.metrics().snapshot();
    expect(m.waiting).toBe(3);
    expect(sumPoints(metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS))).toBe(3);
    expect(sumPoints(metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_COUNT), { [STATE]: USED })).toBe(4);
    expect(sumPoints(metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_COUNT), { [STATE]: IDLE })).toBe(0);
    await Promise.all(waiting); // each times out
    await Promise.all(leases.map((l) => l.release()));
    metrics = await otel.collect();
    m = manager.metrics().snapshot();
    expect(m.acquireTimeouts).toBe(3);
    expect(sumPoints(metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_TIMEOUTS))).toBe(3);
    expect(sumPoints(metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS))).toBe(0);
    const count = metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_COUNT);
    expect(sumPoints(count, { [STATE]: IDLE })).toBe(m.idle);
    expect(sumPoints(count, { [STATE]: USED }) + sumPoints(count, { [STATE]: IDLE })).toBe(m.size);

    // The histograms hold every observation the fold made since otel() was called.
    const wait = histogramTotals(metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_WAIT_TIME));
    expect(wait.count).toBe(m.acquisitions - base.acquisitions);
    expect(wait.boundaries).toEqual(m.acquireWaitMs.bounds.map((ms) => ms / 1_000));
    const use = histogramTotals(metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_USE_TIME));
    expect(use.count).toBe(m.releases - base.releases);
    const create = histogramTotals(metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_CREATE_TIME));
    expect(create.count).toBe(m.connectionsCreated - base.created);
    expect(create.count).toBeGreaterThanOrEqual(3); // four leases needed three more connections
  });

  it("stop() detaches it: nothing more is recorded or observed", async () => {
    const own = otelHarness();
    const exported = manager.metrics().otel(own.meter);
    const lease = await manager.acquire();
    await lease.release();
    let metrics = await own.collect();
    expect(histogramTotals(metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_WAIT_TIME)).count).toBe(1);
    exported.stop();
    exported.stop(); // twice is harmless
    const again = await manager.acquire();
    await again.release();
    metrics = await own.collect();
    expect(histogramTotals(metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_WAIT_TIME)).count).toBe(1);
    // The SDK repeats an asynchronous instrument's last value; it no longer follows the pool.
    const used = () => sumPoints(metrics.get(semconv.METRIC_DB_CLIENT_CONNECTION_COUNT), { [STATE]: USED });
    expect(used()).toBe(0);
    const held = await manager.acquire();
    metrics = await own.collect();
    expect(manager.metrics().snapshot().inUse).toBe(1);
    expect(used()).toBe(0);
    await held.release();
    await own.shutdown();
  });

  it("refuses what is not a meter with an ArgumentError naming the argument, and registers nothing", () => {
    const createHistogram = vi.fn();
    const notAMeter = { createHistogram } as never;
    let error: unknown;
    try {
      manager.metrics().otel(notAMeter);
    } catch (e) {
      error = e;
    }
    expect(isArgumentError(error)).toBe(true);
    expect((error as { argument: string }).argument).toBe("metrics().otel(meter)");
    expect((error as Error).message).toMatch(
      /^metrics\(\)\.otel\(meter\) is not an OpenTelemetry Meter: it has no createObservableCounter/,
    );
    expect(createHistogram).not.toHaveBeenCalled();
    expect(() => manager.metrics().otel(null as never)).toThrow(
      /otel\(meter\) must be an OpenTelemetry Meter/,
    );
    expect(() => manager.metrics().otel(otelHarness().meter, { poolName: "" })).toThrow(
      /otel\(options\)\.poolName must be a non-empty string/,
    );
  });
});

describe("OpenTelemetry reads the same fold", () => {
  it("for any event stream, its values equal the fold's reading, endpoint by endpoint", async () => {
    await fc.assert(
      fc.asyncProperty(poolEvents(120), async (events) => {
        const bus = new Subject<PoolEvent>();
        const metrics = new PoolMetrics(bus);
        const otel = otelHarness();
        metrics.otel(otel.meter, { poolName: "p" });
        for (const e of events) bus.next(e);
        const exported = await otel.collect();
        const { snapshot: m, endpoints, limits } = metrics.read();
        const get = (name: string) => exported.get(name);
        const at = (endpoint: string) => ({ "surreal_pool.endpoint": endpoint });
        for (const [endpoint, e] of Object.entries(endpoints)) {
          if (endpoint !== "") {
            const count = get(semconv.METRIC_DB_CLIENT_CONNECTION_COUNT);
            expect(sumPoints(count, { ...at(endpoint), [STATE]: IDLE })).toBe(e.idle);
            expect(sumPoints(count, { ...at(endpoint), [STATE]: USED })).toBe(e.size - e.idle);
          }
          const wait = histogramTotals(get(semconv.METRIC_DB_CLIENT_CONNECTION_WAIT_TIME), at(endpoint));
          expect(wait.count).toBe(e.acquireWaitMs.count);
          expect(wait.sum).toBeCloseTo(e.acquireWaitMs.sumMs / 1_000, 6);
          const use = histogramTotals(get(semconv.METRIC_DB_CLIENT_CONNECTION_USE_TIME), at(endpoint));
          expect(use.count).toBe(e.leaseHeldMs.count);
          const create = histogramTotals(get(semconv.METRIC_DB_CLIENT_CONNECTION_CREATE_TIME), at(endpoint));
          expect(create.count).toBe(e.connectMs.count);
        }
        expect(sumPoints(get(semconv.METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS))).toBe(m.waiting);
        expect(sumPoints(get(semconv.METRIC_DB_CLIENT_CONNECTION_TIMEOUTS))).toBe(m.acquireTimeouts);
        if (limits)
          expect(sumPoints(get(semconv.METRIC_DB_CLIENT_CONNECTION_LIMIT))).toBe(limits.maxConnections);
        // End users' sessions, under the library's own names.
        const user = (name: string, where?: Record<string, string>) =>
          sumPoints(get(`surreal_pool.user.sessions.${name}`), where);
        expect(user("cached")).toBe(m.userSessionsCached);
        expect(user("opened")).toBe(m.userSessionsOpened);
        expect(user("reused")).toBe(m.userSessionsReused);
        expect(user("refused")).toBe(m.userSessionsRefused);
        expect(user("evicted")).toBe(m.userEvictions);
        for (const [reason, n] of Object.entries(m.userEvictionsByReason))
          expect(user("evicted", { "surreal_pool.reason": reason }), reason).toBe(n);
        metrics.stop();
        await otel.shutdown();
      }),
      { numRuns: 40 },
    );
  });
});
