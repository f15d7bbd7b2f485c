import type fc from "fast-check";
import { expect } from "vitest";
import { LeaseReleasedError } from "../../../src/errors/LeaseReleasedError.js";
import { checkInvariants, type PoolModel, type PoolReal, settle } from "./model.js";

/** Releases a held lease (optionally after dirtying its session): the oldest waiter, if any, gets it. */
export class ReleaseCommand implements fc.AsyncCommand<PoolModel, PoolReal> {
  constructor(
    readonly index: number,
    readonly dirty: boolean,
  ) {}

  check(m: Readonly<PoolModel>): boolean {
    return !m.shutdown && m.held > 0;
  }

  async run(m: PoolModel, r: PoolReal): Promise<void> {
    const [lease] = r.held.splice(this.index % r.held.length, 1);
    if (this.dirty) await lease!.db.set("borrower_var", this.index);
    await lease!.release();
    r.released.push(lease!);
    expect(() => lease!.db).toThrow(LeaseReleasedError);
    await settle();
    applyRelease(m, r);
    checkInvariants(m, r);
  }

  toString(): string {
    return `release(${this.index}${this.dirty ? ", dirty" : ""})`;
  }
}

/** The model's side of a release: the oldest waiter is served, or the connection goes idle. */
export function applyRelease(m: PoolModel, r: PoolReal): void {
  const next = m.waiters.shift();
  if (next === undefined) {
    m.held--;
    return;
  }
  expect(r.served.at(-1)).toBe(next);
  // The lease the waiter got starts clean, whatever the previous borrower did.
  const lease = r.held.at(-1)!;
  expect(lease.db.parameters).toEqual({});
}
