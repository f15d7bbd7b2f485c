import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RetryBudget } from "../../src/operations/RetryBudget.js";

function clocked(options: ConstructorParameters<typeof RetryBudget>[0] = {}) {
  let now = 1_000_000;
  const budget = new RetryBudget({ now: () => now, ...options });
  return {
    budget,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const drain = (budget: RetryBudget) => {
  let granted = 0;
  while (budget.tryRetry()) granted++;
  return granted;
};

describe("RetryBudget", () => {
  it("without traffic allows only the floor: minRetriesPerSecond * window seconds", () => {
    const { budget } = clocked({ minRetriesPerSecond: 2, windowMs: 5_000 });
    expect(drain(budget)).toBe(10);
  });

  it("earns `ratio` of a retry per request on top of the floor", () => {
    const { budget } = clocked({ ratio: 0.2, minRetriesPerSecond: 0 });
    expect(budget.tryRetry()).toBe(false);
    for (let i = 0; i < 4; i++) budget.recordRequest();
    expect(budget.tryRetry()).toBe(false); // 0.8 of a retry
    budget.recordRequest();
    expect(budget.tryRetry()).toBe(true); // 5 * 0.2 = 1
    expect(budget.tryRetry()).toBe(false);
    for (let i = 0; i < 100; i++) budget.recordRequest();
    expect(drain(budget)).toBe(20);
  });

  it("a refused retry takes nothing", () => {
    const { budget } = clocked({ ratio: 0.5, minRetriesPerSecond: 0 });
    budget.recordRequest();
    expect(budget.tryRetry()).toBe(false);
    budget.recordRequest();
    expect(budget.tryRetry()).toBe(true);
  });

  it("forgets requests and retries older than the window", () => {
    const { budget, advance } = clocked({ ratio: 1, minRetriesPerSecond: 0, windowMs: 10_000, buckets: 10 });
    for (let i = 0; i < 10; i++) budget.recordRequest();
    expect(drain(budget)).toBe(10);
    advance(5_000);
    expect(budget.tryRetry()).toBe(false); // still spent: the window has not slid past them
    advance(5_000);
    expect(budget.toJSON()).toEqual({ requests: 0, retries: 0, available: 0 });
    for (let i = 0; i < 3; i++) budget.recordRequest();
    expect(drain(budget)).toBe(3);
  });

  it("slides in bucket steps: old requests drop out while recent ones stay", () => {
    const { budget, advance } = clocked({ ratio: 1, minRetriesPerSecond: 0, windowMs: 1_000, buckets: 4 });
    budget.recordRequest(); // in the first bucket
    advance(500);
    budget.recordRequest();
    budget.recordRequest();
    expect(budget.toJSON().requests).toBe(3);
    advance(500); // the first bucket leaves the window
    expect(budget.toJSON().requests).toBe(2);
    advance(500);
    expect(budget.toJSON().requests).toBe(0);
  });

  it("never grants more than floor + ratio * requests within one window (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.oneof(fc.constant("request" as const), fc.constant("retry" as const)), {
          maxLength: 300,
        }),
        (ratio, minPerSecond, ops) => {
          const { budget } = clocked({ ratio, minRetriesPerSecond: minPerSecond, windowMs: 1_000 });
          let requests = 0;
          let granted = 0;
          for (const op of ops) {
            if (op === "request") {
              budget.recordRequest();
              requests++;
            } else if (budget.tryRetry()) {
              granted++;
            }
            expect(granted).toBeLessThanOrEqual(minPerSecond + ratio * requests + 1e-9);
          }
          // And it grants whenever a whole retry is available.
          expect(budget.tryRetry()).toBe(minPerSecond + ratio * requests - granted >= 1 - 1e-9);
        },
      ),
    );
  });

  it("rejects bad options", () => {
    expect(() => new RetryBudget({ ratio: -0.1 })).toThrow(RangeError);
    expect(() => new RetryBudget({ windowMs: 0 })).toThrow(/windowMs/);
    expect(() => new RetryBudget({ buckets: 1.5 })).toThrow(/buckets/);
    expect(() => new RetryBudget({ minRetriesPerSecond: Number.NaN })).toThrow(/minRetriesPerSecond/);
  });

  it("works with the real clock by default", () => {
    const budget = new RetryBudget();
    expect(budget.tryRetry()).toBe(true); // the floor
    expect(budget.available()).toBeCloseTo(99, 6);
  });
});
