// Agent sessions own a SurrealDB session: their namespace is set once, on the pool's shared sockets,
// and an agent's lease never switches the pool's sessions. 1,000 agents, each its own namespace, on one
// endpoint: every write lands in its agent's namespace and nothing crosses.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { AgentSession } from "../../src/session/AgentSession.js";
import { closeAll, EventRecorder } from "../remote/helpers.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { createMux, endpointHealth } from "./helpers.js";

const AGENTS = 1_000;
const BATCH = 50;

describe("agent sessions over shared sockets", () => {
  let endpoint: EndpointHandle | undefined;
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    manager = await createMux(endpoint.url, {
      minConnections: 20,
      maxConnections: 20,
      socketsPerEndpoint: 2,
    });
  });
  afterAll(async () => {
    await closeAll(manager, [], [endpoint]);
  });

  it("an agent's lease is in its own namespace and leaves the pool's sessions untouched", async () => {
    const recorder = new EventRecorder(manager!);
    const agent = await AgentSession.create("solo", manager!, "solo_ns", "solo_db");
    const lease = await agent.acquire();
    expect([lease.db.namespace, lease.db.database]).toEqual(["solo_ns", "solo_db"]);
    await lease.db.set("mine", 1);
    await lease.release();
    // The pool's session came back clean (no reset of it), and the agent's own session was settled.
    expect(recorder.of("connection.resetting")).toHaveLength(0);
    const again = await agent.acquire();
    expect(again.db.parameters).toEqual({});
    expect([again.db.namespace, again.db.database]).toEqual(["solo_ns", "solo_db"]);
    await again.release();
    const plain = await manager!.acquire();
    expect([plain.db.namespace, plain.db.database]).toEqual(["test", "test"]);
    await plain.release();
    await agent.close();
    expect(() => again.db).toThrow();
    recorder.stop();
  });

  it(`${AGENTS} agents, each its own namespace: every write lands in its agent's namespace`, async () => {
    const agents: AgentSession[] = [];
    try {
      for (let i = 0; i < AGENTS; i += BATCH) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(BATCH, AGENTS - i) }, (_, j) =>
            AgentSession.create(`agent-${i + j}`, manager!, `ns_${i + j}`, "db"),
          ),
        );
        agents.push(...batch);
        await Promise.all(
          batch.map(async (agent) => {
            const lease = await agent.acquire();
            try {
              await lease.db.query("CREATE note SET by = $by", { by: agent.agentId });
            } finally {
              await lease.release();
            }
          }),
        );
      }
      // Read back through each agent: exactly its own note.
      for (let i = 0; i < AGENTS; i += BATCH) {
        await Promise.all(
          agents.slice(i, i + BATCH).map(async (agent) => {
            const lease = await agent.acquire();
            try {
              const [rows] = await lease.db.query<[{ by: string }[]]>("SELECT by FROM note");
              expect(rows).toEqual([{ by: agent.agentId }]);
            } finally {
              await lease.release();
            }
          }),
        );
      }
      // All of it on the pool's twenty sessions and the agents' own, every one counted by the endpoint,
      // on as few sockets as the server's 256 sessions a socket allow (at least the pool's two).
      expect(endpointHealth(manager!)).toMatchObject({
        sockets: Math.max(2, Math.ceil((AGENTS + 20) / 256)),
        size: 20,
        units: { pooled: 20, agent: AGENTS, live: 0 },
      });
    } finally {
      await Promise.all(agents.map((a) => a.close()));
    }
  }, 180_000);
});
