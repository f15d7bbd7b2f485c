import type fc from "fast-check";
import { expect, vi } from "vitest";
import { STALL_MS } from "../../../src/live/FeedOrder.js";
import type { LiveChange, LiveNotification } from "../../../src/live/LiveNotification.js";
import { LANDING_HORIZON_MS } from "../../../src/surreal/feed/FeedCursor.js";
import { timeOfVersionstamp } from "../../../src/surreal/feed/versionstamp.js";
import { type Commit, changeOf, land, type Model, type Real } from "./model.js";

type Command = fc.AsyncCommand<Model, Real>;

/** A commit lands: a write (or a delete) of `record`, stamped `delayMs` before it lands. */
export class LandCommand implements Command {
  constructor(
    readonly record: number,
    readonly remove: boolean,
    readonly delayMs: number,
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: Model): Promise<void> {
    land(m, this.record, this.remove, this.delayMs);
  }
  toString(): string {
    return `land(${this.record}${this.remove ? ",delete" : ""},-${this.delayMs}ms)`;
  }
}

/** The notification of one landed commit not yet notified (any of them: the engine reorders). */
export class NoteCommand implements Command {
  constructor(readonly pick: number) {}
  check(m: Model): boolean {
    return m.landed.some((c) => !c.notified);
  }
  async run(m: Model, r: Real): Promise<void> {
    const waiting = m.landed.filter((c) => !c.notified);
    const c = waiting[this.pick % waiting.length]!;
    c.notified = true;
    m.lastNoteAt = m.now;
    r.order.noteLive(changeOf(c));
  }
  toString(): string {
    return `note(${this.pick})`;
  }
}

export class ReadCommand implements Command {
  constructor(readonly from: "window" | "tail") {}
  check(): boolean {
    return true;
  }
  async run(_m: Model, r: Real): Promise<void> {
    expect(r.order.accept(await r.order.read(r.db, this.from))).toBe(true);
  }
  toString(): string {
    return `read(${this.from})`;
  }
}

/** A read begun before another was accepted is refused whole. */
export class OvertakenReadCommand implements Command {
  check(): boolean {
    return true;
  }
  async run(_m: Model, r: Real): Promise<void> {
    const first = await r.order.read(r.db, "tail");
    const second = await r.order.read(r.db, "window");
    expect(r.order.accept(second)).toBe(true);
    expect(r.order.accept(first)).toBe(false);
  }
  toString(): string {
    return "overtakenRead";
  }
}

export class AdvanceCommand implements Command {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  async run(m: Model): Promise<void> {
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
  async run(m: Model, r: Real): Promise<void> {
    check(m, r.order.take(this.force).changes, this.force);
  }
  toString(): string {
    return `take(${this.force})`;
  }
}

/**
 * Past the landing horizon, a window read and a forced take: every commit landed goes out, once (so,
 * with the takes before, nothing is lost and nothing doubled).
 */
export class SettleCommand implements Command {
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    m.now += LANDING_HORIZON_MS;
    vi.setSystemTime(m.now);
    expect(r.order.accept(await r.order.read(r.db, "window"))).toBe(true);
    check(m, r.order.take(true).changes, true);
    const missing = m.landed.filter((c) => !c.out && !covered(m, c)).map((c) => `${c.record}@${c.vs}`);
    expect(missing, "landed commits that never went out, nor were covered by a gap").toEqual([]);
  }
  toString(): string {
    return "settle";
  }
}

/**
 * What went out: landed commits, each once, per record in commit order (a commit skipped must be covered
 * by a gap: see SettleCommand), with the right action; gaps only for a commit that landed after a later
 * change of its record went out.
 */
function check(m: Model, out: LiveNotification[], force: boolean): void {
  for (const n of out) {
    if (n.kind === "gap") {
      m.gaps.push(n);
      continue;
    }
    const record = Number((n.id as unknown as { id: number }).id);
    const c = commitOf(m, record, n);
    expect(c, `a change of record ${record} that was never committed, or went out twice`).toBeDefined();
    const lastOut = m.lastOut.get(record);
    expect(lastOut === undefined || c!.vs > lastOut, `record ${record}: out of commit order`).toBe(true);
    c!.out = true;
    m.lastOut.set(record, c!.vs);
    if (force) expect(n.backfilled).toBe(true);
    if (n.backfilled && !force) {
      // Given up on its notification: only when notifications were quiet long enough, or a change read
      // after it had its notification.
      const quiet = m.now - Math.max(c!.readAt ?? m.now, m.lastNoteAt) >= STALL_MS;
      const overtaken = m.landed.some((o) => o.notified && o.vs > c!.vs && o.readAt !== undefined);
      expect(quiet || overtaken, `record ${record} went out without waiting for its notification`).toBe(true);
    }
    if (!n.backfilled || c!.action === "delete")
      expect(n.kind, `record ${record}: the action`).toBe(c!.action);
    else expect(["update", c!.action]).toContain(n.kind);
  }
}

/** The commit a change stands for: by its value (values are unique), a delete by its place. */
function commitOf(m: Model, record: number, n: LiveChange): Commit | undefined {
  const value = (n.record as { v?: number } | undefined)?.v;
  const lastOut = m.lastOut.get(record) ?? -1n;
  return m.landed
    .filter(
      (c) => c.record === record && !c.out && c.value === value && (value !== undefined || c.vs > lastOut),
    )
    .sort((a, b) => (a.vs < b.vs ? -1 : 1))[0];
}

/**
 * Is `c` within a gap that went out, for the one reason there may be one: a later commit of its record
 * went out before it landed?
 */
export function covered(m: Model, c: Commit): boolean {
  const at = timeOfVersionstamp(c.vs);
  const overtaken = m.landed.some((o) => o.record === c.record && o.out && o.vs > c.vs);
  return overtaken && m.gaps.some((g) => g.from <= at && at <= g.to);
}
