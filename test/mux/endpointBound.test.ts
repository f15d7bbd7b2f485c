// One bound per endpoint, with every kind of unit at once, on the real engine: pooled leases, query(),
// live queries and agents' own sessions share `pool.maxSessionsPerEndpoint`. Twenty agents (each in its
// own namespace) write while forty callers run queries and a live query watches; the endpoint's units,
// read at every event, never pass the bound; agents that find the endpoint full run on pooled sessions
// switched to their namespace, so every write still lands in its agent's namespace; every create reaches
// the live query; closing the agents frees their places; shutdown leaves nothing open.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { AgentSession } from "../../src/session/AgentSession.js";
import { closeAll } from "../remote/helpers.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { muxOptions } from "./helpers.js";

const BOUND = 10;
const AGENTS = 20;
const CALLERS = 40;
const WRITES = 3;

type Units = { bound: number; pooled: number; live: number; agent: number };
const sum = (u: Units) => u.pooled + u.live + u.agent;

describe.each([
  ["ws://", "remote"],
  ["mem://", "embedded"],
] as const)("an endpoint's one bound (%s)", (_label, kind) => {
  let endpoint: EndpointHandle | undefined;

  beforeAll(async () => {
    if (kind === "remote") endpoint = await startEndpoint();
  });
  afterAll(async () => {
    await closeAll(undefined, [], endpoint ? [endpoint] : []);
  });

  it("holds every kind of unit under one bound, with everything running at once", async () => {
    const pool = { minConnections: 2, maxConnections: 6, maxSessionsPerEndpoint: BOUND };
    const manager = await ConnectionManager.create(
      kind === "remote"
        ? muxOptions(endpoint!.url, pool)
        : { mode: { kind: "local", endpoint: "mem://" }, namespace: "test", database: "test", pool },
    );
    const units = () => manager.healthStatus().endpoints[0]!.units as Units;
    let most = 0;
    const watching = manager.events$.subscribe(() => {
      most = Math.max(most, sum(units()));
    });
    const agents: AgentSession[] = [];
    try {
      await manager.query("DEFINE TABLE watched SCHEMALESS CHANGEFEED 1h");
      const seen = new Set<string>();
      let subscribed = false;
      const recorder = manager.events$.subscribe((e) => {
        if (e.type === "live.subscribed") subscribed = true;
      });
      const live = manager.live("watched").subscribe((n) => {
        // Without originals in the feed, a create read from it reads as an update: both count.
        if (n.kind === "create" || n.kind === "update") seen.add(String(n.record?.n));
      });
      await expect.poll(() => subscribed, { timeout: 10_000 }).toBe(true);
      recorder.unsubscribe();
      for (let i = 0; i < AGENTS; i++)
        agents.push(await AgentSession.create(`bound-${i}`, manager, `bound_ns_${i}`, "db"));
      const agentWork = agents.map(async (agent) => {
        for (let w = 0; w < WRITES; w++) {
          await using lease = await agent.acquire();
          await lease.db.query("CREATE note SET by = $by", { by: agent.agentId });
        }
      });
      const callers = Array.from({ length: CALLERS }, async (_, i) => {
        await manager.query("CREATE watched SET n = $n", { n: i });
        await manager.executeWithRetry((db) => db.query("RETURN $n", { n: i }));
      });
      await Promise.all([...agentWork, ...callers]);
      await expect.poll(() => seen.size, { timeout: 15_000 }).toBe(CALLERS);
      live.unsubscribe();

      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(BOUND);
      const during = units();
      expect(during.bound).toBe(BOUND);
      expect(sum(during)).toBeLessThanOrEqual(BOUND);
      // Every write landed in its own agent's namespace, whichever session carried it.
      for (const agent of agents) {
        await using lease = await agent.acquire();
        const [rows] = await lease.db.query<[{ by: string }[]]>("SELECT by FROM note");
        expect(rows).toEqual(Array.from({ length: WRITES }, () => ({ by: agent.agentId })));
      }
      await Promise.all(agents.splice(0).map((a) => a.close()));
      expect(units().agent).toBe(0);
    } finally {
      watching.unsubscribe();
      await Promise.all(agents.map((a) => a.close()));
      await manager.shutdown();
    }
    expect(sum(units())).toBe(0);
  }, 120_000);
});
