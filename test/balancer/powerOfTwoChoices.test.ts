import { describe, expect, it } from "vitest";
import { PowerOfTwoChoicesBalancer } from "../../src/core/balancer/PowerOfTwoChoicesBalancer.js";
import { sequence, slots, tally } from "./slots.js";

describe("PowerOfTwoChoicesBalancer", () => {
  it("returns undefined for no candidates and the only one for one", () => {
    const balancer = new PowerOfTwoChoicesBalancer(() => 0.5);
    const [a] = slots({ latencyMs: 1_000, leased: 9 });
    expect(balancer.pick([])).toBeUndefined();
    expect(balancer.pick([a!])).toBe(a);
  });

  it("samples two different candidates with the injected random and takes the cheaper", () => {
    const [a, b, c] = slots({ latencyMs: 10 }, { latencyMs: 1 }, { latencyMs: 5 });
    const candidates = [a!, b!, c!];
    // i = floor(r1 * 3); j = floor(r2 * 2), skipping i.
    expect(new PowerOfTwoChoicesBalancer(sequence(0, 0)).pick(candidates)).toBe(b); // a vs b
    expect(new PowerOfTwoChoicesBalancer(sequence(0, 0.99)).pick(candidates)).toBe(c); // a vs c
    expect(new PowerOfTwoChoicesBalancer(sequence(0.99, 0.99)).pick(candidates)).toBe(b); // c vs b
    expect(new PowerOfTwoChoicesBalancer(sequence(0.5, 0)).pick(candidates)).toBe(b); // b vs a
  });

  it("costs latency times (leases in flight + 1): a fast but busy endpoint loses to a slower idle one", () => {
    const [fastBusy, slowIdle] = slots({ latencyMs: 2, leased: 9 }, { latencyMs: 10, leased: 0 });
    const balancer = new PowerOfTwoChoicesBalancer(sequence(0, 0));
    expect(balancer.pick([fastBusy!, slowIdle!])).toBe(slowIdle); // 20 > 10
    fastBusy!.leased = 3;
    expect(balancer.pick([fastBusy!, slowIdle!])).toBe(fastBusy); // 8 < 10
  });

  it("with two candidates always compares both, so the cheaper always wins whatever the random", () => {
    const [a, b] = slots({ latencyMs: 30 }, { latencyMs: 3 });
    for (const r of [0, 0.25, 0.5, 0.75, 0.999]) {
      expect(new PowerOfTwoChoicesBalancer(() => r).pick([a!, b!])).toBe(b);
    }
  });

  it("gives an endpoint measured slow long ago another chance (its estimate decays while unrefreshed)", () => {
    const [stale, busy] = slots({ latencyMs: 200, latencyAgeMs: 60_000 }, { latencyMs: 2, leased: 3 });
    // 200 ms a minute ago is ~3 ms now, cheaper than 2 ms x (3 + 1).
    expect(new PowerOfTwoChoicesBalancer(sequence(0, 0)).pick([stale!, busy!])).toBe(stale);
  });

  it("tries a never-measured endpoint (unknown latency costs nothing)", () => {
    const [measured, fresh] = slots({ latencyMs: 1 }, {});
    expect(new PowerOfTwoChoicesBalancer(sequence(0, 0)).pick([measured!, fresh!])).toBe(fresh);
  });

  it("never picks the most expensive of three, and spreads work over the two cheaper ones", () => {
    const candidates = slots({ latencyMs: 1 }, { latencyMs: 2 }, { latencyMs: 100 });
    let seed = 42;
    const lcg = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const counts = tally(() => new PowerOfTwoChoicesBalancer(lcg).pick(candidates), 3_000);
    expect(counts[candidates[2]!.endpoint]).toBeUndefined();
    // a wins whenever it is sampled (2 of 3 pairs), b only against c (1 of 3 pairs).
    expect(counts[candidates[0]!.endpoint]!).toBeGreaterThan(1_800);
    expect(counts[candidates[1]!.endpoint]!).toBeGreaterThan(800);
  });
});
