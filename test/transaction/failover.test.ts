// manager.transaction() across an endpoint kill (remote mode over the simulated cluster: nodes over one
// store): the attempt on the dying node fails cleanly (its uncommitted writes vanish with it) and, when
// maxAttempts allows, the whole fn runs again on another node and commits once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConnectionManager, isRetriesExhaustedError, type PoolEvent } from "../../src/index.js";
import { remoteOptions } from "../remote/helpers.js";
import { type Cluster, startCluster } from "../support/cluster.js";
import { closeQuietly, connectWs } from "../support/wsClient.js";

describe("a transaction across an endpoint kill", () => {
  let cluster: Cluster;
  let manager: ConnectionManager | undefined;
  let events: PoolEvent[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2 });
    const db = await connectWs(cluster.urls[0]!, {
      namespace: "test",
      database: "test",
      auth: { username: "root", password: "root" },
    });
    await db.query("DEFINE TABLE IF NOT EXISTS ledger SCHEMALESS");
    await closeQuietly(db);
  });
  afterEach(async () => {
    await manager?.shutdown({ timeoutMs: 2_000 }).catch(() => undefined);
    manager = undefined;
    await Promise.all(cluster.nodes.map((n) => (n.running ? undefined : n.restart())));
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  async function open(maxAttempts: number) {
    events = [];
    manager = await ConnectionManager.create({
      ...remoteOptions(cluster.urls, {
        pool: { minConnections: 2, maxConnections: 4, retryPolicy: { maxAttempts } },
        circuitBreaker: { failureThreshold: 1, resetTimeoutMs: 60_000 },
      }),
      events: (e) => events.push(e),
    });
    return manager;
  }

  /** A transaction whose first attempt kills the node it runs on between its two writes. */
  function transferKillingFirstNode(m: ConnectionManager, key: string) {
    let attempt = 0;
    return m.transaction(async (tx) => {
      attempt++;
      await tx.query("CREATE ledger SET side = 'debit', key = $key", { key });
      if (attempt === 1) {
        const began = events.filter((e) => e.type === "transaction.began").at(-1)!;
        await cluster.nodes.find((n) => n.url === (began as { endpoint: string }).endpoint)!.kill();
      }
      await tx.query("CREATE ledger SET side = 'credit', key = $key", { key });
      return attempt;
    });
  }

  async function ledgerSides(m: ConnectionManager, key: string): Promise<string[]> {
    const [sides] = await m.executeWithRetry((db) =>
      db.query<[string[]]>("RETURN (SELECT VALUE side FROM ledger WHERE key = $key).sort()", { key }),
    );
    return sides;
  }

  it("is retried on another endpoint and commits both writes exactly once", async () => {
    const m = await open(3);
    const attempts = await transferKillingFirstNode(m, "t1");
    expect(attempts).toBe(2);
    const began = events.filter((e) => e.type === "transaction.began") as { endpoint: string }[];
    expect(began).toHaveLength(2);
    expect(began[1]!.endpoint).not.toBe(began[0]!.endpoint);
    expect(events.filter((e) => e.type === "transaction.retried")).toHaveLength(1);
    expect(events.find((e) => e.type === "transaction.committed")).toMatchObject({
      attempts: 2,
      endpoint: began[1]!.endpoint,
    });
    expect(await ledgerSides(m, "t1")).toEqual(["credit", "debit"]);
  });

  it("with maxAttempts 1 fails cleanly: a transient error, nothing written, no lease left", async () => {
    const m = await open(1);
    const error = await transferKillingFirstNode(m, "t2").catch((e: unknown) => e);
    expect(isRetriesExhaustedError(error)).toBe(true);
    expect(events.filter((e) => e.type === "transaction.committed")).toHaveLength(0);
    expect(events.find((e) => e.type === "transaction.cancelled")).toMatchObject({ reason: "failed" });
    expect(await ledgerSides(m, "t2")).toEqual([]);
    expect(m.healthStatus().inUse).toBe(0);
  });
});
