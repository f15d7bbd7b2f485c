import type { Surreal } from "surrealdb";
import { startEndpoint } from "../test/support/endpoint.js";
import { closeQuietly, connectWs } from "../test/support/wsClient.js";
import { hasJsThreadClock } from "./cpuClock.js";
import { interleaveCosted, type RoundCost } from "./drive.js";
import { withConflictRetry } from "./e2eEmbedded.js";
import { type CostRatios, costRow, type Row } from "./measure.js";
import { AgentSession, ConnectionManager } from "./pool.js";
import { openRawSdk } from "./rawSdk.js";

const POOL = 10;
const NS = { namespace: "bench", database: "bench" };
const ROOT = { username: "root", password: "root" };

type Op = (worker: number, i: number) => Promise<unknown>;
type Place = "remote" | "embedded";
interface Timing {
  rounds: number;
  roundMs: number;
  warmMs: number;
}

/** A path through the pool, and the bound on its client CPU per op against its baseline. */
interface Path {
  name: string;
  maxCpuRatio: number;
  minThroughputRatio?: number;
  op: (manager: ConnectionManager) => Op;
}

const leaseOne = (manager: ConnectionManager) => async () => {
  const lease = await manager.acquire();
  try {
    await lease.db.query("RETURN 1");
  } finally {
    await lease.release();
  }
};

const PATHS: Path[] = [
  {
    name: "query()",
    maxCpuRatio: 1.05,
    minThroughputRatio: 1.0,
    op: (m) => () => m.query("RETURN 1"),
  },
  { name: "lease, one query", maxCpuRatio: 1.2, op: leaseOne },
  {
    name: "executeWithRetry",
    maxCpuRatio: 1.25,
    op: (m) => () => m.executeWithRetry((db) => db.query("RETURN 1")),
  },
];

/**
 * The target of a row and its judge. Remote, the client's CPU is the whole process's (the server is
 * another process). Embedded, the process figure also holds the engine's threads doing the database's
 * work, which dilutes any ratio towards 1: there the JS thread's figure is judged, where it is readable.
 */
function judge(
  place: Place,
  maxCpuRatio: number,
  minThroughputRatio?: number,
): { target: string; meets: (r: CostRatios) => boolean } {
  const jsThread = place === "embedded" && hasJsThreadClock;
  const cpuTarget = `${jsThread ? "JS-thread " : ""}cpu ratio <= ${maxCpuRatio}`;
  return {
    target:
      minThroughputRatio === undefined ? cpuTarget : `${cpuTarget}, ops/s ratio >= ${minThroughputRatio}`,
    meets: (r) =>
      (jsThread ? (r.jsThread ?? r.cpu) : r.cpu) <= maxCpuRatio &&
      (minThroughputRatio === undefined || r.throughput >= minThroughputRatio),
  };
}

/**
 * What the pool costs the client per operation, against one raw SDK client in the same run: `RETURN 1`
 * by N concurrent workers through `manager.query()`, a lease with one call, and `executeWithRetry`; a
 * transaction (begin, a write, a read, commit) against a raw SDK transaction; an agent's lease against a
 * plain lease. Remote (one loopback endpoint, a child process: its CPU is not the client's) and embedded
 * (`mem://`: the process figure holds the engine's threads too, the JS thread's figure does not).
 * Every subject of a group runs in the same interleaved rounds; throughput is reported beside CPU per
 * op, and the targets judge CPU per op: it does not count the time spent waiting for a core, so what
 * else runs on the machine moves it less than throughput.
 */
export async function clientCost(quick: boolean): Promise<Row[]> {
  // Many short rounds rather than a few long ones: a median over more alternations is moved less by one
  // burst of outside load (at load average 6-11 single rounds of query()'s CPU ratio read 0.9 to 1.9).
  const timing: Timing = quick
    ? { rounds: 4, roundMs: 300, warmMs: 300 }
    : { rounds: 10, roundMs: 750, warmMs: 1_000 };
  const workerCounts = quick ? [20] : [20, 100];
  const agentCounts = quick ? [50] : [50, 200];
  const rows: Row[] = [];

  const endpoint = await startEndpoint({ allowGuests: true });
  try {
    const remote = await ConnectionManager.create({
      mode: { kind: "remote", endpoints: [endpoint.url] },
      credentials: ROOT,
      ...NS,
      pool: { minConnections: POOL, maxConnections: POOL, connectTimeoutMs: 20_000 },
    });
    const raw = await connectWs(endpoint.url, { ...NS, auth: ROOT, timeoutMs: 20_000 });
    try {
      rows.push(...(await placeRows("remote", raw, remote, workerCounts, agentCounts, timing)));
    } finally {
      await closeQuietly(raw);
      await remote.shutdown();
    }
  } finally {
    await endpoint.stop();
  }

  const embedded = await ConnectionManager.create({
    ...NS,
    pool: { minConnections: POOL, maxConnections: POOL },
  });
  const raw = await openRawSdk();
  try {
    rows.push(...(await placeRows("embedded", raw, embedded, workerCounts, agentCounts, timing)));
  } finally {
    await raw.close();
    await embedded.shutdown();
  }
  return rows;
}

async function placeRows(
  place: Place,
  raw: Surreal,
  manager: ConnectionManager,
  workerCounts: number[],
  agentCounts: number[],
  timing: Timing,
): Promise<Row[]> {
  // Concurrent first writes that create a table implicitly conflict: the table exists first.
  await raw.query("DEFINE TABLE IF NOT EXISTS acct");
  const rows: Row[] = [];
  for (const workers of workerCounts) {
    const subjects: Record<string, Op> = { raw: () => raw.query("RETURN 1") };
    for (const path of PATHS) subjects[path.name] = path.op(manager);
    const samples = await measure(subjects, workers, timing);
    for (const path of PATHS) {
      rows.push(
        costRow({
          bench: `client-cost ${place}`,
          name: `${path.name} (${workers} workers)`,
          baseline: "raw SDK client",
          subject: samples[path.name]!,
          baselineRounds: samples.raw!,
          ...judge(place, path.maxCpuRatio, path.minThroughputRatio),
          extra: { path: path.name, workers, poolSize: POOL, workload: "RETURN 1" },
        }),
      );
    }
  }
  rows.push(await transactionRow(place, raw, manager, timing));
  for (const count of agentCounts) rows.push(await agentRow(place, manager, count, timing));
  return rows;
}

/** Warm-up round first (engine, JIT, the pool's sessions), then the measured interleaved rounds. */
async function measure(
  subjects: Record<string, Op>,
  workers: number,
  { rounds, roundMs, warmMs }: Timing,
): Promise<Record<string, RoundCost[]>> {
  await interleaveCosted(subjects, { workers, rounds: 1, roundMs: warmMs });
  return interleaveCosted(subjects, { workers, rounds, roundMs });
}

/** Each worker writes only its own rows, so conflicts are rare; a conflicted one is rerun on both sides. */
const TX_WORKERS = 20;
const write = (db: Pick<Surreal, "query">, worker: number, i: number) =>
  db.query("UPSERT type::record('acct', $id) SET n = $i", { id: `w${worker}_${i % 20}`, i });
const read = (db: Pick<Surreal, "query">, worker: number, i: number) =>
  db.query("SELECT n FROM type::record('acct', $id)", { id: `w${worker}_${i % 20}` });

async function transactionRow(
  place: Place,
  raw: Surreal,
  manager: ConnectionManager,
  timing: Timing,
): Promise<Row> {
  const samples = await measure(
    {
      transaction: (w, i) =>
        manager.transaction(
          async (tx) => {
            await write(tx, w, i);
            await read(tx, w, i);
          },
          { maxAttempts: 10 },
        ),
      raw: (w, i) =>
        withConflictRetry(async () => {
          const tx = await raw.beginTransaction();
          try {
            await write(tx, w, i);
            await read(tx, w, i);
          } catch (error) {
            await tx.cancel();
            throw error;
          }
          await tx.commit();
        }),
    },
    TX_WORKERS,
    timing,
  );
  return costRow({
    bench: `client-cost ${place}`,
    name: `transaction() (${TX_WORKERS} workers)`,
    baseline: "raw SDK transaction",
    unit: "tx/s",
    subject: samples.transaction!,
    baselineRounds: samples.raw!,
    ...judge(place, 1.15),
    extra: {
      path: "transaction()",
      workers: TX_WORKERS,
      poolSize: POOL,
      workload: "begin, write, read, commit",
    },
  });
}

/** `count` agents, each in its own namespace, against plain leases at the same concurrency. */
async function agentRow(
  place: Place,
  manager: ConnectionManager,
  count: number,
  timing: Timing,
): Promise<Row> {
  const agents: AgentSession[] = [];
  try {
    for (let i = 0; i < count; i++) {
      agents.push(
        await AgentSession.create({ id: `cost-${place}-${count}-${i}`, manager, namespace: `cost_${i}` }),
      );
    }
    // Each agent's own session opens on its first acquire: open them all before measuring.
    for (let i = 0; i < count; i += 50) {
      await Promise.all(agents.slice(i, i + 50).map(async (a) => (await a.acquire()).release()));
    }
    const workers = Math.min(count, 100);
    const samples = await measure(
      {
        agents: async (w, i) => {
          const lease = await agents[(w + i * 7) % count]!.acquire();
          try {
            await lease.db.query("RETURN 1");
          } finally {
            await lease.release();
          }
        },
        plain: leaseOne(manager),
      },
      workers,
      timing,
    );
    return costRow({
      bench: `client-cost ${place}`,
      name: `agent lease (${count} agents)`,
      baseline: "plain lease",
      subject: samples.agents!,
      baselineRounds: samples.plain!,
      ...judge(place, 1.1),
      extra: { path: "agent lease", agents: count, workers, poolSize: POOL, workload: "RETURN 1" },
    });
  } finally {
    await Promise.all(agents.map((a) => a.close()));
  }
}
