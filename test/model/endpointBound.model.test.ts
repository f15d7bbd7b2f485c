// One bound per endpoint, under races: borrowers (the pool's own connections) and features holding units
// beside them (live connections, agents' sessions) open, use and close at once, in every order a
// fast-check scheduler picks. At no step does the endpoint hold more units than its bound, a refused hold
// happens only at the bound, and a borrower that waited because features held the room is served once
// they close theirs (a freed place wakes the dispatch).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HeldUnit } from "../../src/core/HeldUnits.js";
import type { Unit } from "../../src/core/Unit.js";
import { poolHarness } from "../pool/harness.js";
import { FakeConnector } from "../support/fakeConnector.js";

/** A unit a feature holds; the database is not the subject here. */
function plainUnit(closed: Set<Unit>): Unit {
  const unit: Unit = {
    ping: async () => {},
    reset: async () => {},
    close: async () => {
      closed.add(unit);
    },
    onBroken: () => {},
  };
  return unit;
}

const scenario = fc.record({
  bound: fc.integer({ min: 1, max: 4 }),
  maxConnections: fc.integer({ min: 1, max: 4 }),
  borrowers: fc.integer({ min: 0, max: 6 }),
  holders: fc.integer({ min: 0, max: 6 }),
});

describe("an endpoint's one bound", () => {
  it("is never passed by pooled connections and held units opening and closing at once", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), scenario, async (s, { bound, maxConnections, borrowers, holders }) => {
        const violations: string[] = [];
        const connector = new FakeConnector({
          gate: (effect, id) => s.schedule(Promise.resolve(`${effect} ${id}`)),
        });
        const h = poolHarness({
          connector,
          pool: { maxConnections, maxSessionsPerEndpoint: bound, connectionTimeoutMs: 600_000 },
          onEvent: (_event, pool) => check(pool.endpoints[0]!.units),
        });
        const endpoint = h.pool.endpoints[0]!;
        const check = (units: number) => {
          if (units > bound) violations.push(`${units} units on an endpoint bound to ${bound}`);
        };
        await h.pool.start();
        const closed = new Set<Unit>();
        let served = 0;
        let held = 0;
        let refused = 0;

        const borrow = async () => {
          const lease = await h.pool.acquire();
          served++;
          check(endpoint.units);
          await s.schedule(Promise.resolve("use"));
          await lease.release();
        };
        const hold = async () => {
          const before = endpoint.units;
          const holding = endpoint.hold("feature", () => s.schedule(Promise.resolve(plainUnit(closed))));
          if (!holding) {
            if (before < bound) violations.push(`hold refused with ${before} of ${bound} units`);
            refused++;
            return;
          }
          check(endpoint.units);
          const unit: HeldUnit<Unit> = await holding;
          held++;
          check(endpoint.units);
          await s.schedule(Promise.resolve("keep"));
          await unit.close();
          await unit.close(); // twice is harmless: counted off once
        };

        const work = [...Array.from({ length: borrowers }, borrow), ...Array.from({ length: holders }, hold)];
        const all = Promise.all(work);
        await s.waitFor(all);
        try {
          expect(violations).toEqual([]);
          expect(served).toBe(borrowers);
          expect(held + refused).toBe(holders);
          expect(closed.size).toBe(held);
          expect(endpoint.unitsByKind()).toEqual({ pooled: endpoint.open + endpoint.pending });
          expect(endpoint.units).toBeLessThanOrEqual(Math.min(bound, maxConnections));
        } finally {
          const shutdown = h.pool.shutdown({ timeoutMs: 1_000 });
          await s.waitFor(shutdown);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("shutdown closes the units features still hold", async () => {
    const h = poolHarness({ connector: new FakeConnector(), pool: { maxSessionsPerEndpoint: 3 } });
    await h.pool.start();
    const endpoint = h.pool.endpoints[0]!;
    const closed = new Set<Unit>();
    const kept = await Promise.all(
      [1, 2, 3].map(() => endpoint.hold("feature", async () => plainUnit(closed))!),
    );
    expect(endpoint.hold("feature", async () => plainUnit(closed))).toBeUndefined();
    expect(endpoint.unitsByKind()).toEqual({ pooled: 0, feature: 3 });
    await h.pool.shutdown({ timeoutMs: 1_000 });
    expect([...closed]).toEqual(expect.arrayContaining(kept.map((k) => k.unit)));
    expect(endpoint.units).toBe(0);
  });

  it("a borrower that waited for the room features held is served when one closes", async () => {
    const h = poolHarness({
      connector: new FakeConnector(),
      pool: { maxConnections: 2, maxSessionsPerEndpoint: 1, connectionTimeoutMs: 5_000 },
      // No periodic pass would find the waiter either: only the freed place can wake the dispatch.
      extra: { housekeepingIntervalMs: 600_000 },
    });
    await h.pool.start();
    const endpoint = h.pool.endpoints[0]!;
    const kept = await endpoint.hold("feature", async () => plainUnit(new Set()))!;
    let served = false;
    const acquiring = h.pool.acquire().then((lease) => {
      served = true;
      return lease;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(served).toBe(false);
    expect(h.pool.waiting).toBe(1);
    // A caller that gives up meanwhile is told why: the endpoint's bound, not a busy pool.
    await expect(h.pool.acquire({ timeoutMs: 10 })).rejects.toThrow(
      /every endpoint holds its bound of 1 sessions .*raise pool.maxSessionsPerEndpoint/,
    );
    await kept.close();
    const lease = await acquiring;
    expect(endpoint.unitsByKind()).toEqual({ pooled: 1 });
    await lease.release();
    await h.pool.shutdown({ timeoutMs: 1_000 });
  });
});
