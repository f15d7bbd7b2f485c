// The nemesis suite's client: its own process, so the checker can see whether it exits by itself after
// shutdown() and whether anything was left unhandled. A remote-mode pool over the given URLs; `workers`
// loops of idempotent writes through executeWithRetry(fn, { timeoutMs }) until the parent writes "stop"
// on stdin. Then it waits (bounded) for the pool to recover, shuts down and reports, one JSON line per
// step on stdout. It never calls process.exit after a clean run: exiting is what is being checked.
//
//   node --import tsx test/chaos/nemesisClient.ts '<ClientConfig as JSON>'
import { ConnectionManager, isRetriesExhaustedError, isSurrealPoolError } from "../../src/index.js";
import { percentile } from "../load/support/percentile.js";
import { parentStop } from "../support/parentStop.js";
import { DB, NS, writeOp } from "./writes.js";

export interface ClientConfig {
  urls: string[];
  workers: number;
  /** Per-attempt deadline given to executeWithRetry. */
  timeoutMs: number;
  /** The longest a whole call may take (the checker's bound); calls over it are counted. */
  callDeadlineMs: number;
  pool: {
    minConnections: number;
    maxConnections: number;
    connectionTimeoutMs: number;
    connectTimeoutMs: number;
    idleTimeoutMs: number;
    healthCheckIntervalMs: number;
    validationTimeoutMs: number;
    retryPolicy: { maxAttempts: number; initialBackoffMs: number; maxBackoffMs: number; multiplier: number };
  };
  circuitBreaker: { failureThreshold: number; resetTimeoutMs: number };
  /** How long, after "stop", the calls in flight may take to settle before they count as hung. */
  settleMs: number;
  /** How long to wait for the pool to refill with every breaker closed (nodes restarted just before). */
  refillWithinMs: number;
  /** How long to wait, after a burst, for the pool to shrink back to minConnections (idle timeout). */
  shrinkWithinMs: number;
}

export interface CallRecord {
  w: number;
  s: number;
  ms: number;
  attempts: number;
  /** Error class of a failed call: its name, with the last attempt's for RetriesExhaustedError. */
  error?: string;
  typed?: boolean;
}

export interface ClientReport {
  calls: number;
  /** Per worker, the sequence numbers of its acknowledged writes. */
  acked: number[][];
  /** Per worker, how many operations it issued (sequence numbers 0 .. issued - 1). */
  issued: number[];
  failedByClass: Record<string, number>;
  untypedFailures: string[];
  latencyMs: { p50: number; p99: number; max: number };
  /** Calls that took longer than `callDeadlineMs`, and the slowest ten. */
  overDeadline: number;
  slowest: CallRecord[];
  /** Calls still unsettled `settleMs` after "stop". */
  hung: number;
  unhandledRejections: string[];
  uncaughtExceptions: string[];
  recovery: {
    /** ms until size >= min, every breaker closed, nothing in use or waiting; -1 if not within refillWithinMs. */
    refilledMs: number;
    /** Size after a burst of maxConnections leases, all released. */
    burstSize: number;
    /** The burst's failed acquires (distinct "Name: message"), and the breakers right after it. */
    burstFailures: string[];
    burstBreakers: string[];
    /** ms from the end of that burst until size === minConnections; -1 if not within shrinkWithinMs. */
    shrunkMs: number;
    health: { poolSize: number; inUse: number; waiting: number; breakers: string[] };
  };
  shutdown: { durationMs: number; abandoned: number };
}

const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const unhandledRejections: string[] = [];
const uncaughtExceptions: string[] = [];
process.on("unhandledRejection", (reason) =>
  unhandledRejections.push(String((reason as Error)?.stack ?? reason)),
);
process.on("uncaughtException", (error) => uncaughtExceptions.push(String(error?.stack ?? error)));

const config = JSON.parse(process.argv[2] ?? "") as ClientConfig;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const manager = await ConnectionManager.create({
  mode: { kind: "remote", endpoints: config.urls, loadBalancing: "round-robin" },
  credentials: { username: "root", password: "root" },
  namespace: NS,
  database: DB,
  pool: { ...config.pool, maxLifetimeMs: null, validateAfterIdleMs: 1_000 },
  circuitBreaker: config.circuitBreaker,
});

// "stop" on stdin ends the load; EOF (the parent died) ends this process too.
const stopped = parentStop();

const records: CallRecord[] = [];
const acked: number[][] = Array.from({ length: config.workers }, () => []);
const issued: number[] = Array.from({ length: config.workers }, () => 0);
let running = true;
let inFlight = 0;

async function worker(w: number): Promise<void> {
  for (let s = 0; running; s++) {
    issued[w] = s + 1;
    inFlight++;
    const started = performance.now();
    let attempts = 0;
    const record: CallRecord = { w, s, ms: 0, attempts: 0 };
    try {
      await manager.executeWithRetry((db) => writeOp(db, w, s, ++attempts), { timeoutMs: config.timeoutMs });
      acked[w]!.push(s);
    } catch (error) {
      record.error = errorClass(error);
      record.typed = isSurrealPoolError(error);
      // A short pause after a failure: the workers do not spin while every node is down.
      await sleep(20);
    } finally {
      inFlight--;
      record.ms = performance.now() - started;
      record.attempts = attempts;
      records.push(record);
    }
  }
}

function errorClass(error: unknown): string {
  const name = (e: unknown) => (e instanceof Error ? e.name : typeof e);
  if (isRetriesExhaustedError(error)) return `${name(error)}(${name(error.cause)})`;
  return name(error);
}

const loops = Array.from({ length: config.workers }, (_, w) => worker(w));
say({ ready: true, minConnections: config.pool.minConnections });

await stopped;
running = false;
const settleDeadline = performance.now() + config.settleMs;
while (inFlight > 0 && performance.now() < settleDeadline) await sleep(20);
const hung = inFlight;
if (hung === 0) await Promise.all(loops);
say({ stopped: true, calls: records.length, hung });

const breakers = () => manager.healthStatus().endpoints.map((e) => e.breaker);
const refilled = () => {
  const h = manager.healthStatus();
  return (
    h.poolSize >= config.pool.minConnections &&
    h.inUse === 0 &&
    h.waiting === 0 &&
    breakers().every((b) => b === "closed")
  );
};
/** ms until `condition` holds, polled; -1 if it does not within `withinMs`. */
async function timeUntil(condition: () => boolean, withinMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < withinMs) {
    if (condition()) return performance.now() - start;
    await sleep(50);
  }
  return -1;
}
const refilledMs = await timeUntil(refilled, config.refillWithinMs);
// Then grow the pool to its maximum and let go: idle connections above the minimum must be retired.
const burst = await Promise.allSettled(
  // A generous wait: on a loaded machine, connects right after the faults can take seconds.
  Array.from({ length: config.pool.maxConnections }, () => manager.acquire({ timeoutMs: 10_000 })),
);
const burstSize = manager.healthStatus().poolSize;
const burstBreakers = breakers();
/** Why acquires of the burst failed, if any did: "Name: message", distinct. */
const burstFailures = [
  ...new Set(
    burst.flatMap((b) =>
      b.status === "rejected" ? [`${(b.reason as Error)?.name}: ${(b.reason as Error)?.message}`] : [],
    ),
  ),
];
for (const b of burst) if (b.status === "fulfilled") await b.value.release();
const shrunkMs = await timeUntil(
  () => manager.healthStatus().poolSize === config.pool.minConnections,
  config.shrinkWithinMs,
);
const health = manager.healthStatus();
const breakersAtEnd = breakers();
say({ recovered: { refilledMs, burstSize, shrunkMs } });

const shutdown = await manager.shutdown({ timeoutMs: 5_000 });
process.stdin.destroy(); // from here on nothing of this script's own keeps the process alive

const failedByClass: Record<string, number> = {};
for (const r of records) if (r.error) failedByClass[r.error] = (failedByClass[r.error] ?? 0) + 1;
const latencies = records.map((r) => r.ms);
const report: ClientReport = {
  calls: records.length,
  acked,
  issued,
  failedByClass,
  untypedFailures: records
    .filter((r) => r.error && !r.typed)
    .map((r) => r.error!)
    .slice(0, 20),
  latencyMs: {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.reduce((m, x) => Math.max(m, x), 0),
  },
  overDeadline: records.filter((r) => r.ms > config.callDeadlineMs).length,
  slowest: [...records].sort((a, b) => b.ms - a.ms).slice(0, 10),
  hung,
  unhandledRejections,
  uncaughtExceptions,
  recovery: {
    refilledMs,
    burstSize,
    burstFailures,
    burstBreakers,
    shrunkMs,
    health: {
      poolSize: health.poolSize,
      inUse: health.inUse,
      waiting: health.waiting,
      breakers: breakersAtEnd,
    },
  },
  shutdown: { durationMs: shutdown.durationMs, abandoned: shutdown.abandoned.length },
};
// Late ones (from shutdown itself) still count: give them one turn of the event loop to surface.
await sleep(50);
say({ report: { ...report, unhandledRejections, uncaughtExceptions } });
