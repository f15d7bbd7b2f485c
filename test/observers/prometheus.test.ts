import { register as globalRegistry, Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { parseExposition, sumSamples } from "./exposition.js";

const parse = parseExposition;
const sum = sumSamples;

describe("manager.metrics().prometheus() on the embedded engine", () => {
  let manager: ConnectionManager;
  const globalBefore = globalRegistry.getMetricsAsArray().length;

  beforeAll(async () => {
    manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: "mem://" },
      namespace: "prom",
      database: "test",
      pool: { minConnections: 2, maxConnections: 4, connectionTimeoutMs: 5_000 },
    });
    // A small mixed workload: more callers than connections (so some wait), leases, retried
    // operations, and one operation that fails for good. The table is defined first: concurrent
    // CREATEs that each define it implicitly can fail with a write conflict.
    await manager.executeWithRetry((db) => db.query("DEFINE TABLE IF NOT EXISTS note SCHEMALESS"));
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = 0; i < 6; i++) {
          const lease = await manager.acquire();
          try {
            await lease.db.query("CREATE note SET worker = $worker, i = $i", { worker, i });
          } finally {
            await lease.release();
          }
          await manager.executeWithRetry((db) => db.query("SELECT count() FROM note GROUP ALL"));
        }
      }),
    );
    await expect(manager.executeWithRetry((db) => db.query("THROW 'boom'"))).rejects.toThrow();
  });

  afterAll(async () => {
    await manager?.shutdown({ timeoutMs: 2_000 });
  });

  it("counts what the metrics snapshot counts, per endpoint", async () => {
    const text = await manager.metrics().prometheus();
    const m = manager.metrics().snapshot();
    const samples = parse(text);
    expect(m.acquisitions).toBeGreaterThanOrEqual(97);
    expect(sum(samples, "surreal_pool_acquisitions_total")).toBe(m.acquisitions);
    expect(sum(samples, "surreal_pool_acquisitions_total", { endpoint: "mem://" })).toBe(m.acquisitions);
    expect(sum(samples, "surreal_pool_releases_total")).toBe(m.releases);
    expect(sum(samples, "surreal_pool_connections_created_total")).toBe(m.connectionsCreated);
    expect(sum(samples, "surreal_pool_connections_reused_total")).toBe(m.connectionsReused);
    expect(sum(samples, "surreal_pool_operations_total", { outcome: "succeeded" })).toBe(m.successes);
    expect(sum(samples, "surreal_pool_operations_total", { outcome: "failed" })).toBe(m.errors);
    expect(m.errors).toBe(1);
    expect(sum(samples, "surreal_pool_retries_total")).toBe(m.retries);
    expect(sum(samples, "surreal_pool_health_checks_total", { result: "passed" })).toBe(m.healthChecksPassed);
    expect(sum(samples, "surreal_pool_resets_total", { result: "ok" })).toBe(m.resets);
    expect(sum(samples, "surreal_pool_acquire_failures_total", { reason: "timeout" })).toBe(
      m.acquireTimeouts,
    );
    // Gauges.
    expect(sum(samples, "surreal_pool_connections_open")).toBe(m.size);
    expect(sum(samples, "surreal_pool_connections_in_use")).toBe(m.inUse);
    expect(sum(samples, "surreal_pool_connections_idle")).toBe(m.idle);
    expect(sum(samples, "surreal_pool_acquires_waiting")).toBe(m.waiting);
    expect(sum(samples, "surreal_pool_breaker_state", { endpoint: "mem://", state: "closed" })).toBe(1);
    // Histograms: acquire wait (every lease) and lease hold time (every release).
    expect(sum(samples, "surreal_pool_acquire_wait_seconds_count")).toBe(m.acquireWaitMs.count);
    expect(sum(samples, "surreal_pool_acquire_wait_seconds_sum")).toBeCloseTo(
      m.acquireWaitMs.sumMs / 1_000,
      6,
    );
    expect(sum(samples, "surreal_pool_acquire_wait_seconds_bucket", { le: "+Inf" })).toBe(
      m.acquireWaitMs.count,
    );
    expect(sum(samples, "surreal_pool_lease_held_seconds_count")).toBe(m.releases);
    expect(sum(samples, "surreal_pool_operation_duration_seconds_count")).toBe(m.successes + m.errors);
  });

  it("is valid text exposition: HELP and TYPE per metric, endpoint labels, cumulative buckets", async () => {
    const text = await manager.metrics().prometheus();
    expect(text).toContain("# TYPE surreal_pool_acquisitions_total counter");
    expect(text).toContain("# TYPE surreal_pool_connections_open gauge");
    expect(text).toContain("# TYPE surreal_pool_acquire_wait_seconds histogram");
    expect(text).toContain("# TYPE surreal_pool_lease_held_seconds histogram");
    expect(text).toMatch(/^# HELP surreal_pool_acquisitions_total \S/m);
    expect(text).toMatch(/^surreal_pool_acquisitions_total\{endpoint="mem:\/\/"\} \d+$/m);
    const buckets = parse(text).filter((s) => s.name === "surreal_pool_lease_held_seconds_bucket");
    expect(buckets.length).toBeGreaterThan(2);
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    // Every TYPE line names a metric that has samples or is a declared family.
    const types = [...text.matchAll(/^# TYPE (\S+) (counter|gauge|histogram)$/gm)].map((m) => m[1]);
    expect(new Set(types).size).toBe(types.length);
  });

  it("uses a registry it is given, and never prom-client's global one", async () => {
    const registry = new Registry();
    const text = await manager.metrics().prometheus(registry);
    expect(await registry.metrics()).toBe(text);
    expect(registry.getSingleMetric("surreal_pool_acquisitions_total")).toBeDefined();
    expect(globalRegistry.getMetricsAsArray().length).toBe(globalBefore);
    expect(globalRegistry.getSingleMetric("surreal_pool_acquisitions_total")).toBeUndefined();
    // Asking again with the same registry does not register twice.
    await expect(manager.metrics().prometheus(registry)).resolves.toContain("surreal_pool_");
  });

  it("follows the pool as it keeps working", async () => {
    const before = sum(parse(await manager.metrics().prometheus()), "surreal_pool_acquisitions_total");
    for (let i = 0; i < 5; i++) {
      const lease = await manager.acquire();
      await lease.release();
    }
    const after = sum(parse(await manager.metrics().prometheus()), "surreal_pool_acquisitions_total");
    expect(after).toBe(before + 5);
  });

  it("reads the fold once per scrape, so one scrape's numbers agree while the pool works", async () => {
    let working = true;
    const workers = Array.from({ length: 6 }, async () => {
      while (working) {
        const lease = await manager.acquire();
        await lease.release();
      }
    });
    try {
      for (let i = 0; i < 20; i++) {
        const samples = parse(await manager.metrics().prometheus());
        // Each lease counts an acquisition and a wait; each release a release and a hold time.
        expect(sum(samples, "surreal_pool_acquire_wait_seconds_count")).toBe(
          sum(samples, "surreal_pool_acquisitions_total"),
        );
        expect(sum(samples, "surreal_pool_lease_held_seconds_count")).toBe(
          sum(samples, "surreal_pool_releases_total"),
        );
        expect(sum(samples, "surreal_pool_connections_in_use")).toBe(
          sum(samples, "surreal_pool_acquisitions_total") - sum(samples, "surreal_pool_releases_total"),
        );
      }
    } finally {
      working = false;
      await Promise.all(workers);
    }
  });
});
