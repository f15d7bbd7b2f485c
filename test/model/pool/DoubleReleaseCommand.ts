import type fc from "fast-check";
import { expect } from "vitest";
import { checkInvariants, type PoolModel, type PoolReal, settle } from "./model.js";
import { applyRelease } from "./ReleaseCommand.js";

/** Releases a held lease twice, and an old one again: only the first release counts. */
export class DoubleReleaseCommand implements fc.AsyncCommand<PoolModel, PoolReal> {
  constructor(readonly index: number) {}

  check(m: Readonly<PoolModel>): boolean {
    return !m.shutdown && m.held > 0;
  }

  async run(m: PoolModel, r: PoolReal): Promise<void> {
    const releases = r.h.of("lease.released").length;
    const [lease] = r.held.splice(this.index % r.held.length, 1);
    const first = lease!.release();
    expect(lease!.release()).toBe(first);
    await first;
    await settle();
    applyRelease(m, r);
    await lease!.release();
    await r.released.at(this.index % Math.max(1, r.released.length))?.release();
    r.released.push(lease!);
    await settle();
    expect(r.h.of("lease.released").length).toBe(releases + 1);
    checkInvariants(m, r);
  }

  toString(): string {
    return `doubleRelease(${this.index})`;
  }
}
