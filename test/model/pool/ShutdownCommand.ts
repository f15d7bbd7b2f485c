import type fc from "fast-check";
import { expect } from "vitest";
import { LeaseReleasedError } from "../../../src/errors/LeaseReleasedError.js";
import { PoolClosedError } from "../../../src/errors/PoolClosedError.js";
import { checkInvariants, type PoolModel, type PoolReal, settle } from "./model.js";

/**
 * Shuts the pool down. `releaseHeld`: the borrowers finish during the drain (nothing abandoned);
 * otherwise the drain times out and every held lease is taken back and reported.
 */
export class ShutdownCommand implements fc.AsyncCommand<PoolModel, PoolReal> {
  constructor(readonly releaseHeld: boolean) {}

  check(m: Readonly<PoolModel>): boolean {
    return !m.shutdown;
  }

  async run(m: PoolModel, r: PoolReal): Promise<void> {
    const { pool, connector } = r.h;
    const done = pool.shutdown({ timeoutMs: this.releaseHeld ? 5_000 : 5 });
    await settle();
    for (const token of m.waiters) {
      expect(r.entries.get(token)!.error).toBeInstanceOf(PoolClosedError);
    }
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolClosedError);
    const held = r.held.splice(0);
    if (this.releaseHeld) await Promise.all(held.map((l) => l.release()));
    const report = await done;
    if (this.releaseHeld) {
      expect(report.abandoned).toEqual([]);
    } else {
      expect(report.abandoned.map((a) => a.connectionId).sort()).toEqual(
        held.map((l) => l.connectionId).sort(),
      );
      for (const lease of held) {
        expect(() => lease.db).toThrow(LeaseReleasedError);
        expect(() => lease.db).toThrow(/taken back by shutdown/);
        await lease.release(); // harmless
      }
    }
    m.shutdown = true;
    m.held = 0;
    m.waiters = [];
    m.size = 0;
    // Every acquire settled, every connection closed, every gauge back to zero.
    expect([...r.entries.values()].filter((e) => e.state === "pending")).toEqual([]);
    expect(pool.state).toBe("closed");
    expect(pool.pending).toBe(0);
    expect(connector.live()).toEqual([]);
    const s = r.h.metrics.snapshot();
    expect([s.size, s.pending, s.inUse, s.idle, s.waiting, s.checking, s.retiring]).toEqual([
      0, 0, 0, 0, 0, 0, 0,
    ]);
    checkInvariants(m, r);
  }

  toString(): string {
    return `shutdown(${this.releaseHeld ? "after release" : "abandoning leases"})`;
  }
}
