import { describe, expect, it } from "vitest";
import { RandomBalancer } from "../../src/core/balancer/RandomBalancer.js";
import { sequence, slots, tally } from "./slots.js";

describe("RandomBalancer", () => {
  it("returns undefined for no candidates", () => {
    expect(new RandomBalancer(() => 0.5).pick([])).toBeUndefined();
  });

  it("maps the injected random number onto the candidates: [0, 1/n) the first, ..., [(n-1)/n, 1) the last", () => {
    const candidates = slots({}, {}, {});
    expect(new RandomBalancer(() => 0).pick(candidates)).toBe(candidates[0]);
    expect(new RandomBalancer(() => 0.33).pick(candidates)).toBe(candidates[0]);
    expect(new RandomBalancer(() => 0.34).pick(candidates)).toBe(candidates[1]);
    expect(new RandomBalancer(() => 0.5).pick(candidates)).toBe(candidates[1]);
    expect(new RandomBalancer(() => 0.67).pick(candidates)).toBe(candidates[2]);
    expect(new RandomBalancer(() => 0.999_999).pick(candidates)).toBe(candidates[2]);
  });

  it("draws one random number per pick", () => {
    let draws = 0;
    const balancer = new RandomBalancer(() => {
      draws++;
      return 0.1;
    });
    const candidates = slots({}, {});
    for (let i = 0; i < 7; i++) balancer.pick(candidates);
    expect(draws).toBe(7);
  });

  it("ignores load, latency and failures", () => {
    const candidates = slots({ leased: 100, latencyMs: 1_000, failures: 9 }, {});
    expect(new RandomBalancer(() => 0).pick(candidates)).toBe(candidates[0]);
  });

  it("spreads picks evenly for evenly spread random numbers", () => {
    const candidates = slots({}, {}, {}, {});
    const balancer = new RandomBalancer(sequence(0.1, 0.3, 0.6, 0.9));
    expect(Object.values(tally(() => balancer.pick(candidates), 400))).toEqual([100, 100, 100, 100]);
  });
});
