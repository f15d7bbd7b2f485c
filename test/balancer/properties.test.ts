// Properties every balancer keeps, whatever the candidates and the random numbers.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import type { LoadBalancingStrategy } from "../../src/config/options.js";
import type { Balancer } from "../../src/core/balancer/Balancer.js";
import { createBalancer } from "../../src/core/balancer/createBalancer.js";
import { HealthBasedBalancer } from "../../src/core/balancer/HealthBasedBalancer.js";
import { LeastConnectionsBalancer } from "../../src/core/balancer/LeastConnectionsBalancer.js";
import { PowerOfTwoChoicesBalancer } from "../../src/core/balancer/PowerOfTwoChoicesBalancer.js";
import { RandomBalancer } from "../../src/core/balancer/RandomBalancer.js";
import { RoundRobinBalancer } from "../../src/core/balancer/RoundRobinBalancer.js";
import { type SlotSpec, slots, type TestSlot } from "./slots.js";

const STRATEGIES: LoadBalancingStrategy[] = [
  "round-robin",
  "least-connections",
  "random",
  "health-based",
  "power-of-two-choices",
];

const specArb: fc.Arbitrary<SlotSpec> = fc.record(
  {
    leased: fc.nat({ max: 20 }),
    latencyMs: fc.double({ min: 0, max: 5_000, noNaN: true }),
    failures: fc.nat({ max: 4 }),
  },
  { requiredKeys: [] },
);
/** Numbers in [0, 1), as Math.random returns them. */
const randomArb = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
  minLength: 1,
  maxLength: 8,
});

function cycling(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

function balancers(random: () => number): Balancer[] {
  return [
    new RoundRobinBalancer(),
    new LeastConnectionsBalancer(),
    new RandomBalancer(random),
    new HealthBasedBalancer(),
    new PowerOfTwoChoicesBalancer(random),
  ];
}

describe("every balancer", () => {
  test.prop([fc.array(specArb, { maxLength: 6 }), randomArb, fc.integer({ min: 1, max: 5 })])(
    "returns one of the candidates, or undefined exactly when there are none",
    (specs, randoms, rounds) => {
      const candidates = slots(...specs);
      for (const balancer of balancers(cycling(randoms))) {
        for (let i = 0; i < rounds; i++) {
          const chosen = balancer.pick(candidates);
          if (candidates.length === 0) expect(chosen).toBeUndefined();
          else expect(candidates).toContain(chosen);
        }
      }
    },
  );

  test.prop([fc.array(specArb, { minLength: 1, maxLength: 6 }), randomArb])(
    "keeps to its rule: least-connections the fewest leases, health-based the fewest failures, P2C never the unique costliest",
    (specs, randoms) => {
      const candidates = slots(...specs);
      const least = new LeastConnectionsBalancer().pick(candidates)!;
      expect(least.leased).toBe(Math.min(...candidates.map((c) => c.leased)));

      const now = performance.now();
      const healthiest = new HealthBasedBalancer().pick(candidates)!;
      const failures = (c: TestSlot) => Math.round(c.failureScore(now));
      expect(failures(healthiest)).toBe(Math.min(...candidates.map(failures)));

      const cost = (c: TestSlot) => (c.latencyAt(now) ?? 0) * (c.leased + 1);
      const costs = candidates.map(cost);
      const max = Math.max(...costs);
      const p2c = new PowerOfTwoChoicesBalancer(cycling(randoms)).pick(candidates)!;
      if (candidates.length >= 2 && costs.filter((c) => c === max).length === 1) {
        expect(cost(p2c)).toBeLessThan(max);
      }
    },
  );

  test.prop([fc.array(specArb, { minLength: 1, maxLength: 6 })])(
    "does not change the candidates it is shown",
    (specs) => {
      const candidates = slots(...specs);
      const t0 = performance.now();
      const state = () => candidates.map((c) => [c.endpoint, c.leased, c.latencyAt(t0), c.failureScore(t0)]);
      const before = state();
      for (const balancer of balancers(Math.random)) balancer.pick(candidates);
      expect(state()).toEqual(before);
    },
  );
});

describe("createBalancer", () => {
  it.each(STRATEGIES)("builds the %s strategy", (strategy) => {
    const balancer = createBalancer(strategy);
    expect(balancer.name).toBe(strategy);
    const candidates = slots({}, {});
    expect(candidates).toContain(balancer.pick(candidates));
  });
});
