import { drive, interleaveCosted } from "./drive.js";
import { settledHeap } from "./gc.js";
import { costRow, type Row } from "./measure.js";
import { AgentSession, ConnectionManager } from "./pool.js";
import { openRawSdk } from "./rawSdk.js";

/**
 * Scalability: pool sizes 5/20/50/100 (workers = pool size, `RETURN 1`) against one raw SDK connection
 * driven by as many workers; heap per connection (heapUsed after full GCs, before and after the pool grew
 * from 1 to `size` connections; the engine's own memory is native and not in it). Then 50/200 agent sessions on one pool of 20,
 * each in its own namespace: throughput against the same tasks calling manager.acquire({ namespace })
 * (the pool without the session layer), and heap per idle session.
 */
export async function scalability(quick: boolean): Promise<Row[]> {
  const roundMs = quick ? 200 : 1_000;
  const rounds = quick ? 2 : 4;
  const warmMs = quick ? 150 : 500;
  // Load every module and the engine once, so the first size does not pay for them.
  await (await ConnectionManager.create({ pool: { minConnections: 1 } })).shutdown();
  const rows: Row[] = [];
  for (const size of [5, 20, 50, 100]) rows.push(await poolSize(size, { roundMs, rounds, warmMs }));
  for (const agents of [50, 200]) rows.push(await agentSessions(agents, { roundMs, rounds, warmMs }));
  return rows;
}

interface Timing {
  roundMs: number;
  rounds: number;
  warmMs: number;
}

async function poolSize(size: number, { roundMs, rounds, warmMs }: Timing): Promise<Row> {
  // Per connection, not per pool: start with one connection, grow to `size` by leasing them all at once,
  // and divide the heap that growth added (the engine, metrics and breakers are paid once, not per connection).
  const manager = await ConnectionManager.create({
    namespace: "bench",
    database: "bench",
    pool: { minConnections: 1, maxConnections: size, validateAfterIdleMs: 600_000, idleTimeoutMs: null },
  });
  const heapBefore = settledHeap();
  const leases = await Promise.all(Array.from({ length: size }, () => manager.acquire()));
  await Promise.all(leases.map((lease) => lease.release()));
  leases.length = 0;
  const heapPerConnection = (settledHeap() - heapBefore) / (size - 1);
  const raw = await openRawSdk();
  const pooled = async () => {
    const lease = await manager.acquire();
    try {
      await lease.db.query("RETURN 1");
    } finally {
      await lease.release();
    }
  };
  const direct = () => raw.query("RETURN 1");
  await drive(size, warmMs, pooled);
  await drive(size, warmMs, direct);
  const { pool, baseline } = await interleaveCosted(
    { pool: pooled, baseline: direct },
    { workers: size, rounds, roundMs },
  );
  const grew = manager.metrics().snapshot().connectionsCreated;
  await manager.shutdown();
  await raw.close();
  return costRow({
    bench: "scalability",
    baseline: "raw-sdk",
    subject: pool!,
    baselineRounds: baseline!,
    extra: {
      poolSize: size,
      workers: size,
      heapBytesPerConnection: Math.round(heapPerConnection),
      connectionsOpened: grew,
    },
  });
}

async function agentSessions(agents: number, { roundMs, rounds, warmMs }: Timing): Promise<Row> {
  const manager = await ConnectionManager.create({
    namespace: "bench",
    database: "bench",
    pool: { minConnections: 20, maxConnections: 20, validateAfterIdleMs: 600_000 },
  });
  const namespaces = Array.from({ length: agents }, (_, i) => `agent_ns_${i}`);
  const heapBefore = settledHeap();
  const sessions = await Promise.all(
    namespaces.map((ns, i) => AgentSession.create({ id: `agent-${i}`, manager, namespace: ns })),
  );
  const heapPerSession = (settledHeap() - heapBefore) / agents;
  const viaSession = async (agent: number) => {
    const lease = await sessions[agent]!.acquire();
    try {
      await lease.db.query("RETURN 1");
    } finally {
      await lease.release();
    }
  };
  const viaPool = async (agent: number) => {
    const lease = await manager.acquire({ namespace: namespaces[agent] });
    try {
      await lease.db.query("RETURN 1");
    } finally {
      await lease.release();
    }
  };
  await drive(agents, warmMs, viaSession);
  await drive(agents, warmMs, viaPool);
  const { session, pool } = await interleaveCosted(
    { session: viaSession, pool: viaPool },
    { workers: agents, rounds, roundMs },
  );
  await Promise.all(sessions.map((s) => s.close()));
  await manager.shutdown();
  return costRow({
    bench: "scalability",
    baseline: "pool-acquire-namespace",
    subject: session!,
    baselineRounds: pool!,
    extra: {
      agentSessions: agents,
      poolSize: 20,
      heapBytesPerIdleSession: Math.round(heapPerSession),
      seedFigure: "tested with 50+ concurrent agent sessions",
      note: "each agent in its own namespace: every lease switches namespace (use) and back (reset)",
    },
  });
}
