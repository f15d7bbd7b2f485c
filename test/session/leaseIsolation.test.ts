// Concurrent leases of one agent are isolated from each other: many agents, each with several leases out
// at once, each lease switching namespace, setting and unsetting a variable, signing out (ws://) and
// writing, in random interleavings; every call's view of its session and every write's landing place
// are recorded, and a checker replays each lease against its own model: no call may see another
// lease's namespace/database, variables or auth. Replay a run with LEASE_SEED=<seed>.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionManagerOptions } from "../../src/config/options.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { AgentSession } from "../../src/session/AgentSession.js";
import { internalsOf } from "../../src/session/managerInternals.js";
import type { SessionLease } from "../../src/session/SessionLease.js";
import { type Random, seededRandom } from "../chaos/prng.js";
import { muxOptions } from "../mux/helpers.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { LeaseHistory, type SessionView } from "./support/leaseHistory.js";

interface Shape {
  agents: number;
  /** Workers per agent, each taking leases one after another: more than the cap, so some wait. */
  workers: number;
  leasesPerWorker: number;
  maxConcurrentLeases: number;
  /** Whether a lease may sign its session out (a server that enforces auth). */
  signOut: boolean;
}

interface RunFigures {
  seed: number;
  leases: number;
  calls: number;
  /** Calls made while another lease of the same agent was out. */
  overlappingCalls: number;
  writes: number;
  signOuts: number;
  /** Calls refused because their own lease had signed out. */
  refusedCalls: number;
  /** The agents' own SurrealDB sessions opened, and the most one agent had open at once. */
  sessionsOpened: number;
  peakSessionsPerAgent: number;
}

/**
 * Counts the agents' own sessions as the manager opens and detaches them, per agent namespace (the
 * manager's internal hook, wrapped for the test).
 */
function countOwnSessions(manager: ConnectionManager, figures: RunFigures): void {
  const internals = internalsOf(manager);
  const open = internals.openSession!;
  const live = new Map<string, number>();
  internals.openSession = (place) =>
    open(place)?.then((raw) => {
      figures.sessionsOpened++;
      const now = (live.get(place.namespace) ?? 0) + 1;
      live.set(place.namespace, now);
      figures.peakSessionsPerAgent = Math.max(figures.peakSessionsPerAgent, now);
      const close = raw.close.bind(raw);
      let closed = false;
      raw.close = () => {
        if (!closed) live.set(place.namespace, (live.get(place.namespace) ?? 1) - 1);
        closed = true;
        return close();
      };
      return raw;
    });
}

const yieldFor = (random: Random) =>
  new Promise((resolve) =>
    random.next() < 0.5 ? setImmediate(resolve) : setTimeout(resolve, random.int(0, 2)),
  );

function isRefusal(error: unknown): boolean {
  return /not enough permissions|NotAllowed|not allowed/i.test(String((error as Error)?.message ?? error));
}

async function runIsolation(manager: ConnectionManager, shape: Shape, seed: number): Promise<RunFigures> {
  const history = new LeaseHistory();
  const figures: RunFigures = {
    seed,
    leases: 0,
    calls: 0,
    overlappingCalls: 0,
    writes: 0,
    signOuts: 0,
    refusedCalls: 0,
    sessionsOpened: 0,
    peakSessionsPerAgent: 0,
  };
  countOwnSessions(manager, figures);
  const agents = await Promise.all(
    Array.from({ length: shape.agents }, async (_, a) => {
      const agent = await AgentSession.create({
        id: `iso-${seed}-${a}`,
        manager,
        namespace: `home_${a}`,
        database: "main",
        maxConcurrentLeases: shape.maxConcurrentLeases,
      });
      history.agent(agent.agentId, agent.namespace, agent.database);
      return agent;
    }),
  );
  const namespaces = new Set<string>(agents.map((a) => `${a.namespace}/${a.database}`));
  try {
    await Promise.all(
      agents.flatMap((agent, a) =>
        Array.from({ length: shape.workers }, async (_, w) => {
          // Each worker draws from its own stream: the interleaving varies, the scripts replay.
          const mine = seededRandom(seed * 1_000 + a * 10 + w);
          for (let n = 0; n < shape.leasesPerWorker; n++) {
            const id = `l${a}w${w}n${n}`;
            const lease = await agent.acquire({ timeoutMs: 30_000 });
            figures.leases++;
            history.record(agent.agentId, id, { kind: "acquire" });
            try {
              await script(lease, id, agent, mine);
            } finally {
              history.record(agent.agentId, id, { kind: "release" });
              await lease.release();
            }
          }
        }),
      ),
    );
  } finally {
    await Promise.all(agents.map((agent) => agent.close()));
  }

  async function script(lease: SessionLease, id: string, agent: AgentSession, mine: Random): Promise<void> {
    let marks = 0;
    const record = (op: Parameters<LeaseHistory["record"]>[2]) => history.record(agent.agentId, id, op);
    const steps = mine.int(3, 7);
    for (let step = 0; step <= steps; step++) {
      // The last step always looks: a lease that changed nothing still checks what it was handed.
      const choice = step === steps ? 0 : mine.int(0, shape.signOut ? 9 : 8);
      if (agent.activeLeases > 1) figures.overlappingCalls++;
      figures.calls++;
      if (choice <= 2) {
        const saw = await observe(lease);
        if (saw === "refused") figures.refusedCalls++;
        record({ kind: "observe", saw });
      } else if (choice === 3) {
        const ns = `ns_${id}`;
        await lease.db.use({ namespace: ns, database: "d" });
        namespaces.add(`${ns}/d`);
        record({ kind: "use", ns, db: "d" });
      } else if (choice <= 5) {
        const v = `${id}#${step}`;
        await lease.db.set("v", v);
        record({ kind: "set", v });
      } else if (choice === 6) {
        await lease.db.unset("v");
        record({ kind: "unset" });
      } else if (choice <= 8) {
        const mark = `${id}.${marks++}`;
        const wrote = await write(lease, mark);
        if (wrote) figures.writes++;
        record({ kind: "write", mark });
      } else {
        await lease.db.invalidate();
        figures.signOuts++;
        record({ kind: "invalidate" });
      }
      await yieldFor(mine);
    }
  }

  // Where every write landed: each namespace/database used, read through a plain lease.
  for (const place of namespaces) {
    const [ns, db] = place.split("/") as [string, string];
    const reader = await manager.acquire({ namespace: ns, database: db });
    try {
      const [rows] = await reader.db
        .query<[{ mark: string }[]]>("SELECT mark FROM mark")
        .catch(() => [[] as { mark: string }[]]);
      for (const { mark } of rows) history.landed.set(mark, { ns, db });
    } finally {
      await reader.release();
    }
  }

  const violations = history.check();
  if (violations.length > 0) {
    const first = violations[0]!;
    throw new Error(
      `${violations.length} isolation violations (seed ${seed}, replay with LEASE_SEED=${seed}); first: ` +
        `${first.entry.lease}: ${first.message}\n${history.around(first)}`,
    );
  }
  return figures;
}

/** True when written, false when refused (signed out). A write conflict (the engine's, when tables are
 *  made implicitly by concurrent writers) did not commit: it is tried again. */
async function write(lease: SessionLease, mark: string): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await lease.db.query("CREATE mark SET mark = $mark", { mark });
      return true;
    } catch (error) {
      if (isRefusal(error)) return false;
      if (attempt < 10 && /can be retried/.test(String((error as Error).message))) continue;
      throw error;
    }
  }
}

async function observe(lease: SessionLease): Promise<SessionView | "refused"> {
  try {
    const [view] = await lease.db.query<[[string, string, string | undefined]]>(
      "RETURN [session::ns(), session::db(), $v]",
    );
    return { ns: view[0], db: view[1], v: view[2] ?? null, authed: true };
  } catch (error) {
    if (isRefusal(error)) return "refused";
    throw error;
  }
}

const seedOf = () => Number(process.env.LEASE_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe("concurrent leases of one agent are isolated", () => {
  let endpoint: EndpointHandle | undefined;

  beforeAll(async () => {
    endpoint = await startEndpoint();
  });
  afterAll(async () => {
    await endpoint?.stop();
  });

  async function withManager(options: ConnectionManagerOptions, shape: Shape, label: string) {
    const manager = await ConnectionManager.create(options);
    try {
      const figures = await runIsolation(manager, shape, seedOf());
      console.log(label, figures);
      // The runs mean something only if leases of one agent were really out together.
      expect(figures.overlappingCalls).toBeGreaterThan(figures.calls / 4);
      expect(figures.writes).toBeGreaterThan(0);
      if (shape.signOut) expect(figures.refusedCalls).toBeGreaterThan(0);
      // One session per lease out at once, never more than the agent's cap.
      expect(figures.peakSessionsPerAgent).toBeLessThanOrEqual(shape.maxConcurrentLeases);
    } finally {
      await manager.shutdown({ timeoutMs: 5_000 });
    }
  }

  it("embedded mem://: 12 agents x 4 workers x 15 leases, 3 at once per agent", async () => {
    await withManager(
      { pool: { minConnections: 2, maxConnections: 16 } },
      { agents: 12, workers: 4, leasesPerWorker: 15, maxConcurrentLeases: 3, signOut: false },
      "mem://",
    );
  }, 120_000);

  it("ws:// loopback (auth enforced): 8 agents x 3 workers x 8 leases, 3 at once per agent", async () => {
    await withManager(
      muxOptions(endpoint!.url, { minConnections: 2, maxConnections: 16 }),
      { agents: 8, workers: 3, leasesPerWorker: 8, maxConcurrentLeases: 3, signOut: true },
      "ws://",
    );
  }, 180_000);
});
