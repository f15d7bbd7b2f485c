import genericPool from "generic-pool";
import { RecordId, type Surreal } from "surrealdb";
import { type EndpointHandle, startEndpoint } from "../test/support/endpoint.js";
import { closeQuietly, connectWs } from "../test/support/wsClient.js";
import { interleaveCosted } from "./drive.js";
import { settledHeap } from "./gc.js";
import { costRow, type Row, ratioRow } from "./measure.js";
import { AgentSession, ConnectionManager } from "./pool.js";

const ROOT = { username: "root", password: "root" };
const NS = { namespace: "bench", database: "bench" };

/** A query runner: what one operation of a worker sends. */
type Queryable = Pick<Surreal, "query">;
type Workload = (db: Queryable, worker: number, i: number) => Promise<unknown>;

const workloads: Record<string, Workload> = {
  "RETURN 1": (db) => db.query("RETURN 1"),
  // Create, read, update, delete of a record of the worker's own, in turn.
  "CRUD mix": (db, worker, i) => {
    const id = new RecordId("item", [worker, i >> 2]);
    switch (i & 3) {
      case 0:
        return db.query("UPSERT $id SET n = $n", { id, n: i });
      case 1:
        return db.query("SELECT * FROM $id", { id });
      case 2:
        return db.query("UPDATE $id SET n += 1", { id });
      default:
        return db.query("DELETE $id", { id });
    }
  },
};

function managerOn(url: string, maxConnections: number): Promise<ConnectionManager> {
  return ConnectionManager.create({
    mode: { kind: "remote", endpoints: [url] },
    credentials: ROOT,
    ...NS,
    pool: {
      minConnections: maxConnections,
      maxConnections,
      validateAfterIdleMs: 600_000,
      connectTimeoutMs: 20_000,
    },
  });
}

/**
 * Sessions over shared sockets against the alternatives, one loopback endpoint (a child process), all
 * interleaved in one run: the pool's leases and `manager.query()` over sessions, the pool with one socket
 * per unit (a server that refuses `attach`, as 2.x does), a generic-pool of 20 SDK clients, and one raw
 * SDK client that multiplexes every worker over its one socket.
 */
export async function multiplex(quick: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  const sessionsEndpoint = await startEndpoint({ allowGuests: true });
  const socketsEndpoint = await startEndpoint({ allowGuests: true, sessions: false });
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const sessions = await managerOn(sessionsEndpoint.url, 20);
    const sockets = await managerOn(socketsEndpoint.url, 20);
    closers.push(
      () => sessions.shutdown(),
      () => sockets.shutdown(),
    );
    const raw = await connectWs(sessionsEndpoint.url, { ...NS, auth: ROOT });
    closers.push(() => closeQuietly(raw));
    // Concurrent first writes that create a table implicitly conflict (FACTS): the table exists first.
    const other = await connectWs(socketsEndpoint.url, { ...NS, auth: ROOT });
    await Promise.all([raw, other].map((db) => db.query("DEFINE TABLE IF NOT EXISTS item")));
    await closeQuietly(other);
    const clients = genericPool.createPool<Surreal>(
      {
        create: () => connectWs(sessionsEndpoint.url, { ...NS, auth: ROOT }),
        destroy: (db) => closeQuietly(db),
      },
      { min: 20, max: 20 },
    );
    closers.push(async () => {
      await clients.drain();
      await clients.clear();
    });
    await clients.ready();

    for (const workers of quick ? [20] : [20, 100]) {
      for (const [name, work] of Object.entries(workloads)) {
        const samples = await interleaveCosted(
          {
            "sessions lease": async (w, i) => {
              const lease = await sessions.acquire();
              try {
                await work(lease.db, w, i);
              } finally {
                await lease.release();
              }
            },
            "sessions query()": (w, i) =>
              work({ query: sessions.query.bind(sessions) as Queryable["query"] }, w, i),
            "sockets lease": async (w, i) => {
              const lease = await sockets.acquire();
              try {
                await work(lease.db, w, i);
              } finally {
                await lease.release();
              }
            },
            "generic-pool": async (w, i) => {
              const db = await clients.acquire();
              try {
                await work(db, w, i);
              } finally {
                await clients.release(db);
              }
            },
            "raw single client": (w, i) => work(raw, w, i),
          },
          { workers, rounds: quick ? 2 : 4, roundMs: quick ? 300 : 1_500 },
        );
        for (const subject of ["sessions lease", "sessions query()"]) {
          for (const baseline of ["generic-pool", "raw single client", "sockets lease"]) {
            rows.push(
              costRow({
                bench: `remote-e2e ${name}`,
                name: `${subject} (${workers} workers)`,
                baseline,
                subject: samples[subject]!,
                baselineRounds: samples[baseline]!,
                ...(baseline === "sockets lease"
                  ? {}
                  : { target: "ratio >= 1.0", meets: (r) => r.throughput >= 1.0 }),
                extra: { workers },
              }),
            );
          }
        }
      }
    }

    rows.push(...(await agentRows(sessions, sessionsEndpoint, quick)));
    rows.push(...(await memoryRows(sessionsEndpoint, socketsEndpoint, quick)));
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await Promise.all([sessionsEndpoint.stop(), socketsEndpoint.stop()]);
  }
  return rows;
}

/**
 * Agent sessions (each its own namespace) on a pool of 20 sessions, against plain acquires at the same
 * concurrency; and the heap an idle agent session costs.
 */
async function agentRows(
  manager: ConnectionManager,
  endpoint: EndpointHandle,
  quick: boolean,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const count of quick ? [50] : [50, 200, 1_000]) {
    const agents: AgentSession[] = [];
    for (let i = 0; i < count; i++)
      agents.push(
        await AgentSession.create({ id: `bench-agent-${count}-${i}`, manager, namespace: `agent_${i}` }),
      );
    try {
      // Each agent's own session opens on its first acquire: open them all before measuring.
      for (let i = 0; i < count; i += 50) {
        await Promise.all(agents.slice(i, i + 50).map(async (a) => (await a.acquire()).release()));
      }
      const subjects = {
        agents: async (w: number, i: number) => {
          const lease = await agents[(w + i * 7) % count]!.acquire();
          try {
            await lease.db.query("RETURN 1");
          } finally {
            await lease.release();
          }
        },
        "plain acquire": async () => {
          const lease = await manager.acquire();
          try {
            await lease.db.query("RETURN 1");
          } finally {
            await lease.release();
          }
        },
      };
      const workers = Math.min(count, 100);
      // A warm-up round first: the agents' path is cold here (measured: ~0.45 of plain in its first
      // second, ~0.75 after), and a quick run's two short rounds would mostly time the JIT.
      await interleaveCosted(subjects, { workers, rounds: 1, roundMs: 500 });
      const samples = await interleaveCosted(subjects, {
        workers,
        rounds: quick ? 2 : 4,
        roundMs: quick ? 400 : 1_500,
      });
      rows.push(
        costRow({
          bench: `remote-agents ${count}`,
          baseline: "plain acquire",
          subject: samples.agents!,
          baselineRounds: samples["plain acquire"]!,
          target: "ratio >= 0.95",
          meets: (r) => r.throughput >= 0.95,
          extra: { poolSessions: 20, sockets: manager.healthStatus().endpoints[0]?.sockets },
        }),
      );
    } finally {
      await Promise.all(agents.map((a) => a.close()));
    }
  }
  // Heap per idle agent session: n more sessions that were created and used once, then left idle.
  // 200 in both modes: at 50 the heap's own churn (what the rows before left to collect) was as large as
  // the sessions' cost (a quick run read 3.9 KB where a clean process measures 15).
  const n = 200;
  const idle: AgentSession[] = [];
  const warm: AgentSession[] = [];
  for (let i = 0; i < 10; i++) {
    const agent = await AgentSession.create({
      id: `bench-idle-warm-${i}`,
      manager,
      namespace: `idle_warm_${i}`,
    });
    await (await agent.acquire()).release();
    warm.push(agent);
  }
  const before = settledHeap();
  for (let i = 0; i < n; i++) {
    const agent = await AgentSession.create({ id: `bench-idle-${i}`, manager, namespace: `idle_${i}` });
    const lease = await agent.acquire();
    await lease.db.query("RETURN 1");
    await lease.release();
    idle.push(agent);
  }
  const perAgent = (settledHeap() - before) / n;
  rows.push({
    bench: "remote-agent-heap",
    subject: "surreal-pool",
    baseline: "target",
    unit: "KB/idle agent",
    subjectValue: Math.round(perAgent / 102.4) / 10,
    baselineValue: 4,
    ratio: Math.round((perAgent / 1024 / 4) * 1000) / 1000,
    target: "<= 4 KB",
    met: perAgent / 1024 <= 4,
    agents: n,
    endpoint: endpoint.url,
  });
  await Promise.all([...idle, ...warm].map((a) => a.close()));
  return rows;
}

/** Heap per pooled remote unit: a session on a shared socket vs a socket of its own. */
async function memoryRows(
  sessionsAt: EndpointHandle,
  socketsAt: EndpointHandle,
  quick: boolean,
): Promise<Row[]> {
  const m = quick ? 20 : 50;
  const perUnit = async (url: string) => {
    const manager = await managerOn(url, m + 1);
    const held = [];
    // One lease first: the shared sockets are open before the measurement starts.
    for (let i = 0; i < m + 1; i++) held.push(await manager.acquire());
    await Promise.all(held.map((l) => l.release()));
    await manager.shutdown();
    const grown = await ConnectionManager.create({
      mode: { kind: "remote", endpoints: [url] },
      credentials: ROOT,
      ...NS,
      pool: {
        minConnections: 1,
        maxConnections: m + 1,
        validateAfterIdleMs: 600_000,
        connectTimeoutMs: 20_000,
      },
    });
    const leases = [await grown.acquire()];
    const before = settledHeap();
    for (let i = 0; i < m; i++) leases.push(await grown.acquire());
    const bytes = (settledHeap() - before) / m;
    await Promise.all(leases.map((l) => l.release()));
    await grown.shutdown();
    return bytes / 1024;
  };
  const sessionsKb = await perUnit(sessionsAt.url);
  const socketsKb = await perUnit(socketsAt.url);
  return [
    ratioRow({
      bench: "memory-remote-unit",
      baseline: "socket per unit",
      unit: "KB/unit",
      subjectValue: sessionsKb,
      baselineValue: socketsKb,
      target: "ratio < 1.0",
      meets: (r) => r < 1.0,
      extra: { subjectName: "session on a shared socket", units: m },
    }),
  ];
}
