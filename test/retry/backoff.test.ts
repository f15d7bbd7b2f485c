import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BackoffOptions, backoffCap, backoffDelay, partialJitter } from "../../src/util/backoff.js";

const policy: fc.Arbitrary<BackoffOptions> = fc.record({
  initialBackoffMs: fc.integer({ min: 0, max: 10_000 }),
  maxBackoffMs: fc.integer({ min: 0, max: 120_000 }),
  multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
});
const attempt = fc.integer({ min: 1, max: 2_000 });
/** Like Math.random: [0, 1). */
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe("backoff schedule", () => {
  it("the cap follows min(maxBackoffMs, initial * multiplier^(attempt-1))", () => {
    const p = { initialBackoffMs: 100, maxBackoffMs: 10_000, multiplier: 2 };
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffCap(a, p))).toEqual([
      100, 200, 400, 800, 1_600, 3_200, 6_400, 10_000,
    ]);
    expect(backoffCap(10_000, p)).toBe(10_000); // no overflow to Infinity or NaN
  });

  it("the cap never exceeds maxBackoffMs and is never negative", () => {
    fc.assert(
      fc.property(policy, attempt, (p, a) => {
        const cap = backoffCap(a, p);
        expect(Number.isFinite(cap)).toBe(true);
        expect(cap).toBeGreaterThanOrEqual(0);
        expect(cap).toBeLessThanOrEqual(p.maxBackoffMs);
      }),
    );
  });

  it("the first cap is initialBackoffMs (bounded by maxBackoffMs)", () => {
    fc.assert(
      fc.property(policy, (p) => {
        expect(backoffCap(1, p)).toBe(Math.min(p.initialBackoffMs, p.maxBackoffMs));
      }),
    );
  });

  it("the cap is monotone non-decreasing in the attempt, and stays at maxBackoffMs once reached", () => {
    fc.assert(
      fc.property(policy, attempt, (p, a) => {
        const cap = backoffCap(a, p);
        const next = backoffCap(a + 1, p);
        expect(next).toBeGreaterThanOrEqual(cap);
        if (cap === p.maxBackoffMs) expect(next).toBe(p.maxBackoffMs);
      }),
    );
  });

  it("the cap reaches maxBackoffMs eventually when it grows", () => {
    fc.assert(
      fc.property(policy, (p) => {
        fc.pre(p.initialBackoffMs > 0 && p.multiplier > 1.01);
        expect(backoffCap(5_000, p)).toBe(p.maxBackoffMs);
      }),
    );
  });

  it("the jittered delay is within [0, cap] for any random draw", () => {
    fc.assert(
      fc.property(policy, attempt, unit, (p, a, r) => {
        const delay = backoffDelay(a, p, () => r);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(backoffCap(a, p));
      }),
    );
  });

  it("full jitter: the draw maps linearly over [0, cap] (0 -> 0, 0.5 -> half)", () => {
    fc.assert(
      fc.property(policy, attempt, (p, a) => {
        const cap = backoffCap(a, p);
        expect(backoffDelay(a, p, () => 0)).toBe(0);
        expect(backoffDelay(a, p, () => 0.5)).toBeCloseTo(cap / 2, 6);
      }),
    );
  });

  it("with Math.random, delays spread over the whole range", () => {
    const p = { initialBackoffMs: 1_000, maxBackoffMs: 1_000, multiplier: 2 };
    const delays = Array.from({ length: 2_000 }, () => backoffDelay(1, p));
    expect(Math.min(...delays)).toBeLessThan(100);
    expect(Math.max(...delays)).toBeGreaterThan(900);
    expect(delays.every((d) => d >= 0 && d <= 1_000)).toBe(true);
  });
});

describe("partial jitter (connect retries, reachability probes)", () => {
  it("stays within the top share of the cap and spans it", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (cap, share, r) => {
          const wait = partialJitter(cap, share, () => r);
          expect(wait).toBeLessThanOrEqual(cap);
          expect(wait).toBeGreaterThanOrEqual(cap * (1 - share) - 1e-9);
        },
      ),
    );
    expect(partialJitter(100, 0.2, () => 0)).toBe(100);
    expect(partialJitter(100, 0.2, () => 0.999_999)).toBeCloseTo(80, 3);
  });
});
