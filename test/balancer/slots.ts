// Hand-made endpoint stats for balancer tests: what a balancer reads of an endpoint, nothing more.
import { EndpointScore } from "../../src/core/balancer/EndpointScore.js";
import type { EndpointStats } from "../../src/core/balancer/EndpointStats.js";

export interface SlotSpec {
  /** Leases in flight. Default 0. */
  leased?: number;
  /** Latency EWMA in ms; undefined = never measured. */
  latencyMs?: number;
  /** Failures observed just now. Default 0. */
  failures?: number;
  /** How long ago the latency was observed, ms. Default 0 (just now). */
  latencyAgeMs?: number;
}

export interface TestSlot extends EndpointStats {
  leased: number;
}

export function slot(endpoint: string, spec: SlotSpec = {}, now = performance.now()): TestSlot {
  const score = new EndpointScore();
  if (spec.latencyMs !== undefined) score.observeLatency(spec.latencyMs, now - (spec.latencyAgeMs ?? 0));
  for (let i = 0; i < (spec.failures ?? 0); i++) score.observeFailure(now);
  return {
    endpoint,
    leased: spec.leased ?? 0,
    latencyAt: (at) => score.latencyAt(at),
    failureScore: (at) => score.failureScore(at),
  };
}

/** Slots a, b, c, ... with the given specs, their latencies observed at one instant. */
export function slots(...specs: SlotSpec[]): TestSlot[] {
  const now = performance.now();
  return specs.map((spec, i) => slot(`ws://${String.fromCharCode(97 + i)}:8000`, spec, now));
}

/** A `random` that returns the given values in turn (cycling), for deterministic tests. */
export function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

/** How often each endpoint was picked in `n` picks. */
export function tally(pick: () => EndpointStats | undefined, n: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const chosen = pick();
    const key = chosen?.endpoint ?? "none";
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
