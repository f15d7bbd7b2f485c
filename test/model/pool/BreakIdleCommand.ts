import type fc from "fast-check";
import { expect } from "vitest";
import { rawOf } from "../../../src/surreal/rawOf.js";
import { checkInvariants, type PoolModel, type PoolReal, settle } from "./model.js";

/** The transport of one idle connection reports it dead: it is retired, and replaced only up to min. */
export class BreakIdleCommand implements fc.AsyncCommand<PoolModel, PoolReal> {
  constructor(readonly index: number) {}

  check(m: Readonly<PoolModel>): boolean {
    return !m.shutdown && m.size > m.held;
  }

  async run(m: PoolModel, r: PoolReal): Promise<void> {
    const idle = r.h.pool.connections().filter((c) => c.place === "idle");
    expect(idle.length).toBe(m.size - m.held);
    const victim = idle[this.index % idle.length]!;
    r.h.connector.byDb(rawOf(victim).db)!.breakTransport();
    await settle();
    expect(victim.state).toBe("closed");
    m.size = Math.max(m.min, m.size - 1);
    checkInvariants(m, r);
  }

  toString(): string {
    return `breakIdle(${this.index})`;
  }
}
