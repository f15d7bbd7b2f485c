// One nemesis run: a simulated cluster (3 nodes over one surrealkv:// store, a fault proxy in front of each
// node), the client process (nemesisClient.ts: 20 workers of idempotent writes through executeWithRetry),
// and a seeded plan of faults applied one after another. Then the checker reads the store and the client's
// report. Everything is bounded: each wait has a deadline, every child is stopped in `finally`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Cluster, startCluster } from "../support/cluster.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import { type ChildExit, type JsonLinesChild, spawnJsonLinesChild } from "../support/jsonLinesChild.js";
import { closeQuietly, connectWs } from "../support/wsClient.js";
import type { CallRecord, ClientConfig, ClientReport } from "./nemesisClient.js";
import { applyFault, describeFault, faultCounts, planNemesis } from "./plan.js";
import { seededRandom } from "./prng.js";
import { type AppliedRow, DB, NS, opValue, READ_APPLIED, READ_OPS, SETUP, type StoredOp } from "./writes.js";

const CLIENT = fileURLToPath(new URL("./nemesisClient.ts", import.meta.url));

/** Stated slack on top of a call's deadline: scheduling on a loaded 2-core machine, not the pool's. */
export const DEADLINE_SLACK_MS = 1_000;
/** How long the client may take to exit by itself once it reported (after shutdown() resolved). */
export const EXIT_WITHIN_MS = 5_000;

export interface NemesisSize {
  /** Rounds of the plan; each round has every kind of fault once. */
  rounds: number;
  workers: number;
}

/** The client's settings; the deadline bound below is derived from them. */
const CLIENT_SETTINGS = {
  timeoutMs: 1_000,
  pool: {
    minConnections: 3,
    maxConnections: 12,
    // Longer than a whole call's deadline: an acquire that waits this long shows as an overrun.
    connectionTimeoutMs: 10_000,
    // Shorter than the burst's acquire wait (10 s) below: an open stuck on a socket that began opening
    // during a fault fails in time for its waiter to be served by another open (seen under CPU load with
    // the default 10 s: 4 of the burst's 12 acquires timed out behind such opens).
    connectTimeoutMs: 2_500,
    // Health checks more often than the idle timeout, as with the defaults (30 s < 300 s).
    idleTimeoutMs: 3_000,
    healthCheckIntervalMs: 1_000,
    validationTimeoutMs: 500,
    retryPolicy: { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 300, multiplier: 2 },
  },
  circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 500 },
  settleMs: 30_000,
  refillWithinMs: 20_000,
  // The idle timeout (3 s) plus a few housekeeping passes.
  shrinkWithinMs: 8_000,
} satisfies Omit<ClientConfig, "urls" | "workers" | "callDeadlineMs">;

/** A call may take each attempt's deadline, the backoff between attempts, and the stated slack. */
export const CALL_DEADLINE_MS =
  CLIENT_SETTINGS.timeoutMs * CLIENT_SETTINGS.pool.retryPolicy.maxAttempts +
  CLIENT_SETTINGS.pool.retryPolicy.maxBackoffMs * (CLIENT_SETTINGS.pool.retryPolicy.maxAttempts - 1) +
  DEADLINE_SLACK_MS;

export interface NemesisReport {
  seed: number;
  plan: string[];
  faults: Record<string, number>;
  durationMs: number;
  client: ClientReport;
  ops: number;
  acked: number;
  /** Acknowledged writes missing from the store, or there with another value. */
  lost: { w: number; s: number }[];
  /** An attempt applied more than once: one request executed twice. */
  duplicated: { w: number; s: number; attempt: number; times: number }[];
  /** Records of operations the client never issued. */
  phantom: { w: number; s: number }[];
  /** Operations applied by more than one attempt (a retry after an ambiguous failure): harmless. */
  ambiguous: number;
  deadlineMs: number;
  /** Calls over the deadline: how many, and the slowest ten. */
  overDeadline: number;
  slowest: CallRecord[];
  /** How the client process ended after it reported; `exitedAfterMs` -1 when it had to be killed. */
  exit: ChildExit & { exitedAfterMs: number };
}

export async function runNemesis(seed: number, size: NemesisSize): Promise<NemesisReport> {
  const random = seededRandom(seed);
  const plan = planNemesis(random, size.rounds, CALL_DEADLINE_MS + 2_000);
  const dir = mkdtempSync(join(tmpdir(), "surreal-pool-nemesis-"));
  let cluster: Cluster | undefined;
  let proxies: FaultProxy[] = [];
  let client: JsonLinesChild | undefined;
  const started = performance.now();
  try {
    cluster = await startCluster({ nodes: 3, store: `surrealkv://${dir}` });
    const setup = await connectWs(cluster.urls[0]!, { namespace: NS, database: DB, auth: root(cluster) });
    await setup.query(SETUP);
    await closeQuietly(setup);
    proxies = await Promise.all(cluster.nodes.map((node) => startFaultProxy({ target: node })));

    const config: ClientConfig = {
      ...CLIENT_SETTINGS,
      callDeadlineMs: CALL_DEADLINE_MS,
      urls: proxies.map((p) => p.url),
      workers: size.workers,
    };
    client = spawnJsonLinesChild(CLIENT, [JSON.stringify(config)]);
    await client.waitFor((l) => l.ready === true, 30_000);
    await sleep(1_000);
    for (const step of plan) {
      await sleep(step.calmMs);
      await applyFault(step.fault, cluster, proxies);
    }
    await sleep(1_000);
    client.send("stop");
    const reportLine = await client.waitFor(
      (l) => "report" in l,
      CLIENT_SETTINGS.settleMs + CLIENT_SETTINGS.refillWithinMs + CLIENT_SETTINGS.shrinkWithinMs + 20_000,
    );
    const reportedAt = performance.now();
    const exit = await Promise.race([client.exited, sleep(EXIT_WITHIN_MS).then(() => undefined)]);
    const exitInfo = exit
      ? { ...exit, exitedAfterMs: exit.at - reportedAt }
      : { ...(await client.kill()), exitedAfterMs: -1 };
    const report = reportLine.report as ClientReport;
    const stored = await readStore(cluster);
    return {
      seed,
      plan: plan.map((s) => describeFault(s.fault)),
      faults: faultCounts(plan),
      durationMs: performance.now() - started,
      client: report,
      ...check(report, stored),
      exit: exitInfo,
    };
  } finally {
    await client?.kill();
    await Promise.all(proxies.map((p) => p.close(500).catch(() => undefined)));
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const root = (cluster: Cluster) => ({ username: cluster.username, password: cluster.password });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function readStore(cluster: Cluster): Promise<{ ops: StoredOp[]; applied: AppliedRow[] }> {
  const db = await connectWs(cluster.urls[0]!, {
    namespace: NS,
    database: DB,
    auth: root(cluster),
    timeoutMs: 10_000,
  });
  try {
    const [ops] = await db.query<[StoredOp[]]>(READ_OPS);
    const [applied] = await db.query<[AppliedRow[]]>(READ_APPLIED);
    return { ops, applied };
  } finally {
    await closeQuietly(db);
  }
}

/** The checker: what the store holds against what the client was told. */
function check(
  report: ClientReport,
  stored: { ops: StoredOp[]; applied: AppliedRow[] },
): Pick<
  NemesisReport,
  | "ops"
  | "acked"
  | "lost"
  | "duplicated"
  | "phantom"
  | "ambiguous"
  | "deadlineMs"
  | "overDeadline"
  | "slowest"
> {
  const key = (w: number, s: number) => `${w}:${s}`;
  const values = new Map(stored.ops.map((o) => [key(o.w, o.s), o.v]));
  const lost: { w: number; s: number }[] = [];
  report.acked.forEach((seqs, w) => {
    for (const s of seqs) if (values.get(key(w, s)) !== opValue(w, s)) lost.push({ w, s });
  });
  const phantom = stored.ops.filter((o) => !(o.s < (report.issued[o.w] ?? 0))).map(({ w, s }) => ({ w, s }));
  const times = new Map<string, number>();
  const attemptsPerOp = new Map<string, Set<number>>();
  for (const a of stored.applied) {
    const k = `${key(a.w, a.s)}:${a.attempt}`;
    times.set(k, (times.get(k) ?? 0) + 1);
    const set = attemptsPerOp.get(key(a.w, a.s)) ?? new Set<number>();
    set.add(a.attempt);
    attemptsPerOp.set(key(a.w, a.s), set);
  }
  const duplicated = [...times]
    .filter(([, n]) => n > 1)
    .map(([k, n]) => {
      const [w, s, attempt] = k.split(":").map(Number) as [number, number, number];
      return { w, s, attempt, times: n };
    });
  return {
    ops: report.calls,
    acked: report.acked.reduce((n, seqs) => n + seqs.length, 0),
    lost,
    duplicated,
    phantom,
    ambiguous: [...attemptsPerOp.values()].filter((set) => set.size > 1).length,
    deadlineMs: CALL_DEADLINE_MS,
    overDeadline: report.overDeadline,
    slowest: report.slowest,
  };
}

/** One paragraph with the seed and the figures, for the test output and the README. */
export function summarize(r: NemesisReport): string {
  const failed = Object.entries(r.client.failedByClass)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${n}`)
    .join(", ");
  return [
    `nemesis CHAOS_SEED=${r.seed}: ${r.plan.length} faults (${Object.entries(r.faults)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}) in ${(r.durationMs / 1000).toFixed(1)} s`,
    `  ops ${r.ops}, acked ${r.acked}, failed ${r.ops - r.acked} (${failed || "none"})`,
    `  lost ${r.lost.length}, duplicated ${r.duplicated.length}, phantom ${r.phantom.length}, ambiguous (retried after an unknown outcome) ${r.ambiguous}`,
    `  latency p50 ${r.client.latencyMs.p50.toFixed(0)} ms, p99 ${r.client.latencyMs.p99.toFixed(0)} ms, max ${r.client.latencyMs.max.toFixed(0)} ms; deadline ${r.deadlineMs} ms, over it ${r.overDeadline}, hung ${r.client.hung}`,
    `  unhandled rejections ${r.client.unhandledRejections.length}, uncaught ${r.client.uncaughtExceptions.length}; recovery: refilled ${r.client.recovery.refilledMs.toFixed(0)} ms, shrunk from ${r.client.recovery.burstSize} to min in ${r.client.recovery.shrunkMs.toFixed(0)} ms (${JSON.stringify(r.client.recovery.health)})`,
    `  client exit: code ${r.exit.code}, signal ${r.exit.signal}, ${r.exit.exitedAfterMs < 0 ? `did not exit within ${EXIT_WITHIN_MS} ms` : `${r.exit.exitedAfterMs.toFixed(0)} ms after its report`}`,
  ].join("\n");
}
