import type fc from "fast-check";
import { expect } from "vitest";
import { checkInvariants, type PoolModel, type PoolReal, settle } from "./model.js";

/** A health pass pings every idle connection (and no leased one); all pass against the fake. */
export class HealthCheckCommand implements fc.AsyncCommand<PoolModel, PoolReal> {
  check(m: Readonly<PoolModel>): boolean {
    return !m.shutdown;
  }

  async run(m: PoolModel, r: PoolReal): Promise<void> {
    const result = await r.h.pool.healthCheck();
    expect(result).toEqual({ passed: m.size - m.held, failed: 0 });
    await settle();
    checkInvariants(m, r);
  }

  toString(): string {
    return "healthCheck";
  }
}
