import { expect } from "vitest";
import type { PoolEvent } from "../../../src/events/PoolEvent.js";
import { healthStatusOf } from "../../../src/observers/healthStatus.js";
import type { Lease } from "../../../src/surreal/lease/Lease.js";
import { eventLogViolations, gaugesOf, type PoolHarness, poolHarness } from "../../pool/harness.js";

/**
 * The model: far simpler than the pool. Connections are never created speculatively and never close
 * on their own here (no idle timeout, no lifetime, connects always succeed), so the pool's size is
 * exactly max(minConnections, the most leases ever held at once), minus what a test broke.
 */
export interface PoolModel {
  min: number;
  max: number;
  /** Open connections. */
  size: number;
  /** Leases held by the test. */
  held: number;
  /** Tokens of queued acquires, oldest first. */
  waiters: number[];
  shutdown: boolean;
  nextToken: number;
}

/** One acquire the test made, and how it ended. */
export interface AcquireEntry {
  token: number;
  controller: AbortController;
  state: "pending" | "served" | "rejected";
  lease?: Lease;
  error?: Error;
}

export interface PoolReal {
  h: PoolHarness;
  /** Leases held now, in the order they were handed out. */
  held: Lease[];
  /** Leases already released (kept to release them again). */
  released: Lease[];
  entries: Map<number, AcquireEntry>;
  /** Tokens of acquires in the order they were served. */
  served: number[];
  /** Breaches seen while events were published (checked after each command). */
  violations: string[];
}

export function newModel(min: number, max: number): PoolModel {
  return { min, max, size: min, held: 0, waiters: [], shutdown: false, nextToken: 1 };
}

/** A warm pool over the fake connector, with a check on every single event. */
export async function newReal(min: number, max: number): Promise<PoolReal> {
  const violations: string[] = [];
  const h = poolHarness({
    pool: { minConnections: min, maxConnections: max, warmConnections: true, connectionTimeoutMs: 10_000 },
    onEvent: (_event: PoolEvent, pool) => {
      if (pool.size + pool.pending > max)
        violations.push(`size ${pool.size} + pending ${pool.pending} > ${max}`);
      if (pool.size < 0 || pool.pending < 0 || pool.leased < 0) violations.push("negative gauge");
    },
  });
  await h.pool.start();
  return { h, held: [], released: [], entries: new Map(), served: [], violations };
}

/** Starts an acquire and records how it settles. */
export function startAcquire(m: PoolModel, r: PoolReal, options: { timeoutMs?: number } = {}): AcquireEntry {
  const entry: AcquireEntry = { token: m.nextToken++, controller: new AbortController(), state: "pending" };
  r.entries.set(entry.token, entry);
  r.h.pool.acquire({ signal: entry.controller.signal, ...options }).then(
    (lease) => {
      entry.state = "served";
      entry.lease = lease;
      r.served.push(entry.token);
      r.held.push(lease);
    },
    (error: Error) => {
      entry.state = "rejected";
      entry.error = error;
    },
  );
  return entry;
}

/** Lets promise callbacks and the fake's zero-latency effects run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Everything that must hold between any two commands. */
export function checkInvariants(m: PoolModel, r: PoolReal): void {
  const { pool } = r.h;
  expect(r.violations).toEqual([]);
  expect(eventLogViolations(r.h.events)).toEqual([]);
  // No connection leased twice.
  const ids = r.held.map((l) => l.connectionId);
  expect(new Set(ids).size).toBe(ids.length);
  expect(r.held).toHaveLength(m.held);
  expect(pool.leased).toBe(m.held);
  expect(pool.waiting).toBe(m.waiters.length);
  // Size within [0, max], and at least min while running (connects never fail here).
  expect(pool.size).toBe(m.size);
  expect(pool.size + pool.pending).toBeLessThanOrEqual(m.max);
  if (!m.shutdown) expect(pool.size).toBeGreaterThanOrEqual(m.min);
  // Exactly the model's waiters are still pending, in the model's order.
  const pending = [...r.entries.values()].filter((e) => e.state === "pending").map((e) => e.token);
  expect(pending).toEqual(m.waiters);
  // Metrics are a fold over the events, and the fold agrees with the pool's own bookkeeping.
  const snapshot = r.h.metrics.snapshot();
  expect(r.h.folded()).toEqual(snapshot);
  const gauges = gaugesOf(r.h);
  expect(gauges.metrics).toEqual(gauges.pool);
  // ... and healthStatus(), which reads the Endpoints, agrees with the fold field by field.
  const health = healthStatusOf(pool);
  expect({
    size: health.poolSize,
    idle: health.availableConnections,
    inUse: health.inUse,
    waiting: health.waiting,
    pending: health.pending,
    checking: health.checking,
    retiring: health.retiring,
  }).toEqual({
    size: snapshot.size,
    idle: snapshot.idle,
    inUse: snapshot.inUse,
    waiting: snapshot.waiting,
    pending: snapshot.pending,
    checking: snapshot.checking,
    retiring: snapshot.retiring,
  });
  expect(snapshot.checking).toBe(0);
  expect(snapshot.retiring).toBe(0);
}
