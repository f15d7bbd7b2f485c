import type { PoolOptions } from "../../src/config/options.js";
import { ConnectionPool, type ConnectionPoolOptions } from "../../src/core/ConnectionPool.js";
import { EventBus } from "../../src/events/EventBus.js";
import type { PoolEvent, PoolEventOf, PoolEventType } from "../../src/events/PoolEvent.js";
import { foldMetrics } from "../../src/observers/metrics.js";
import { PoolMetrics } from "../../src/observers/PoolMetrics.js";
import type { PooledLease } from "../../src/surreal/lease/PooledLease.js";
import { SessionLeases } from "../../src/surreal/SessionLeases.js";
import { FakeConnector, type FakeConnectorOptions } from "../support/fakeConnector.js";

/** Pool options for tests: small, fast, and nothing periodic unless a test asks for it. */
export function testPoolOptions(overrides: Partial<PoolOptions> = {}): PoolOptions {
  return {
    minConnections: 0,
    maxConnections: 2,
    connectionTimeoutMs: 1_000,
    connectTimeoutMs: 1_000,
    queryTimeoutMs: null,
    idleTimeoutMs: null,
    maxLifetimeMs: null,
    warmConnections: true,
    healthCheckIntervalMs: 600_000,
    retryPolicy: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 100, multiplier: 2 },
    leakDetectionThresholdMs: null,
    maxUses: null,
    maxWaitingClients: null,
    validateAfterIdleMs: 600_000,
    validationTimeoutMs: 1_000,
    socketsPerEndpoint: 2,
    maxSessionsPerEndpoint: 2_048,
    allowExitOnIdle: false,
    ...overrides,
  };
}

export interface PoolHarnessOptions {
  pool?: Partial<PoolOptions>;
  connector?: FakeConnector | FakeConnectorOptions;
  extra?: Partial<Omit<ConnectionPoolOptions<PooledLease>, "connectors" | "pool" | "publish" | "hooks">>;
  /** Called after each event is recorded (e.g. to check an invariant at every step). */
  onEvent?: (event: PoolEvent, pool: ConnectionPool<PooledLease>) => void;
}

/**
 * A ConnectionPool over a FakeConnector, with every event recorded and the live metrics fold over
 * the same events (as ConnectionManager wires it).
 */
export function poolHarness(options: PoolHarnessOptions = {}) {
  const connector =
    options.connector instanceof FakeConnector ? options.connector : new FakeConnector(options.connector);
  const events: PoolEvent[] = [];
  const bus = new EventBus<PoolEvent>();
  const metrics = new PoolMetrics(bus.events$);
  const poolOptions = testPoolOptions(options.pool);
  const publish = (event: PoolEvent) => {
    events.push(event);
    bus.emit(event);
    options.onEvent?.(event, pool);
  };
  // The SurrealDB layer's hooks, as the manager wires them: the fake units are SurrealDB-shaped.
  const pool: ConnectionPool<PooledLease> = new ConnectionPool({
    connectors: [connector],
    hooks: new SessionLeases(poolOptions.connectTimeoutMs, publish),
    pool: poolOptions,
    publish,
    ...options.extra,
  });
  return {
    pool,
    connector,
    events,
    metrics,
    options: poolOptions,
    /** Recorded events of one type. */
    of<T extends PoolEventType>(type: T): PoolEventOf<T>[] {
      return events.filter((e): e is PoolEventOf<T> => e.type === type);
    },
    /** The metrics fold over the recorded events. */
    folded: () => foldMetrics(events),
  };
}

/**
 * Violations of the lease discipline visible in an event log: a queued acquire served while an older
 * one still waited (FIFO), or a connection leased while already leased.
 */
export function eventLogViolations(events: readonly PoolEvent[]): string[] {
  const queue: number[] = [];
  const leased = new Set<string>();
  const out: string[] = [];
  for (const e of events) {
    if (e.type === "acquire.queued") {
      queue.push(e.requestId);
    } else if (e.type === "acquire.failed" && e.queued) {
      const i = queue.indexOf(e.requestId);
      if (i < 0) out.push(`request ${e.requestId} failed from the queue but was never queued`);
      else queue.splice(i, 1);
    } else if (e.type === "lease.acquired") {
      if (leased.has(e.connectionId)) out.push(`connection ${e.connectionId} leased twice`);
      leased.add(e.connectionId);
      if (e.queued) {
        if (queue[0] !== e.requestId) {
          out.push(
            `request ${e.requestId} served before older waiter ${queue[0]} (queue ${queue.join(",")})`,
          );
        }
        const i = queue.indexOf(e.requestId);
        if (i >= 0) queue.splice(i, 1);
      }
    } else if (e.type === "lease.released") {
      if (!leased.delete(e.connectionId)) out.push(`connection ${e.connectionId} released while not leased`);
    }
  }
  return out;
}

export type PoolHarness = ReturnType<typeof poolHarness>;

/** Lets every promise callback and zero-delay effect run. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` until it holds or `timeoutMs` passes (then throws, saying what it waited for). */
export async function until(condition: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** The live metrics gauges agree with the pool's own bookkeeping (call at a quiet moment). */
export function gaugesOf(h: PoolHarness) {
  const m = h.metrics.snapshot();
  return {
    metrics: { size: m.size, pending: m.pending, inUse: m.inUse, idle: m.idle, waiting: m.waiting },
    pool: {
      size: h.pool.size,
      pending: h.pool.pending,
      inUse: h.pool.leased,
      idle: h.pool.idle,
      waiting: h.pool.waiting,
    },
  };
}
