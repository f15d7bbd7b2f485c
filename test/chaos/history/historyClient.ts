// The history run's client: its own process, so that the parent can check it exits by itself after
// shutdown() and that nothing went unhandled. A remote-mode pool over the cluster's nodes, and a hybrid
// pool shipping to a remote of its own; every workload at once, recorded into one history:
//   writers on the fed table `reg` and live subscriptions on it, bank transfers through transaction(),
//   leases and agents changing their sessions, agents flushing their logs, hybrid writers.
// On "stop" (stdin) the workloads end, the subscriptions get `settleMs` to deliver, then a closing burst of
// every workload races shutdown() called at a random moment. Then the history goes to `historyFile` and a
// report line to stdout. It never calls process.exit after a clean run: exiting is what is checked.
//
//   node --import tsx test/chaos/history/historyClient.ts '<HistoryConfig as JSON>'
import { writeFileSync } from "node:fs";
import { AgentSession, ConnectionManager } from "../../../src/index.js";
import { parentStop } from "../../support/parentStop.js";
import { seededRandom } from "../prng.js";
import { DB, type HistoryConfig, NS } from "./config.js";
import { History } from "./history.js";
import { runBank } from "./workloads/bank.js";
import { runHybridWriter } from "./workloads/hybridWrites.js";
import { runAgentLeases, runIsolation } from "./workloads/isolation.js";
import { type Watch, watch } from "./workloads/liveWatch.js";
import { runWriter } from "./workloads/registers.js";

const config = JSON.parse(process.argv[2] ?? "") as HistoryConfig;
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const unhandledRejections: string[] = [];
const uncaughtExceptions: string[] = [];
process.on("unhandledRejection", (reason) =>
  unhandledRejections.push(String((reason as Error)?.stack ?? reason)),
);
process.on("uncaughtException", (error) => uncaughtExceptions.push(String(error?.stack ?? error)));

const stopped = parentStop();

const credentials = { username: "root", password: "root" };
const { timeoutMs, retryPolicy } = config;
/** A stated slack on every bound: timers and scheduling on a loaded 2-core machine, not the pool's. */
const SLACK_MS = 1_500;
const QUERY_TIMEOUT_MS = 3_000;
let backoff = 0;
for (
  let i = 0, step = retryPolicy.initialBackoffMs;
  i < retryPolicy.maxAttempts - 1;
  i++, step *= retryPolicy.multiplier
) {
  backoff += Math.min(step, retryPolicy.maxBackoffMs);
}
const callDeadlineMs = retryPolicy.maxAttempts * timeoutMs + backoff + SLACK_MS;
// transaction(): each attempt may take its deadline plus a second to cancel.
const transferDeadlineMs = retryPolicy.maxAttempts * (timeoutMs + 1_000) + backoff + SLACK_MS;
// A lease: its wait, then a few calls each bounded by queryTimeoutMs, and its release.
const leaseDeadlineMs = config.pool.connectionTimeoutMs + 5 * QUERY_TIMEOUT_MS + SLACK_MS;

const manager = await ConnectionManager.create({
  mode: { kind: "remote", endpoints: config.urls, loadBalancing: "round-robin" },
  credentials,
  namespace: NS,
  database: DB,
  pool: { ...config.pool, queryTimeoutMs: QUERY_TIMEOUT_MS, retryPolicy },
  circuitBreaker: config.circuitBreaker,
});
const hybrid = await ConnectionManager.create({
  mode: {
    kind: "hybrid",
    localCache: `surrealkv://${config.hybrid.localDir}`,
    remoteSync: [config.hybrid.remote],
    syncIntervalMs: 300,
  },
  credentials,
  namespace: NS,
  database: DB,
  pool: { minConnections: 1, maxConnections: 4, connectTimeoutMs: config.pool.connectTimeoutMs, retryPolicy },
});
await hybrid.executeWithRetry((db) => db.query("DEFINE TABLE IF NOT EXISTS hyb SCHEMALESS"));

const history = new History();
let running = true;
const isRunning = () => running;
const random = (salt: number) => seededRandom((config.seed ^ (salt * 2_654_435_761)) >>> 0);

/** Every workload once; resolves when all of them have ended (after `running` turns false). */
async function startWorkloads(round: number): Promise<{ agents: AgentSession[]; loops: Promise<void>[] }> {
  const loops: Promise<void>[] = [];
  for (let w = 0; w < config.writers; w++) {
    loops.push(
      runWriter(w, {
        manager,
        history,
        random: random(100 * round + w),
        running: isRunning,
        records: config.recordsPerWriter,
        timeoutMs,
        deadlineMs: callDeadlineMs,
      }),
    );
  }
  for (let c = 0; c < config.bankClients; c++) {
    loops.push(
      runBank(
        c,
        {
          manager,
          history,
          random: random(1_000 + 100 * round + c),
          running: isRunning,
          timeoutMs,
          transferDeadlineMs,
          readDeadlineMs: callDeadlineMs,
        },
        round,
      ),
    );
  }
  const isolation = { manager, history, running: isRunning, deadlineMs: leaseDeadlineMs };
  for (let c = 0; c < config.isolationClients; c++) {
    loops.push(runIsolation(c, { ...isolation, random: random(2_000 + 100 * round + c) }));
  }
  const agents: AgentSession[] = [];
  for (let a = 0; a < config.agents; a++) {
    const id = `agent-${a}`;
    const op = history.invoke(`agent ${a}`, round === 0 ? "create" : "restore", { id }, callDeadlineMs * 2);
    try {
      const agent =
        round === 0
          ? await AgentSession.create({
              id,
              manager,
              namespace: `agent_${a}`,
              maxConcurrentLeases: 2,
              sink: true,
            })
          : await AgentSession.restore(id, manager, { maxConcurrentLeases: 2 });
      op.ok();
      agents.push(agent);
      const agentContext = { ...isolation, deadlineMs: 3 * leaseDeadlineMs, random: random(3_000 + a) };
      loops.push(runAgentLeases(agent, a, 0, agentContext), runAgentLeases(agent, a, 1, agentContext));
    } catch (error) {
      op.info(error);
    }
  }
  for (let w = 0; w < config.hybridWriters; w++) {
    loops.push(
      runHybridWriter(w, {
        manager: hybrid,
        history,
        random: random(4_000 + 100 * round + w),
        running: isRunning,
        timeoutMs,
        deadlineMs: callDeadlineMs,
      }),
    );
  }
  return { agents, loops };
}

/** Starts a subscription and waits (bounded) for it to register. */
async function subscribe(name: string): Promise<Watch> {
  const w = watch(manager, history, name);
  const deadline = performance.now() + 20_000;
  while (w.subscribedAt === undefined && w.endedAt === undefined && performance.now() < deadline)
    await sleep(20);
  return w;
}

const watches: Watch[] = [await subscribe("s0")];
const phase1 = await startWorkloads(0);
say({ ready: true });
// More subscriptions register while writes and faults go on; one of them ends mid-run.
const later = (async () => {
  for (let s = 1; s < config.subscribers; s++) {
    await sleep(1_500);
    watches.push(await subscribe(`s${s}`));
  }
  await sleep(1_500);
  watches[1]?.stop();
})();

await stopped;
const stopAt = Date.now();
running = false;
await later;
await Promise.all(phase1.loops);
for (const agent of phase1.agents) await agent.close({ timeoutMs: 5_000 }).catch(() => {});
await sleep(config.settleMs);
for (const w of watches) w.stop();
const settledAt = Date.now();
say({ settled: true });

// The closing burst: every workload again (agents restored from their logs), shutdown at a random moment.
running = true;
const burstWatch = watch(manager, history, "burst");
const phase2 = await startWorkloads(1);
await sleep(seededRandom(config.seed).int(0, config.shutdownWithinMs));
running = false;
const shutdownOp = history.invoke("client", "shutdown", { timeoutMs: config.shutdownTimeoutMs });
const shutdownStarted = performance.now();
const [report, hybridReport] = await Promise.all([
  manager.shutdown({ timeoutMs: config.shutdownTimeoutMs }),
  hybrid.shutdown({ timeoutMs: 20_000 }),
]);
shutdownOp.ok({ durationMs: performance.now() - shutdownStarted, abandoned: report.abandoned.length });
burstWatch.stop();
// Every call racing the shutdown must settle (with a value or an error): bounded by the longest deadline.
const settle = Promise.all(phase2.loops);
await Promise.race([settle, new Promise((resolve) => setTimeout(resolve, 3 * leaseDeadlineMs).unref())]);
const pending = history.pending().length;
await sleep(50); // late rejections of the shutdown itself surface
writeFileSync(
  config.historyFile,
  `${JSON.stringify({
    watches: watches.map(({ name, subscribedAt, endedAt, error }) => ({
      name,
      subscribedAt,
      endedAt,
      error,
    })),
    stopAt,
    settledAt,
    unsynced: (hybridReport as { unsynced?: unknown[] }).unsynced ?? [],
  })}\n${history.ops.map((op) => JSON.stringify(op)).join("\n")}\n`,
);
say({
  report: {
    ops: history.ops.length,
    pending,
    unhandledRejections,
    uncaughtExceptions,
    shutdownMs: performance.now() - shutdownStarted,
  },
});
process.stdin.destroy(); // from here nothing of this script's own keeps the process alive
// Still alive 3 s later (this timer does not hold it): say what holds it, for the checker's message.
setTimeout(() => {
  const active = process as unknown as { _getActiveHandles(): object[] };
  say({
    alive: {
      resources: process.getActiveResourcesInfo(),
      timers: (globalThis as { __liveTimers?: () => string[] }).__liveTimers?.().slice(-5),
      handles: active._getActiveHandles().map((h) => h.constructor.name),
    },
  });
}, 3_000).unref();
