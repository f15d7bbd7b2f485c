// shutdown({ timeoutMs }) keeps its deadline with a tiny timeout while work is in flight: queries, leases,
// transactions, live subscriptions and agent sessions all running when it is called. Closing live queries
// (a kill and a socket close each) used to be waited for in full, past the deadline (up to ~450 ms over a
// 1-20 ms timeout through a loopback endpoint); it now goes on in the background, and an embedded engine is
// closed only after it settled. What is left over the deadline is the event loop's own lateness on a busy
// machine, hence the slack.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentSession, ConnectionManager } from "../../src/index.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";

/** Over the timeout: timer lateness and the shutdown's synchronous work on a loaded 2-core machine. */
const SLACK_MS = 250;
/** The typical round: measured 5-50 ms over at a load average of 10 on 2 cores. */
const MEDIAN_SLACK_MS = 60;
const ROUNDS = 8;

describe("shutdown with a tiny timeoutMs while work is in flight", () => {
  let endpoint: EndpointHandle;

  beforeAll(async () => {
    endpoint = await startEndpoint();
  });
  afterAll(async () => {
    await endpoint?.stop();
  });

  // Through a loopback endpoint, where closing live queries cost the time, and on the embedded engine,
  // whose close must wait for the calls still in it (one reaching it after it was freed aborted the
  // process, 3-4 runs in 8, before the engine's calls were guarded).
  for (const mode of ["ws", "embedded"] as const)
    it(`${mode}: resolves within timeoutMs + ${SLACK_MS} ms, every round`, async () => {
      const overruns: number[] = [];
      let seed = 7;
      const random = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      for (let round = 0; round < ROUNDS; round++) {
        const manager = await ConnectionManager.create({
          ...(mode === "ws"
            ? {
                mode: { kind: "local", endpoint: endpoint.url },
                credentials: { username: "root", password: "root" },
              }
            : {}),
          namespace: "t",
          database: "t",
          pool: { minConnections: 2, maxConnections: 10, healthCheckIntervalMs: 600_000 },
        });
        await manager.query(
          "DEFINE TABLE IF NOT EXISTS person CHANGEFEED 1h; DEFINE TABLE IF NOT EXISTS job",
        );
        const subscriptions = Array.from({ length: 12 }, () =>
          manager.live("person").subscribe({ error: () => {} }),
        );
        // Each call's outcome is taken as it comes: work cut off by the shutdown fails typed, as the
        // README says; here only the shutdown's own time matters.
        const work: Promise<unknown>[] = [];
        const track = (call: Promise<unknown>) => work.push(call.then(undefined, (error: unknown) => error));
        for (let i = 0; i < 3; i++) {
          track(
            AgentSession.create({ id: `agent-${i}`, manager, namespace: `ns${i}` }).then(async (agent) => {
              const lease = await agent.acquire();
              await lease.db.query("RETURN 1");
              await lease.release();
            }),
          );
        }
        for (let i = 0; i < 5; i++) {
          track(
            manager.transaction(async (tx) => {
              await tx.query("CREATE job");
              await new Promise((resolve) => setTimeout(resolve, 30));
            }),
          );
        }
        for (let i = 0; i < 10; i++) {
          track(manager.query("CREATE person"));
          track(manager.executeWithRetry((db) => db.query("SLEEP 20ms")));
        }
        await new Promise((resolve) => setTimeout(resolve, 5 + random() * 30));
        const timeoutMs = 1 + Math.floor(random() * 20);
        const started = performance.now();
        await manager.shutdown({ timeoutMs });
        overruns.push(Math.round(performance.now() - started - timeoutMs));
        await Promise.all(work);
        for (const s of subscriptions) s.unsubscribe();
      }
      // Before: a median of 90-170 ms over the timeout with 12 live queries to close, up to 300 ms.
      const median = [...overruns].sort((a, b) => a - b)[Math.floor(overruns.length / 2)]!;
      expect(median, `overruns: ${overruns.join(", ")} ms`).toBeLessThan(MEDIAN_SLACK_MS);
      expect(Math.max(...overruns), `overruns: ${overruns.join(", ")} ms`).toBeLessThan(SLACK_MS);
    }, 60_000);
});
