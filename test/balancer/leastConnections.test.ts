import { describe, expect, it } from "vitest";
import { LeastConnectionsBalancer } from "../../src/core/balancer/LeastConnectionsBalancer.js";
import { slots, tally } from "./slots.js";

describe("LeastConnectionsBalancer", () => {
  it("returns undefined for no candidates and the only one for one", () => {
    const balancer = new LeastConnectionsBalancer();
    const [a] = slots({ leased: 50 });
    expect(balancer.pick([])).toBeUndefined();
    expect(balancer.pick([a!])).toBe(a);
  });

  it("picks the candidate with the fewest leases in flight", () => {
    const balancer = new LeastConnectionsBalancer();
    const [a, b, c] = slots({ leased: 3 }, { leased: 1 }, { leased: 2 });
    for (let i = 0; i < 10; i++) expect(balancer.pick([a!, b!, c!])).toBe(b);
  });

  it("ignores latency and failures: only leases in flight count", () => {
    const balancer = new LeastConnectionsBalancer();
    const [a, b] = slots({ leased: 1, latencyMs: 1 }, { leased: 0, latencyMs: 900, failures: 5 });
    expect(balancer.pick([a!, b!])).toBe(b);
  });

  it("shares ties round-robin so equally loaded endpoints split the work", () => {
    const balancer = new LeastConnectionsBalancer();
    const [a, b, c] = slots({ leased: 2 }, { leased: 2 }, { leased: 5 });
    expect(tally(() => balancer.pick([a!, b!, c!]), 100)).toEqual({ [a!.endpoint]: 50, [b!.endpoint]: 50 });
  });

  it("follows the load as leases come and go", () => {
    const balancer = new LeastConnectionsBalancer();
    const candidates = slots({}, {}, {});
    // Each pick takes a lease on the chosen endpoint: the leases stay level.
    for (let i = 0; i < 30; i++) balancer.pick(candidates)!.leased++;
    expect(candidates.map((c) => c.leased)).toEqual([10, 10, 10]);
  });
});
