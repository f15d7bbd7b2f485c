// The users bench's helpers: its seeded Zipf sampler (who makes each request) and the interleaved
// rounds that time every operation (its p99 column).
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { interleaveTimed } from "../../bench/drive.js";
import { percentile } from "../../bench/stats.js";
import { seeded, zipf } from "../../bench/zipf.js";

const draws = (next: () => number, count: number) => Array.from({ length: count }, next);

describe("zipf", () => {
  it("draws the same ranks for the same seed, and others for another", () => {
    expect(draws(zipf(1_000, 1.1, 7), 50)).toEqual(draws(zipf(1_000, 1.1, 7), 50));
    expect(draws(zipf(1_000, 1.1, 7), 50)).not.toEqual(draws(zipf(1_000, 1.1, 8), 50));
  });

  it("gives rank k a share of 1/(k+1)^s over the sum, within sampling noise", () => {
    const n = 1_000;
    const s = 1.1;
    let harmonic = 0;
    for (let k = 1; k <= n; k++) harmonic += 1 / k ** s;
    const counts = new Array<number>(n).fill(0);
    const next = zipf(n, s, 1);
    const total = 100_000;
    for (let i = 0; i < total; i++) counts[next()]!++;
    expect(counts.every((c) => Number.isInteger(c))).toBe(true);
    for (const k of [0, 1, 9]) {
      const expected = total / (k + 1) ** s / harmonic;
      expect(Math.abs(counts[k]! - expected)).toBeLessThan(5 * Math.sqrt(expected));
    }
    // The tail is reached too: most ranks come up at least once in 100,000 draws.
    expect(counts.filter((c) => c > 0).length).toBeGreaterThan(900);
  });

  it("stays within [0, n), and s = 0 is uniform", () => {
    const ranks = draws(zipf(10, 0, 3), 20_000);
    expect(Math.min(...ranks)).toBe(0);
    expect(Math.max(...ranks)).toBe(9);
    const zeros = ranks.filter((r) => r === 0).length;
    expect(Math.abs(zeros - 2_000)).toBeLessThan(250);
  });

  it("seeded() is uniform in [0, 1)", () => {
    const xs = draws(seeded(42), 10_000);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length - 0.5)).toBeLessThan(0.02);
  });
});

describe("interleaveTimed", () => {
  it("returns each subject's rounds and the latency of each of its measured operations", async () => {
    const timed = await interleaveTimed(
      { fast: () => sleep(2), slow: () => sleep(12) },
      { workers: 3, rounds: 2, roundMs: 60, warmMs: 30 },
    );
    for (const name of ["fast", "slow"]) {
      const { rounds, latencies } = timed[name]!;
      expect(rounds).toHaveLength(2);
      for (const r of rounds) {
        expect(Number.isFinite(r.opsPerSecond) && r.opsPerSecond > 0).toBe(true);
        expect(Number.isFinite(r.cpuUsPerOp)).toBe(true);
      }
      expect(latencies.length).toBeGreaterThan(0);
      expect(latencies.every(Number.isFinite)).toBe(true);
    }
    // Each operation's own wait, not the round's: sleeps are never shorter than asked.
    expect(percentile(timed.fast!.latencies, 0.5)).toBeGreaterThanOrEqual(1.5);
    expect(percentile(timed.slow!.latencies, 0.5)).toBeGreaterThanOrEqual(11.5);
    expect(percentile(timed.slow!.latencies, 0.5)).toBeGreaterThan(percentile(timed.fast!.latencies, 0.5));
  });
});
