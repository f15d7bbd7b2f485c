// live() on a table with a change feed while ten workers write at once: every acknowledged change arrives
// exactly once, each record's in commit order, and a create reads as a create. Before the shared feed
// reader, 2–20 of 2,300–6,300 acknowledged creates never arrived (a commit that landed after a younger one
// was read was skipped for good) and 96% of creates read as back-filled updates (notifications lagging
// the feed by more than a second under this load were given up on).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LiveNotification } from "../../src/live/LiveNotification.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { EventRecorder, ROOT, waitFor } from "./helpers.js";

const WRITERS = 10;
const WRITE_MS = 2_000;

let endpoint: EndpointHandle;
beforeAll(async () => {
  endpoint = await startEndpoint();
}, 20_000);
afterAll(async () => {
  await endpoint?.stop();
});

interface Outcome {
  acknowledged: string[];
  /** Every change delivered, per record, as its kind (`*` when back-filled). */
  delivered: Map<string, string[]>;
  gaps: number;
}

async function run(manager: ConnectionManager, table: string, originals: boolean): Promise<Outcome> {
  await manager.executeWithRetry((db) =>
    db.query(`DEFINE TABLE ${table} CHANGEFEED 1h${originals ? " INCLUDE ORIGINAL" : ""}`),
  );
  const events = new EventRecorder(manager);
  const outcome: Outcome = { acknowledged: [], delivered: new Map(), gaps: 0 };
  const subscription = manager.live(table).subscribe((n: LiveNotification) => {
    if (n.kind === "gap") {
      outcome.gaps++;
      return;
    }
    const key = String(n.id);
    const list = outcome.delivered.get(key) ?? [];
    list.push(`${n.kind}${n.backfilled ? "*" : ""}`);
    outcome.delivered.set(key, list);
  });
  try {
    await waitFor(() => events.of("live.subscribed").length === 1, "subscribed");
    const end = performance.now() + WRITE_MS;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let i = 0; performance.now() < end; i++) {
          const id = `${table}:w${w}_${i}`;
          // Every third record is updated once after its create.
          await manager.executeWithRetry((db) =>
            db.query(
              i % 3 === 0 ? `CREATE ${id} SET n = 0; UPDATE ${id} SET n = 1` : `CREATE ${id} SET n = 0`,
            ),
          );
          outcome.acknowledged.push(id);
        }
      }),
    );
    const expected = outcome.acknowledged.length;
    await waitFor(
      () => outcome.delivered.size >= expected,
      () => `${outcome.delivered.size} of ${expected} records delivered`,
      { timeoutMs: 20_000 },
    );
    // Late deliveries would show within the landing horizon's window reads.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return outcome;
  } finally {
    subscription.unsubscribe();
    events.stop();
  }
}

/**
 * `creates`: the share of creates that must read as creates: 1 with originals in the feed; without,
 * each create's notification gives it (waited for, not given up on, though under this load they lag the
 * feed by over a second), so as many as the notifications that arrive.
 */
function check(outcome: Outcome, creates: number): void {
  const missing = outcome.acknowledged.filter((id) => !outcome.delivered.has(id));
  expect(missing, "acknowledged records never delivered").toEqual([]);
  let created = 0;
  let skipped = 0;
  for (const id of outcome.acknowledged) {
    const kinds = outcome.delivered.get(id)!;
    const updated = Number(/_(\d+)$/.exec(id)![1]!) % 3 === 0;
    if (updated && kinds.length === 1) {
      // Its create landed after its update went out: a gap stands for it (the only reason for one).
      expect(kinds[0], `${id}: what went out`).toMatch(/^update/);
      skipped++;
      continue;
    }
    expect(kinds, `${id}: delivered once per change`).toHaveLength(updated ? 2 : 1);
    if (updated) expect(kinds[1], `${id}: its update after its create`).toMatch(/^update/);
    if (kinds[0] === "create") created++;
  }
  expect(outcome.gaps, "one gap per create that landed after its record's update went out").toBe(skipped);
  // How many commits land late is the engine's scheduling under CPU contention, not ours to promise:
  // under 1% on this 2-core machine, 1.02% once on a CI machine about 1.8x slower. The bound catches
  // a reader that takes every change as late, not a busy machine.
  expect(skipped, `late creates: ${skipped} of ${outcome.acknowledged.length}`).toBeLessThan(
    outcome.acknowledged.length / 20,
  );
  const share = created / (outcome.acknowledged.length - skipped);
  expect(
    share,
    `creates read as creates: ${created} of ${outcome.acknowledged.length}`,
  ).toBeGreaterThanOrEqual(creates);
}

describe("live() on a fed table, ten writers at once", () => {
  for (const originals of [false, true]) {
    it(`mem:// (INCLUDE ORIGINAL: ${originals})`, async () => {
      const manager = await ConnectionManager.create({
        namespace: "test",
        database: "test",
        pool: { minConnections: 2, maxConnections: 10 },
      });
      try {
        // The embedded engine delivers every notification here (measured with the raw SDK: 0 dropped).
        check(await run(manager, originals ? "orig" : "plain", originals), originals ? 1 : 0.95);
      } finally {
        await manager.shutdown({ timeoutMs: 5_000 });
      }
    }, 40_000);
  }

  for (const originals of [false, true]) {
    it(`ws:// (INCLUDE ORIGINAL: ${originals})`, async () => {
      const manager = await ConnectionManager.create({
        mode: { kind: "local", endpoint: endpoint.url },
        credentials: ROOT,
        namespace: "test",
        database: "test",
        pool: { minConnections: 2, maxConnections: 10 },
      });
      try {
        // The loopback endpoint drops notifications under this load (its pump falls behind the engine's
        // bounded channel: a raw SDK client got 84% of the creates' notifications): without originals,
        // those creates can only read as back-filled updates.
        check(await run(manager, originals ? "wsorig" : "wsplain", originals), originals ? 1 : 0);
      } finally {
        await manager.shutdown({ timeoutMs: 5_000 });
      }
    }, 40_000);
  }
});
