import type fc from "fast-check";
import { expect } from "vitest";
import { AcquireAbortedError } from "../../../src/errors/AcquireAbortedError.js";
import { checkInvariants, type PoolModel, type PoolReal, settle } from "./model.js";

/** Aborts one queued acquire through its AbortSignal: it rejects, nothing is leased, the rest keep their order. */
export class AbortWaiterCommand implements fc.AsyncCommand<PoolModel, PoolReal> {
  constructor(readonly index: number) {}

  check(m: Readonly<PoolModel>): boolean {
    return !m.shutdown && m.waiters.length > 0;
  }

  async run(m: PoolModel, r: PoolReal): Promise<void> {
    const [token] = m.waiters.splice(this.index % m.waiters.length, 1);
    const entry = r.entries.get(token!)!;
    entry.controller.abort(new Error("test aborted it"));
    await settle();
    expect(entry.state).toBe("rejected");
    expect(entry.error).toBeInstanceOf(AcquireAbortedError);
    checkInvariants(m, r);
  }

  toString(): string {
    return `abortWaiter(${this.index})`;
  }
}
