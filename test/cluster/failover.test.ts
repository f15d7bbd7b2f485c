// Remote mode over the simulated cluster (nodes over one shared store): when a node dies, the pool fails
// over to the others and the data is still there, because it never lived on the node.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConnectionManager, isSurrealPoolError } from "../../src/index.js";
import { EventRecorder, remoteOptions, waitFor } from "../remote/helpers.js";
import { type Cluster, startCluster } from "../support/cluster.js";
import { closeQuietly, connectWs } from "../support/wsClient.js";

const dir = mkdtempSync(join(tmpdir(), "surreal-pool-failover-"));

function clusterOptions(urls: string[]) {
  return remoteOptions(urls, {
    pool: { minConnections: 3, maxConnections: 9, connectionTimeoutMs: 5_000 },
    circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 300 },
  });
}

describe("remote mode over a simulated cluster", () => {
  let cluster: Cluster;
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, store: `surrealkv://${dir}` });
    // Define the namespace, database and table once, before many sockets race to do it implicitly.
    const db = await connectWs(cluster.urls[0]!, {
      namespace: "test",
      database: "test",
      auth: { username: "root", password: "root" },
    });
    await db.query("DEFINE TABLE IF NOT EXISTS w SCHEMALESS; DEFINE TABLE IF NOT EXISTS mid SCHEMALESS");
    await closeQuietly(db);
  });
  afterEach(async () => {
    await manager?.shutdown({ timeoutMs: 2_000 }).catch(() => undefined);
    manager = undefined;
    await Promise.all(cluster.nodes.map((n) => (n.running ? undefined : n.restart())));
  });
  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads its own writes across failover: a write acknowledged by a node that then dies is read through another", async () => {
    manager = await ConnectionManager.create(clusterOptions(cluster.urls));
    for (let round = 0; round < 2; round++) {
      const lease = await manager.acquire();
      const writtenVia = lease.endpoint;
      try {
        await lease.db.query("UPSERT type::record('w', $k) SET round = $round", { k: `ryw${round}`, round });
      } finally {
        await lease.release();
      }
      const victim = cluster.nodes.find((n) => n.url === writtenVia)!;
      await victim.kill();
      const read = await manager.executeWithRetry(
        (db) =>
          db.query<[number | undefined]>("SELECT VALUE round FROM ONLY type::record('w', $k)", {
            k: `ryw${round}`,
          }),
        { timeoutMs: 2_000 },
      );
      expect(read).toEqual([round]);
      await victim.restart();
      // Back to three nodes before the next round's victim is picked (the breaker closes on a probe).
      await waitFor(
        () => manager!.healthStatus().endpoints.every((e) => e.breaker === "closed"),
        "breakers closed",
        {
          timeoutMs: 10_000,
        },
      );
    }
  });

  it("loses no acknowledged write when a node dies mid-call", async () => {
    manager = await ConnectionManager.create(clusterOptions(cluster.urls));
    const recorder = new EventRecorder(manager);
    const victim = cluster.nodes[1]!;
    const inFlight = new Set<string>();
    const acked: string[] = [];
    const failed: unknown[] = [];
    let started = 0;
    const write = async (key: string) => {
      started++;
      try {
        // The write, then a pause inside the same call: a kill lands while calls are in flight.
        await manager!.executeWithRetry(
          async (db) => {
            inFlight.add(key);
            try {
              return await db.query("UPSERT type::record('mid', $k) SET k = $k; SLEEP 150ms; RETURN true", {
                k: key,
              });
            } finally {
              inFlight.delete(key);
            }
          },
          { timeoutMs: 3_000 },
        );
        acked.push(key);
      } catch (error) {
        failed.push(error);
      }
    };
    const workers = Array.from({ length: 12 }, async (_, w) => {
      for (let i = 0; i < 8; i++) await write(`mid-${w}-${i}`);
    });
    // Kill once the victim is serving some of the calls in flight.
    await waitFor(
      () => recorder.leasesByEndpoint().get(victim.url)! > 3 && inFlight.size >= 6,
      "calls in flight on the victim",
    );
    await victim.kill();
    await Promise.all(workers);

    expect(started).toBe(96);
    // Every call either was acknowledged or failed with a typed error; with two nodes left, none failed.
    expect(failed.filter((e) => !isSurrealPoolError(e))).toEqual([]);
    expect(failed).toEqual([]);
    // The calls caught by the kill were retried elsewhere.
    expect(recorder.of("operation.retried").length).toBeGreaterThan(0);
    // Every acknowledged write is in the shared store, read through a node that was never killed.
    const reader = await connectWs(cluster.nodes[0]!.url, {
      namespace: "test",
      database: "test",
      auth: { username: "root", password: "root" },
    });
    try {
      const [keys] = await reader.query<[string[]]>("SELECT VALUE k FROM mid");
      const present = new Set(keys);
      expect(acked.filter((k) => !present.has(k))).toEqual([]);
      expect(keys.length).toBe(new Set(keys).size); // one record per key
    } finally {
      await closeQuietly(reader);
    }
    recorder.stop();
  });
});
