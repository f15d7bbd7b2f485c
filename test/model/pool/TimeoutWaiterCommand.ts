import type fc from "fast-check";
import { expect } from "vitest";
import { AcquireTimeoutError } from "../../../src/errors/AcquireTimeoutError.js";
import { checkInvariants, type PoolModel, type PoolReal, settle, startAcquire } from "./model.js";

/** An acquire with a 2 ms timeout on a full pool: it times out (every connection in use) and leaves no trace. */
export class TimeoutWaiterCommand implements fc.AsyncCommand<PoolModel, PoolReal> {
  check(m: Readonly<PoolModel>): boolean {
    return !m.shutdown && m.held === m.max;
  }

  async run(m: PoolModel, r: PoolReal): Promise<void> {
    const entry = startAcquire(m, r, { timeoutMs: 2 });
    const deadline = performance.now() + 1_000;
    while (entry.state === "pending" && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await settle();
    expect(entry.state).toBe("rejected");
    expect(entry.error).toBeInstanceOf(AcquireTimeoutError);
    expect((entry.error as AcquireTimeoutError).cannotConnect).toBe(false);
    checkInvariants(m, r);
  }

  toString(): string {
    return "timeoutWaiter";
  }
}
