import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Deadlines, type Expiring } from "../../src/util/Deadlines.js";

interface Item extends Expiring {
  name: number;
  timeoutMs: number;
  addedAt: number;
}

/**
 * The model: a set of live items, each with the time it was added and its timeout. An item expires
 * exactly once, never before its deadline and at most a millisecond after the clock passes it; a
 * settled item never expires; once nothing is live no timer is left.
 */
interface Model {
  live: Map<number, { addedAt: number; timeoutMs: number }>;
  now: number;
}

interface Real {
  deadlines: Deadlines<Item>;
  items: Map<number, Item>;
  expired: { name: number; at: number }[];
  next: number;
}

function settle(real: Real, model: Model, name: number): void {
  const item = real.items.get(name)!;
  item.settled = true;
  real.deadlines.remove(item);
  model.live.delete(name);
}

class Add implements fc.Command<Model, Real> {
  constructor(readonly timeoutMs: number) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const name = real.next++;
    const item: Item = {
      name,
      timeoutMs: this.timeoutMs,
      addedAt: performance.now(),
      settled: false,
      deadline: 0,
      group: undefined,
    };
    real.items.set(name, item);
    real.deadlines.add(item, this.timeoutMs, item.addedAt);
    model.live.set(name, { addedAt: item.addedAt, timeoutMs: this.timeoutMs });
  }
  toString = () => `add(${this.timeoutMs})`;
}

class SettleOldest implements fc.Command<Model, Real> {
  check = (model: Readonly<Model>) => model.live.size > 0;
  run(model: Model, real: Real): void {
    settle(real, model, Math.min(...model.live.keys()));
  }
  toString = () => "settleOldest";
}

class SettleAny implements fc.Command<Model, Real> {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.live.size > 0;
  run(model: Model, real: Real): void {
    const names = [...model.live.keys()];
    settle(real, model, names[this.pick % names.length]!);
  }
  toString = () => `settleAny(${this.pick})`;
}

class Advance implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const before = real.expired.length;
    vi.advanceTimersByTime(this.ms);
    model.now = performance.now();
    for (const { name, at } of real.expired.slice(before)) {
      const entry = model.live.get(name);
      expect(entry, `item ${name} expired twice or after it was settled`).toBeDefined();
      expect(at).toBeGreaterThanOrEqual(entry!.addedAt + entry!.timeoutMs);
      model.live.delete(name);
    }
    // Nothing live is overdue by more than the timer's millisecond.
    for (const [name, { addedAt, timeoutMs }] of model.live) {
      expect(addedAt + timeoutMs, `item ${name} is overdue`).toBeGreaterThan(model.now - 1);
    }
  }
  toString = () => `advance(${this.ms})`;
}

describe("Deadlines: one timer per distinct timeout", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("expires each live item once, never early, never a settled one, and leaves no timer behind", () => {
    const commands = [
      fc.constantFrom(5, 10, 50).map((t) => new Add(t)),
      fc.constant(new SettleOldest()),
      fc.nat(100).map((p) => new SettleAny(p)),
      // Mostly small steps, so items of one timeout are spread over neighbouring milliseconds.
      fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 30 })).map((ms) => new Advance(ms)),
    ];
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 80, size: "large" }), (cmds) => {
        vi.clearAllTimers();
        const real: Real = { items: new Map(), expired: [], next: 0, deadlines: undefined as never };
        real.deadlines = new Deadlines<Item>((item) => {
          real.expired.push({ name: item.name, at: performance.now() });
          item.settled = true;
          real.deadlines.remove(item);
        });
        const model: Model = { live: new Map(), now: performance.now() };
        fc.modelRun(() => ({ model, real }), cmds);
        // Settle what is left: no timer may stay armed (it would keep the process alive).
        for (const name of [...model.live.keys()]) settle(real, model, name);
        expect(vi.getTimerCount()).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps a single timer for many items that share a timeout", () => {
    const expired: number[] = [];
    const deadlines = new Deadlines<Item>((item) => {
      expired.push(item.name);
      item.settled = true;
      deadlines.remove(item);
    });
    for (let name = 0; name < 10_000; name++) {
      const item: Item = { name, timeoutMs: 100, addedAt: 0, settled: false, deadline: 0, group: undefined };
      deadlines.add(item, 100, performance.now());
      vi.advanceTimersByTime(0.005);
    }
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(200);
    expect(expired).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(vi.getTimerCount()).toBe(0);
  });
});
