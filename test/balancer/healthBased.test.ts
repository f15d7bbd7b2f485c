import { describe, expect, it } from "vitest";
import { EndpointScore } from "../../src/core/balancer/EndpointScore.js";
import { HealthBasedBalancer } from "../../src/core/balancer/HealthBasedBalancer.js";
import { slots, tally } from "./slots.js";

describe("HealthBasedBalancer", () => {
  it("returns undefined for no candidates and the only one for one", () => {
    const balancer = new HealthBasedBalancer();
    const [a] = slots({ failures: 10, latencyMs: 1_000 });
    expect(balancer.pick([])).toBeUndefined();
    expect(balancer.pick([a!])).toBe(a);
  });

  it("prefers the endpoint with fewer recent failures, even when it is slower", () => {
    const balancer = new HealthBasedBalancer();
    const [a, b, c] = slots({ failures: 2, latencyMs: 1 }, { failures: 1, latencyMs: 50 }, { failures: 3 });
    for (let i = 0; i < 10; i++) expect(balancer.pick([a!, b!, c!])).toBe(b);
  });

  it("among equally healthy endpoints, prefers the lower latency", () => {
    const balancer = new HealthBasedBalancer();
    const [a, b, c] = slots({ latencyMs: 10 }, { latencyMs: 4 }, { latencyMs: 30 });
    for (let i = 0; i < 10; i++) expect(balancer.pick([a!, b!, c!])).toBe(b);
  });

  it("treats latencies within 25% of the best as equal and shares them round-robin", () => {
    const balancer = new HealthBasedBalancer();
    // best 10 ms: 12.4 ms is within 25%, 12.6 ms is not.
    const [a, b, c] = slots({ latencyMs: 10 }, { latencyMs: 12.4 }, { latencyMs: 12.6 });
    expect(tally(() => balancer.pick([a!, b!, c!]), 100)).toEqual({ [a!.endpoint]: 50, [b!.endpoint]: 50 });
  });

  it("gives a never-measured endpoint a try (unknown latency counts as fast)", () => {
    const balancer = new HealthBasedBalancer();
    const [measured, fresh] = slots({ latencyMs: 5 }, {});
    expect(balancer.pick([measured!, fresh!])).toBe(fresh);
  });

  it("ignores leases in flight", () => {
    const balancer = new HealthBasedBalancer();
    const [busy, idle] = slots({ leased: 50, latencyMs: 1 }, { leased: 0, latencyMs: 20 });
    expect(balancer.pick([busy!, idle!])).toBe(busy);
  });

  it("tries an endpoint again once its old slow measurement has decayed (latency halves every 10 s unrefreshed)", () => {
    const balancer = new HealthBasedBalancer();
    // Measured at 64 ms a minute ago (6 half-lives: ~1 ms now) vs 1 ms just now: equal again, so shared.
    const [once, fast] = slots({ latencyMs: 64, latencyAgeMs: 60_000 }, { latencyMs: 1 });
    expect(once!.latencyAt(performance.now())).toBeCloseTo(1, 1);
    expect(tally(() => balancer.pick([once!, fast!]), 10)).toEqual({
      [once!.endpoint]: 5,
      [fast!.endpoint]: 5,
    });
    // Measured slow a second ago: still passed over.
    const [recent] = slots({ latencyMs: 64, latencyAgeMs: 1_000 });
    expect(balancer.pick([recent!, fast!])).toBe(fast);
  });

  it("a new measurement blends into the decayed estimate, not the stale one", () => {
    const a = new EndpointScore();
    const now = performance.now();
    a.observeLatency(100, now - 10_000); // 50 ms by now
    a.observeLatency(10, now); // EWMA: 50 + 0.2 * (10 - 50)
    expect(a.latencyAt(now)).toBeCloseTo(42, 5);
    expect(a.latencyAt(now + 10_000)).toBeCloseTo(21, 5);
  });

  it("forgets failures over time: a failure score halves every 10 s", () => {
    const a = new EndpointScore();
    const now = performance.now();
    a.observeFailure(now - 20_000);
    expect(a.failureScore(now)).toBeCloseTo(0.25, 5);
    a.observeFailure(now);
    expect(a.failureScore(now)).toBeCloseTo(1.25, 5);
    expect(a.failureScore(now + 10_000)).toBeCloseTo(0.625, 5);
  });
});
