// One history run: a simulated cluster (3 nodes over one surrealkv:// store, a fault proxy before each), a
// hybrid remote of its own (surrealkv://, behind a proxy), the client process (historyClient.ts: every
// workload at once, recording a history), and a seeded plan of faults applied while it runs. Then the
// store's own record of what committed is read, and each checker judges the history against it.
// Everything is bounded: each wait has a deadline, every child is stopped in `finally`.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Surreal } from "surrealdb";
import { AgentSession, ConnectionManager } from "../../../src/index.js";
import { readChanges } from "../../../src/surreal/feed/changeFeed.js";
import { timeOfVersionstamp } from "../../../src/surreal/feed/versionstamp.js";
import { type Cluster, startCluster } from "../../support/cluster.js";
import { type EndpointHandle, startEndpoint } from "../../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../../support/faultProxy.js";
import { type JsonLinesChild, spawnJsonLinesChild } from "../../support/jsonLinesChild.js";
import { closeQuietly, connectWs } from "../../support/wsClient.js";
import { seededRandom } from "../prng.js";
import { checkAgentLogs, type RestoredLog } from "./checkers/checkAgentLogs.js";
import { checkBank, type TransferRow } from "./checkers/checkBank.js";
import { checkHybrid } from "./checkers/checkHybrid.js";
import { checkIsolation } from "./checkers/checkIsolation.js";
import { type Committed, checkLive, type WatchInfo } from "./checkers/checkLive.js";
import { checkRun } from "./checkers/checkRun.js";
import { checkWrites } from "./checkers/checkWrites.js";
import { type CheckResult, describeViolation } from "./checkers/violation.js";
import { DB, type HistoryConfig, NS, setupQuery } from "./config.js";
import type { Op } from "./history.js";
import { applyFault, describeFault, type HistoryFault, planFaults } from "./plan.js";

const CLIENT = fileURLToPath(new URL("./historyClient.ts", import.meta.url));
const ROOT = { username: "root", password: "root" };
/** How long the client may take to exit by itself once it reported (after shutdown() resolved). */
const EXIT_WITHIN_MS = 5_000;

export interface HistorySize {
  /** Faults in the plan, and the quiet time before each (ms, drawn from this range). */
  faults: number;
  calmMs: [number, number];
  /** Partitions from every node and kills of all three are in the long form only. */
  total: boolean;
  writers: number;
  subscribers: number;
  bankClients: number;
  isolationClients: number;
  agents: number;
  hybridWriters: number;
}

export interface HistoryReport {
  seed: number;
  plan: string[];
  durationMs: number;
  ops: number;
  results: CheckResult[];
  historyFile: string;
  /** Every violation, described with the operations around it. */
  described: string[];
}

export async function runHistory(seed: number, size: HistorySize): Promise<HistoryReport> {
  const random = seededRandom(seed);
  const plan = planFaults(random, size.faults, size.calmMs, size.total);
  const dir = mkdtempSync(join(tmpdir(), "surreal-pool-history-"));
  const historyFile = join(dir, "history.jsonl");
  let cluster: Cluster | undefined;
  let remote: EndpointHandle | undefined;
  let proxies: FaultProxy[] = [];
  let remoteProxy: FaultProxy | undefined;
  let client: JsonLinesChild | undefined;
  const started = performance.now();
  try {
    [cluster, remote] = await Promise.all([
      startCluster({ nodes: 3, store: `surrealkv://${join(dir, "store")}` }),
      startEndpoint({ store: `surrealkv://${join(dir, "remote")}` }),
    ]);
    const config: HistoryConfig = {
      seed,
      urls: [],
      hybrid: { localDir: join(dir, "local"), remote: "" },
      historyFile,
      writers: size.writers,
      recordsPerWriter: 6,
      subscribers: size.subscribers,
      bankClients: size.bankClients,
      isolationClients: size.isolationClients,
      agents: size.agents,
      hybridWriters: size.hybridWriters,
      timeoutMs: 1_500,
      retryPolicy: { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 300, multiplier: 2 },
      pool: {
        minConnections: 4,
        maxConnections: 16,
        connectionTimeoutMs: 5_000,
        connectTimeoutMs: 2_500,
        healthCheckIntervalMs: 1_000,
        validationTimeoutMs: 1_000,
      },
      circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 2_000 },
      settleMs: 8_000,
      shutdownWithinMs: 1_500,
      shutdownTimeoutMs: 2_000,
    };
    const setup = await connectWs(cluster.urls[0]!, { namespace: NS, database: DB, auth: ROOT });
    await setup.query(setupQuery(config));
    await closeQuietly(setup);
    proxies = await Promise.all(cluster.nodes.map((node) => startFaultProxy({ target: node })));
    remoteProxy = await startFaultProxy({ target: remote });
    config.urls = proxies.map((p) => p.url);
    config.hybrid.remote = remoteProxy.url;

    client = spawnJsonLinesChild(CLIENT, [JSON.stringify(config)]);
    await client.waitFor((l) => l.ready === true, 60_000);
    for (const step of plan) {
      await sleep(step.calmMs);
      await applyFault(step.fault, { cluster, proxies, remote, remoteProxy });
    }
    await sleep(1_000);
    client.send("stop");
    const reportLine = await client.waitFor((l) => "report" in l, 180_000);
    const reportedAt = performance.now();
    const exit = await Promise.race([client.exited, sleep(EXIT_WITHIN_MS).then(() => undefined)]);
    // Still alive: the client said, 3 s after its report, what holds it.
    const alive = client.lines.find((l) => "alive" in l)?.alive;
    const exitInfo: { code: number | null; afterMs: number; alive: unknown } = exit
      ? { code: exit.code, afterMs: exit.at - reportedAt, alive: undefined }
      : { code: (await client.kill()).code, afterMs: -1, alive };
    const report = reportLine.report as {
      pending: number;
      unhandledRejections: string[];
      uncaughtExceptions: string[];
    };
    const { meta, ops } = readHistory(historyFile);

    const [committed, bank, logs, hybridRows] = await Promise.all([
      readCommitted(cluster),
      readBank(cluster),
      restoreLogs(cluster, size.agents),
      readHybrid(config.hybrid.localDir, remote),
    ]);
    const results = [
      checkWrites(ops, committed),
      checkLive(ops, committed, meta.watches, meta.stopAt),
      checkBank(ops, bank.accounts, bank.rows, size.bankClients),
      checkIsolation(ops),
      checkAgentLogs(ops, logs),
      checkHybrid(hybridRows.local, hybridRows.remote, meta.unsynced),
      checkRun(
        ops,
        {
          ...report,
          exitedAfterMs: exitInfo.afterMs,
          exitCode: exitInfo.code,
          alive: exitInfo.alive,
        },
        { shutdownTimeoutMs: config.shutdownTimeoutMs, shutdownSlackMs: 250, exitWithinMs: EXIT_WITHIN_MS },
      ),
    ];
    return {
      seed,
      plan: plan.map((s) => describeFault(s.fault)),
      durationMs: performance.now() - started,
      ops: ops.length,
      results,
      historyFile,
      described: results.flatMap((r) => r.violations.slice(0, 3).map((v) => describeViolation(v, ops))),
    };
  } finally {
    await client?.kill();
    await Promise.all([...proxies, remoteProxy].map((p) => p?.close(500).catch(() => undefined)));
    await Promise.all([cluster?.stop(), remote?.stop()]);
    // The history stays for a failed run (its path is printed); a passing one is removed.
    if (process.env.HISTORY_KEEP !== "1") rmSync(dir, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function readHistory(file: string): {
  meta: { watches: WatchInfo[]; stopAt: number; settledAt: number; unsynced: unknown[] };
  ops: Op[];
} {
  const [first, ...rest] = readFileSync(file, "utf8").trim().split("\n");
  return { meta: JSON.parse(first!), ops: rest.map((line) => JSON.parse(line) as Op) };
}

async function admin<T>(url: string, work: (db: Surreal) => Promise<T>): Promise<T> {
  const db = await connectWs(url, { namespace: NS, database: DB, auth: ROOT, timeoutMs: 10_000 });
  try {
    return await work(db);
  } finally {
    await closeQuietly(db);
  }
}

/** Every committed change of `reg`, from the store's own feed, with whether its record existed before. */
function readCommitted(cluster: Cluster): Promise<Committed[]> {
  return admin(cluster.urls[0]!, async (db) => {
    const out: Committed[] = [];
    const exists = new Set<string>();
    for (let since = 0n; ; ) {
      const read = await readChanges(db, since, 1_000, "reg");
      for (const entry of read.entries) {
        for (const c of entry.changes) {
          const id = String(c.kind === "delete" ? c.id.id : c.record.id.id);
          const at = timeOfVersionstamp(entry.versionstamp);
          if (c.kind === "delete") {
            out.push({ id, kind: "delete", v: null, at, existed: exists.has(id) });
            exists.delete(id);
          } else {
            out.push({ id, kind: "write", v: Number(c.record.v), at, existed: exists.has(id) });
            exists.add(id);
          }
        }
      }
      const last = read.entries[read.entries.length - 1];
      if (!last) return out;
      since = last.versionstamp + 1n;
    }
  });
}

function readBank(cluster: Cluster): Promise<{ accounts: Map<string, number>; rows: TransferRow[] }> {
  return admin(cluster.urls[0]!, async (db) => {
    const [accounts, rows] = await db.query<[{ id: { id: string }; balance: number }[], TransferRow[]]>(
      "SELECT id, balance FROM acct; SELECT tid, c, from, to, amount FROM transfer",
    );
    return { accounts: new Map(accounts.map((a) => [String(a.id.id), a.balance])), rows };
  });
}

async function restoreLogs(cluster: Cluster, agents: number): Promise<RestoredLog[]> {
  const manager = await ConnectionManager.create({
    mode: { kind: "remote", endpoints: cluster.urls },
    credentials: ROOT,
    namespace: NS,
    database: DB,
    pool: { minConnections: 1, maxConnections: 4 },
  });
  try {
    const logs: RestoredLog[] = [];
    for (let a = 0; a < agents; a++) {
      try {
        const agent = await AgentSession.restore(`agent-${a}`, manager);
        logs.push({
          agent: a,
          entries: agent.transactionHistory().map((e) => ({ id: e.id, status: e.status })),
        });
        await agent.close();
      } catch (error) {
        logs.push({ agent: a, entries: [], error: String((error as Error)?.message ?? error) });
      }
    }
    return logs;
  } finally {
    await manager.shutdown({ timeoutMs: 5_000 });
  }
}

async function readHybrid(
  localDir: string,
  remote: EndpointHandle,
): Promise<{ local: Map<string, unknown>; remote: Map<string, unknown> }> {
  const rows = (list: { id: { id: string }; n: unknown }[]) =>
    new Map(list.map((r) => [String(r.id.id), r.n]));
  const local = await ConnectionManager.create({
    mode: { kind: "local", endpoint: `surrealkv://${localDir}` },
    namespace: NS,
    database: DB,
    pool: { minConnections: 1, maxConnections: 1 },
  });
  try {
    const [localRows] = await local.executeWithRetry((db) =>
      db.query<[{ id: { id: string }; n: unknown }[]]>("SELECT id, n FROM hyb"),
    );
    const remoteRows = await admin(remote.url, async (db) => {
      const [list] = await db.query<[{ id: { id: string }; n: unknown }[]]>("SELECT id, n FROM hyb");
      return list;
    });
    return { local: rows(localRows), remote: rows(remoteRows) };
  } finally {
    await local.shutdown({ timeoutMs: 5_000 });
  }
}

/** One paragraph with the seed, what ran, every property's counts and violations: for the test output. */
export function summarize(r: HistoryReport): string {
  const lines = [
    `history HISTORY_SEED=${r.seed}: ${r.ops} operations, ${r.plan.length} faults in ${(r.durationMs / 1000).toFixed(1)} s (${r.plan.join("; ")})`,
  ];
  for (const result of r.results) {
    const counts = Object.entries(result.counts)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
    lines.push(`  ${result.property}: ${counts}; violations ${result.violations.length}`);
  }
  if (r.described.length > 0) lines.push("first violations:", ...r.described);
  return lines.join("\n");
}

export type { HistoryFault };
