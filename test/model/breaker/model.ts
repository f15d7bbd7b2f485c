import { expect } from "vitest";
import { SimulatedClock } from "xstate";
import { CircuitBreaker } from "../../../src/core/breaker/CircuitBreaker.js";
import type { BreakerState, BreakerTransition } from "../../../src/events/PoolEvent.js";

/**
 * The model of one endpoint's breaker: far simpler than the machine (no window, no XState), so a
 * disagreement points at the code, not at a second copy of it.
 */
export interface BreakerModel {
  readonly threshold: number;
  /** The longest open time, and the first. */
  readonly resetMs: number;
  readonly baseMs: number;
  readonly maxProbes: number;
  state: BreakerState;
  isolated: boolean;
  failures: number;
  probes: number;
  /** Openings since it last closed. */
  opens: number;
  /** Simulated time now, and when the current state began. */
  now: number;
  since: number;
  /** Transitions the real breaker must have published, as "from->to". */
  transitions: string[];
}

/** The system under test: the runtime wrapper running the real machine on a simulated clock. */
export interface BreakerReal {
  breaker: CircuitBreaker;
  clock: SimulatedClock;
  published: BreakerTransition[];
}

export const ENDPOINT = "ws://model:8000";

export function setup(
  threshold: number,
  resetMs: number,
  maxProbes: number,
  baseMs = resetMs,
): () => {
  model: BreakerModel;
  real: BreakerReal;
} {
  return () => {
    const clock = new SimulatedClock();
    const breaker = new CircuitBreaker({
      endpoint: ENDPOINT,
      failureThreshold: threshold,
      resetTimeoutMs: resetMs,
      baseResetTimeoutMs: baseMs,
      halfOpenMaxProbes: maxProbes,
      clock,
    });
    const published: BreakerTransition[] = [];
    breaker.transitions$.subscribe((t) => published.push(t));
    const model: BreakerModel = {
      threshold,
      resetMs,
      baseMs: Math.min(baseMs, resetMs),
      maxProbes,
      opens: 0,
      state: "closed",
      isolated: false,
      failures: 0,
      probes: 0,
      now: 0,
      since: 0,
      transitions: [],
    };
    return { model, real: { breaker, clock, published } };
  };
}

/** How long the current opening lasts: the first `baseMs`, doubling per opening in a row, up to `resetMs`. */
export function openMs(m: BreakerModel): number {
  let ms = m.baseMs;
  for (let i = 1; i < m.opens; i++) ms *= 2;
  return Math.min(m.resetMs, ms);
}

/** Moves the model to `to`, recording the transition the real breaker must publish. */
export function transition(m: BreakerModel, to: BreakerState): void {
  if (to === "open") m.opens++;
  if (to === "closed") m.opens = 0;
  m.transitions.push(`${m.state}->${to}`);
  m.state = to;
  m.since = m.now;
  m.probes = 0;
}

/** After every command: the real breaker agrees with the model on everything observable. */
export function assertAgrees(m: BreakerModel, r: BreakerReal): void {
  const status = r.breaker.toJSON();
  expect(r.breaker.state).toBe(m.state);
  expect(status).toEqual({
    endpoint: ENDPOINT,
    state: m.state,
    isolated: m.isolated,
    failures: m.failures,
    since: m.since,
    probesInFlight: m.probes,
    ...(m.state === "open" && !m.isolated ? { nextProbeAt: m.since + openMs(m) } : {}),
  });
  expect(r.published.map((t) => `${t.from}->${t.to}`)).toEqual(m.transitions);
  const last = r.published.at(-1);
  if (last) {
    expect(last.endpoint).toBe(ENDPOINT);
    expect(last.ts).toBe(m.since);
  }
}
