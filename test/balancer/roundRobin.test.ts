import { describe, expect, it } from "vitest";
import { RoundRobinBalancer } from "../../src/core/balancer/RoundRobinBalancer.js";
import { slots, tally } from "./slots.js";

describe("RoundRobinBalancer", () => {
  it("returns undefined for no candidates and the only one for one", () => {
    const balancer = new RoundRobinBalancer();
    const [a] = slots({});
    expect(balancer.pick([])).toBeUndefined();
    expect(balancer.pick([a!])).toBe(a);
    expect(balancer.pick([a!])).toBe(a);
  });

  it("takes the candidates in turn: every window of n picks visits each of n candidates once", () => {
    const balancer = new RoundRobinBalancer();
    const candidates = slots({}, {}, {});
    const picks = Array.from({ length: 30 }, () => balancer.pick(candidates)!);
    for (let i = 0; i + 3 <= picks.length; i++) {
      expect(new Set(picks.slice(i, i + 3)).size).toBe(3);
    }
  });

  it("shares the picks evenly, whatever the load or latency of the candidates", () => {
    const balancer = new RoundRobinBalancer();
    const candidates = slots({ leased: 9, latencyMs: 500, failures: 3 }, {}, { latencyMs: 1 });
    expect(Object.values(tally(() => balancer.pick(candidates), 300))).toEqual([100, 100, 100]);
  });

  it("keeps rotating when the candidate list changes between picks (endpoints with no idle connection drop out)", () => {
    const balancer = new RoundRobinBalancer();
    const [a, b, c] = slots({}, {}, {});
    const counts = tally(() => balancer.pick([a!, b!, c!]), 3);
    expect(Object.keys(counts)).toHaveLength(3);
    const pairs = tally(() => balancer.pick([a!, c!]), 10);
    expect(pairs).toEqual({ [a!.endpoint]: 5, [c!.endpoint]: 5 });
  });

  it("keeps its own position: two balancers do not share a turn", () => {
    const first = new RoundRobinBalancer();
    const second = new RoundRobinBalancer();
    const candidates = slots({}, {});
    const a = first.pick(candidates);
    expect(second.pick(candidates)).toBe(a);
  });
});
