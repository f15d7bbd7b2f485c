import type fc from "fast-check";
import { expect } from "vitest";
import { checkInvariants, type PoolModel, type PoolReal, settle, startAcquire } from "./model.js";

/** acquire(): served at once when a connection is free or can be opened, queued (FIFO) otherwise. */
export class AcquireCommand implements fc.AsyncCommand<PoolModel, PoolReal> {
  check(m: Readonly<PoolModel>): boolean {
    return !m.shutdown;
  }

  async run(m: PoolModel, r: PoolReal): Promise<void> {
    const entry = startAcquire(m, r);
    await settle();
    if (m.waiters.length === 0 && m.held < m.max) {
      expect(entry.state).toBe("served");
      m.held++;
      m.size = Math.max(m.size, m.held);
    } else {
      expect(entry.state).toBe("pending");
      m.waiters.push(entry.token);
    }
    checkInvariants(m, r);
  }

  toString(): string {
    return "acquire";
  }
}
