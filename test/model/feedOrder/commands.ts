import type fc from "fast-check";
import { expect, vi } from "vitest";
import { fromFeed } from "../../../src/live/FeedOrder.js";
import type { LiveAction } from "../../../src/live/LiveNotification.js";
import { type Change, changeOf, expectedTake, type Model, type Real } from "./model.js";

type Command = fc.Command<Model, Real>;

/** A feed read of `early.length` new changes; those with an action had their notification before the read. */
export class ReadCommand implements Command {
  constructor(readonly early: (LiveAction | undefined)[]) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const first = m.read.length;
    const items = this.early.map((_, i) => fromFeed(changeOf(first + i), m.now));
    for (const [i, action] of this.early.entries()) if (action) r.order.noteLive(changeOf(first + i, action));
    const batch = { from: m.cursor, cursor: m.cursor + BigInt(items.length), items };
    expect(r.order.accept(batch)).toBe(true);
    m.cursor = batch.cursor;
    for (const [i, noted] of this.early.entries())
      m.read.push({ n: first + i, readAt: m.now, noted } satisfies Change);
  }
  toString(): string {
    return `read(${this.early.map((a) => a ?? "-").join(",")})`;
  }
}

/** A read that began before the cursor moved: refused whole, nothing queued. */
export class StaleReadCommand implements Command {
  check(m: Model): boolean {
    return m.cursor > 0n;
  }
  run(m: Model, r: Real): void {
    const items = [fromFeed(changeOf(10_000 + m.read.length), m.now)];
    const batch = { from: m.cursor - 1n, cursor: m.cursor + 1n, items };
    expect(r.order.accept(batch)).toBe(false);
  }
  toString(): string {
    return "staleRead";
  }
}

/** The notification of the `pick`-th change still held arrives. */
export class NoteCommand implements Command {
  constructor(
    readonly pick: number,
    readonly action: LiveAction,
  ) {}
  check(m: Model): boolean {
    return m.read.slice(m.out).some((c) => !c.noted);
  }
  run(m: Model, r: Real): void {
    const waiting = m.read.slice(m.out).filter((c) => !c.noted);
    const c = waiting[this.pick % waiting.length]!;
    r.order.noteLive(changeOf(c.n, this.action));
    c.noted = this.action;
  }
  toString(): string {
    return `note(${this.pick},${this.action})`;
  }
}

export class AdvanceCommand implements Command {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model): void {
    m.now += this.ms;
    vi.setSystemTime(m.now);
  }
  toString(): string {
    return `advance(${this.ms})`;
  }
}

export class TakeCommand implements Command {
  constructor(readonly force: boolean) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const expected = expectedTake(m, this.force);
    expect(r.order.take(this.force)).toEqual(expected);
  }
  toString(): string {
    return `take(${this.force})`;
  }
}
