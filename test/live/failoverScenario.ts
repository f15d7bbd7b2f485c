// The node-kill scenario of live queries, in two sizes: test/live/failover.test.ts (one kill, in npm test)
// and test/load/liveFailover.test.ts (five kills, npm run test:load).
import { expect } from "vitest";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import type { Cluster } from "../support/cluster.js";
import { Collected, EventRecorder, remoteOptions, waitFor } from "./helpers.js";

/**
 * Subscribes to a table with a change feed and one without, then `rounds` times: kills the node the
 * live queries run on, writes through the other node during the outage, waits for the resubscribe,
 * writes again, restarts the node. Checks 0 lost and 0 duplicated, in commit order, with the feed; one
 * explicit gap per kill and no reordering or duplicate around it without.
 */
export async function nodeKillScenario(
  cluster: Cluster,
  rounds: number,
  /** Told the manager as soon as it exists, so the caller can shut it down whatever happens. */
  keep: (manager: ConnectionManager) => void,
): Promise<void> {
  const manager = await ConnectionManager.create({
    ...remoteOptions(cluster.urls, {
      pool: { minConnections: 2, maxConnections: 4, connectTimeoutMs: 8_000 },
    }),
    live: { connectionsPerEndpoint: 1, initialBackoffMs: 20, maxBackoffMs: 200 },
  });
  keep(manager);
  const events = new EventRecorder(manager);
  const m = manager;
  const write = (text: string) => m.executeWithRetry((db) => db.query(text));
  await write("DEFINE TABLE fed CHANGEFEED 1h; DEFINE TABLE plain");
  const fed = new Collected(manager.live("fed"));
  const plain = new Collected(manager.live("plain"));
  await waitFor(() => events.of("live.subscribed").length === 2, "both subscribed");
  let seq = 0;
  const writeBoth = async (n: number) => {
    for (let i = 0; i < n; i++) {
      seq++;
      await write(`CREATE fed:${seq} SET seq = ${seq}; CREATE plain:${seq} SET seq = ${seq}`);
    }
  };
  for (let round = 1; round <= rounds; round++) {
    await writeBoth(5);
    await waitFor(
      () => fed.items.length === seq,
      () => `fed has ${fed.items.length} of ${seq} before the kill`,
    );
    const mark = events.mark;
    const node = manager.healthStatus().live!.connections[0]!.endpoint;
    const victim = cluster.nodes[cluster.urls.indexOf(node)]!;
    await victim.kill();
    // Writes while the subscriptions are lost and re-registering (through the surviving node).
    await writeBoth(10);
    await waitFor(() => events.of("live.resubscribed", mark).length === 2, "both resubscribed", {
      timeoutMs: 15_000,
    });
    await writeBoth(5);
    await waitFor(
      () => fed.items.length === seq,
      () => `fed has ${fed.items.length} of ${seq}`,
      { timeoutMs: 10_000 },
    );
    await victim.restart();
  }
  const fedSeqs = fed.items.map((n) => (n.kind === "gap" ? "gap" : Number(n.record?.seq)));
  expect(fedSeqs).toEqual(Array.from({ length: seq }, (_, i) => i + 1));
  expect(fed.error).toBeUndefined();
  expect(events.of("live.resubscribed").reduce((n, e) => n + e.backfilled, 0)).toBeGreaterThan(0);

  // Without a change feed: each loss is one explicit gap; the changes around it are never reordered or
  // duplicated.
  await waitFor(
    () =>
      plain.items.at(-1)?.kind !== "gap" &&
      Number((plain.items.at(-1) as { record?: { seq: number } })?.record?.seq) === seq,
    "plain caught up",
  );
  expect(plain.gaps()).toHaveLength(rounds);
  const plainSeqs = plain.items.flatMap((n) => (n.kind === "gap" ? [] : [Number(n.record?.seq)]));
  expect([...plainSeqs].sort((a, b) => a - b)).toEqual(plainSeqs);
  expect(new Set(plainSeqs).size).toBe(plainSeqs.length);
  const gap = plain.gaps()[0]!;
  expect(gap.to).toBeGreaterThanOrEqual(gap.from);
  expect(gap.reason).toMatch(/no change feed/);
  expect(manager.metrics().snapshot()).toMatchObject({ liveGaps: rounds, liveSubscriptions: 2 });
}
