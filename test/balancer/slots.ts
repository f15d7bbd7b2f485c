// Hand-made EndpointSlots for balancer tests: a slot only needs its connector's `endpoint`.
import type { Connector } from "../../src/connection/Connector.js";
import { EndpointSlot } from "../../src/pool/EndpointSlot.js";

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

export function slot(endpoint: string, spec: SlotSpec = {}, now = performance.now()): EndpointSlot {
  const connector: Connector = {
    endpoint,
    open: () => Promise.reject(new Error("a balancer test never opens connections")),
    dispose: async () => {},
  };
  const s = new EndpointSlot(connector);
  s.leased = spec.leased ?? 0;
  if (spec.latencyMs !== undefined) s.observeLatency(spec.latencyMs, now - (spec.latencyAgeMs ?? 0));
  for (let i = 0; i < (spec.failures ?? 0); i++) s.observeFailure();
  return s;
}

/** Slots a, b, c, ... with the given specs, their latencies observed at one instant. */
export function slots(...specs: SlotSpec[]): EndpointSlot[] {
  const now = performance.now();
  return specs.map((spec, i) => slot(`ws://${String.fromCharCode(97 + i)}:8000`, spec, now));
}

/** A `random` that returns the given values in turn (cycling), for deterministic tests. */
export function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

/** How often each endpoint was picked in `n` picks. */
export function tally(pick: () => EndpointSlot | undefined, n: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const chosen = pick();
    const key = chosen?.endpoint ?? "none";
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
