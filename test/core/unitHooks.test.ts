// The core pools units it knows nothing of: a unit source of plain objects (no SurrealDB), a lease of
// its own, and hooks that say what a returned unit needs. The core decides who gets which unit and
// when one opens or retires; the hooks' verdicts are followed exactly: "discard" retires the unit,
// an undo list resets it with that list first, [] returns it as it is.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConnectionPool } from "../../src/core/ConnectionPool.js";
import type { CoreLease } from "../../src/core/CoreLease.js";
import type { PooledConnection } from "../../src/core/PooledConnection.js";
import type { Unit, UnitSource } from "../../src/core/Unit.js";
import type { LeaseOwner, UnitHooks } from "../../src/core/UnitHooks.js";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import { testPoolOptions } from "../pool/harness.js";

type Verdict = "discard" | readonly string[];

class PlainUnit implements Unit {
  readonly resets: (readonly string[])[] = [];
  closed = false;
  constructor(readonly id: number) {}
  async ping(): Promise<void> {}
  async reset(undo: readonly string[]): Promise<void> {
    this.resets.push(undo);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  onBroken(): void {}
}

class PlainSource implements UnitSource {
  readonly endpoint = "plain://one";
  readonly units: PlainUnit[] = [];
  async open(): Promise<Unit> {
    const unit = new PlainUnit(this.units.length);
    this.units.push(unit);
    return unit;
  }
  async dispose(): Promise<void> {}
}

class PlainLease implements CoreLease {
  verdict: Verdict = [];
  revoked = false;
  readonly acquiredStack = undefined;
  constructor(
    readonly connection: PooledConnection,
    readonly owner: LeaseOwner,
    readonly acquiredAt: number,
    readonly unit: PlainUnit,
  ) {}
  get connectionId(): string {
    return this.connection.id;
  }
  get endpoint(): string {
    return this.connection.endpoint;
  }
  release(): Promise<void> {
    return this.owner.release(this.connection, this, false);
  }
  revoke(): void {
    this.revoked = true;
  }
}

class PlainHooks implements UnitHooks<PlainLease> {
  prepared = 0;
  openedUnits = 0;
  lease(connection: PooledConnection, owner: LeaseOwner, acquiredAt: number): PlainLease {
    return new PlainLease(connection, owner, acquiredAt, connection.requireRaw() as PlainUnit);
  }
  prepare(_connection: PooledConnection, lease: PlainLease): PlainLease {
    this.prepared++;
    return lease;
  }
  returned(_connection: PooledConnection, lease: PlainLease): Verdict {
    return lease.verdict;
  }
  opened(): void {
    this.openedUnits++;
  }
}

function plainPool(maxConnections: number) {
  const source = new PlainSource();
  const hooks = new PlainHooks();
  const events: PoolEvent[] = [];
  const pool = new ConnectionPool<PlainLease>({
    connectors: [source],
    hooks,
    pool: testPoolOptions({ minConnections: 0, maxConnections, warmConnections: false }),
    publish: (event) => events.push(event),
  });
  return { source, hooks, events, pool };
}

const verdictArb: fc.Arbitrary<Verdict> = fc.oneof(
  fc.constant("discard" as const),
  fc.constant([] as readonly string[]),
  fc.array(fc.constantFrom("use", "vars", "auth"), { minLength: 1, maxLength: 3 }),
);

describe("the core's hooks over units it knows nothing of", () => {
  it("follows each returned unit's verdict exactly, with many borrowers at once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(verdictArb, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        async (verdicts, max) => {
          const { source, hooks, events, pool } = plainPool(max);
          await pool.start();
          const given = new Map<PlainUnit, Verdict[]>();
          // Every borrower at once: more than the pool holds, so they queue and units are reused.
          await Promise.all(
            verdicts.map(async (verdict) => {
              const lease = await pool.acquire();
              lease.verdict = verdict;
              given.set(lease.unit, [...(given.get(lease.unit) ?? []), verdict]);
              await new Promise((resolve) => setImmediate(resolve));
              await lease.release();
            }),
          );
          await pool.shutdown({ timeoutMs: 1_000 });
          expect(hooks.prepared).toBe(verdicts.length);
          expect(hooks.openedUnits).toBe(source.units.length);
          for (const unit of source.units) {
            const mine = given.get(unit) ?? [];
            // A discard retires the unit: it serves no one after.
            const discardAt = mine.indexOf("discard");
            if (discardAt >= 0)
              expect(discardAt, `unit ${unit.id} served after its discard`).toBe(mine.length - 1);
            // Each undo list reset it, in order; [] did not.
            expect(unit.resets).toEqual(
              mine.filter((v): v is readonly string[] => v !== "discard" && v.length > 0),
            );
            expect(unit.closed).toBe(true);
          }
          // Never more units open at once than the bound (the core's, whatever the units are).
          let open = 0;
          let peak = 0;
          for (const e of events) {
            if (e.type === "connection.opened") peak = Math.max(peak, ++open);
            else if (e.type === "connection.closed") open--;
          }
          expect(peak).toBeLessThanOrEqual(max);
          const retired = events.filter((e) => e.type === "connection.retiring" && e.reason === "broken");
          expect(retired).toHaveLength(verdicts.filter((v) => v === "discard").length);
        },
      ),
      { numRuns: 30 },
    );
  });
});
