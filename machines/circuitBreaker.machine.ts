import { assign, emit, type SnapshotFrom, setup } from "xstate";

/**
 * The circuit breaker of one endpoint, as a pure statechart: no timers of its own (the reset timeout is
 * a named XState delay, so the actor's clock drives it), no I/O, no wall-clock reads. The runtime
 * wrapper (`src/core/breaker/CircuitBreaker.ts`) sends outcomes in and stamps the emitted transitions.
 */

/** What the breaker is created with. */
export interface CircuitBreakerInput {
  /** The endpoint this breaker guards (its URL); copied into every emitted transition. */
  endpoint: string;
  /** Consecutive failures (while closed) that open the breaker. At least 1. */
  failureThreshold: number;
  /**
   * The longest the breaker stays open before it lets probes through (half-open). It opens for
   * `baseResetTimeoutMs` the first time, twice as long each time it opens again without closing in
   * between, up to this.
   */
  resetTimeoutMs: number;
  /** How long it stays open the first time (see `resetTimeoutMs`). Default `resetTimeoutMs`. */
  baseResetTimeoutMs?: number;
  /** Probe calls allowed at once while half-open. Default 1. */
  halfOpenMaxProbes?: number;
  /**
   * Optional second rule: open when the share of failures among the last `windowSize` outcomes reaches
   * this ratio (0..1). Catches endpoints that fail often but not consecutively. Off when omitted.
   */
  failureRateThreshold?: number;
  /** Outcomes remembered for the failure-rate rule (a count-based sliding window). Default 20. */
  windowSize?: number;
  /**
   * Outcomes the window must hold before the failure-rate rule may trip, so two failures out of the
   * first three calls do not open the breaker. Default `windowSize`.
   */
  minimumThroughput?: number;
}

/** The breaker's memory. */
export interface CircuitBreakerContext {
  endpoint: string;
  failureThreshold: number;
  resetTimeoutMs: number;
  baseResetTimeoutMs: number;
  halfOpenMaxProbes: number;
  /** `undefined` when the failure-rate rule is off. */
  failureRateThreshold: number | undefined;
  windowSize: number;
  minimumThroughput: number;
  /** Failures in a row; cleared by a success while closed and by closing. */
  consecutiveFailures: number;
  /** Recent outcomes, oldest first, `true` for a failure. Stays empty when the rate rule is off. */
  window: readonly boolean[];
  /** Probe calls let through while half-open whose outcome has not arrived yet. */
  probesInFlight: number;
  /** Times opened since it last closed (the current opening included). */
  opens: number;
}

/** What the breaker accepts. */
export type CircuitBreakerEvent =
  /** A guarded call succeeded. */
  | { type: "breaker.success" }
  /** A guarded call failed in a way that counts against the endpoint. */
  | { type: "breaker.failure" }
  /** Ask to let one call through while half-open; refused (ignored) when all probe slots are taken. */
  | { type: "breaker.probe" }
  /** A probe ended without a verdict (aborted, or an error that says nothing about the endpoint). */
  | { type: "breaker.release" }
  /** Close the breaker by hand and forget its counts (also ends an isolation). */
  | { type: "breaker.reset" }
  /** Hold the breaker open by hand, with no timeout, until `breaker.reset`. */
  | { type: "breaker.isolate" }
  /**
   * The endpoint, found unreachable while the breaker was open, accepts connections again (a cheap
   * probe of the runtime's): let probes through now instead of at the end of the open time.
   */
  | { type: "breaker.reachable" };

/** Where a breaker stands. */
export type BreakerState = "closed" | "open" | "halfOpen";

/** What the breaker emits on every change of state; the runtime stamps it with `ts`. */
export interface CircuitBreakerEmitted {
  type: "breaker.transition";
  endpoint: string;
  from: BreakerState;
  to: BreakerState;
  /** Consecutive failures counted when the transition happened. */
  failures: number;
}

interface TransitionParams {
  from: BreakerState;
  to: BreakerState;
}

/** Outcomes the failure-rate window holds when `windowSize` is not given. */
export const DEFAULT_WINDOW_SIZE = 20;

/** How long the breaker stays open this time: doubling with each opening in a row, capped. */
export function openMs(context: CircuitBreakerContext): number {
  const grown = context.baseResetTimeoutMs * 2 ** Math.max(0, context.opens - 1);
  return Math.min(context.resetTimeoutMs, grown);
}

/** Appends an outcome to the sliding window, dropping the oldest beyond `size`. */
function pushOutcome(window: readonly boolean[], failed: boolean, size: number): boolean[] {
  const next = window.length >= size ? window.slice(window.length - size + 1) : window.slice();
  next.push(failed);
  return next;
}

function rateRuleTrips(context: CircuitBreakerContext, window: readonly boolean[]): boolean {
  if (context.failureRateThreshold === undefined || window.length < context.minimumThroughput) return false;
  let failures = 0;
  for (const failed of window) if (failed) failures++;
  return failures / window.length >= context.failureRateThreshold;
}

export const circuitBreakerMachine = setup({
  types: {
    input: {} as CircuitBreakerInput,
    context: {} as CircuitBreakerContext,
    events: {} as CircuitBreakerEvent,
    emitted: {} as CircuitBreakerEmitted,
  },
  guards: {
    /** This failure makes `failureThreshold` in a row, or trips the failure-rate rule. */
    failureTrips: ({ context }) =>
      context.consecutiveFailures + 1 >= context.failureThreshold ||
      (context.failureRateThreshold !== undefined &&
        rateRuleTrips(context, pushOutcome(context.window, true, context.windowSize))),
    /** A half-open probe slot is free. */
    probeSlotFree: ({ context }) => context.probesInFlight < context.halfOpenMaxProbes,
  },
  delays: {
    /** Read from context so each endpoint (and each test's SimulatedClock) sets its own. */
    resetTimeout: ({ context }) => openMs(context),
  },
  actions: {
    /** A success while closed: the streak of failures is broken. */
    countSuccess: assign(({ context }) => ({
      consecutiveFailures: 0,
      window:
        context.failureRateThreshold === undefined
          ? context.window
          : pushOutcome(context.window, false, context.windowSize),
    })),
    /** A failure that does not (yet) open the breaker. */
    countFailure: assign(({ context }) => ({
      consecutiveFailures: context.consecutiveFailures + 1,
      window:
        context.failureRateThreshold === undefined
          ? context.window
          : pushOutcome(context.window, true, context.windowSize),
    })),
    /** Opening: keep the failure count (it is reported), drop probes and the window's history. */
    markOpened: assign(({ context, event }) => ({
      consecutiveFailures:
        event.type === "breaker.failure" ? context.consecutiveFailures + 1 : context.consecutiveFailures,
      window: [],
      probesInFlight: 0,
      opens: context.opens + 1,
    })),
    /** Closing: a clean slate. */
    markClosed: assign({ consecutiveFailures: 0, window: [], probesInFlight: 0, opens: 0 }),
    /** Half-open starts with every probe slot free. */
    markHalfOpen: assign({ probesInFlight: 0 }),
    takeProbe: assign(({ context }) => ({ probesInFlight: context.probesInFlight + 1 })),
    releaseProbe: assign(({ context }) => ({ probesInFlight: Math.max(0, context.probesInFlight - 1) })),
    /** The one outbound event: emitted after the context of the transition is assigned. */
    emitTransition: emit(
      ({ context }, params: TransitionParams): CircuitBreakerEmitted => ({
        type: "breaker.transition",
        endpoint: context.endpoint,
        from: params.from,
        to: params.to,
        failures: context.consecutiveFailures,
      }),
    ),
  },
}).createMachine({
  id: "circuitBreaker",
  initial: "closed",
  context: ({ input }) => {
    const windowSize = input.windowSize ?? DEFAULT_WINDOW_SIZE;
    return {
      endpoint: input.endpoint,
      failureThreshold: input.failureThreshold,
      resetTimeoutMs: input.resetTimeoutMs,
      baseResetTimeoutMs: Math.min(input.baseResetTimeoutMs ?? input.resetTimeoutMs, input.resetTimeoutMs),
      halfOpenMaxProbes: input.halfOpenMaxProbes ?? 1,
      failureRateThreshold: input.failureRateThreshold,
      windowSize,
      minimumThroughput: input.minimumThroughput ?? windowSize,
      consecutiveFailures: 0,
      window: [],
      probesInFlight: 0,
      opens: 0,
    };
  },
  states: {
    /** Calls flow; failures are counted, and enough of them (in a row, or by rate) open the breaker. */
    closed: {
      on: {
        "breaker.success": { actions: "countSuccess" },
        "breaker.failure": [
          {
            guard: "failureTrips",
            target: "open",
            actions: ["markOpened", { type: "emitTransition", params: { from: "closed", to: "open" } }],
          },
          { actions: "countFailure" },
        ],
        "breaker.reset": { actions: "markClosed" },
        "breaker.isolate": {
          target: "#circuitBreaker.open.isolated",
          actions: ["markOpened", { type: "emitTransition", params: { from: "closed", to: "open" } }],
        },
      },
    },
    /**
     * Calls fail fast. Outcomes of calls let through before the breaker opened are ignored: they say
     * nothing newer than the failures that opened it.
     */
    open: {
      initial: "cooling",
      on: {
        "breaker.reset": {
          target: "closed",
          actions: ["markClosed", { type: "emitTransition", params: { from: "open", to: "closed" } }],
        },
        "breaker.isolate": ".isolated",
      },
      states: {
        /**
         * Waiting before letting probes through: `baseResetTimeoutMs`, doubled for each opening in a row,
         * up to `resetTimeoutMs`; or until the endpoint is found reachable again.
         */
        cooling: {
          after: {
            resetTimeout: {
              target: "#circuitBreaker.halfOpen",
              actions: ["markHalfOpen", { type: "emitTransition", params: { from: "open", to: "halfOpen" } }],
            },
          },
          on: {
            "breaker.reachable": {
              target: "#circuitBreaker.halfOpen",
              actions: ["markHalfOpen", { type: "emitTransition", params: { from: "open", to: "halfOpen" } }],
            },
          },
        },
        /** Held open by hand (`breaker.isolate`); only `breaker.reset` leaves. */
        isolated: {},
      },
    },
    /**
     * Up to `halfOpenMaxProbes` calls are let through to test the endpoint: the first success closes the
     * breaker, the first failure re-opens it for another `resetTimeoutMs`.
     */
    halfOpen: {
      on: {
        "breaker.probe": { guard: "probeSlotFree", actions: "takeProbe" },
        "breaker.release": { actions: "releaseProbe" },
        "breaker.success": {
          target: "closed",
          actions: ["markClosed", { type: "emitTransition", params: { from: "halfOpen", to: "closed" } }],
        },
        "breaker.failure": {
          target: "open",
          actions: ["markOpened", { type: "emitTransition", params: { from: "halfOpen", to: "open" } }],
        },
        "breaker.reset": {
          target: "closed",
          actions: ["markClosed", { type: "emitTransition", params: { from: "halfOpen", to: "closed" } }],
        },
        "breaker.isolate": {
          target: "#circuitBreaker.open.isolated",
          actions: ["markOpened", { type: "emitTransition", params: { from: "halfOpen", to: "open" } }],
        },
      },
    },
  },
});

export type CircuitBreakerMachine = typeof circuitBreakerMachine;
export type CircuitBreakerSnapshot = SnapshotFrom<typeof circuitBreakerMachine>;

/** The coarse state (`closed`, `open` or `halfOpen`) of a snapshot; isolation counts as `open`. */
export function breakerStateOf(snapshot: CircuitBreakerSnapshot): BreakerState {
  const value = snapshot.value;
  return typeof value === "string" ? value : "open";
}

/** True when the breaker is held open by hand. */
export function isIsolated(snapshot: CircuitBreakerSnapshot): boolean {
  return snapshot.matches({ open: "isolated" });
}

/**
 * Would a call be let through now? Closed: yes; open: no; half-open: only while a probe slot is free.
 * Pure: it does not take the slot (send `breaker.probe` for that).
 */
export function canPass(snapshot: CircuitBreakerSnapshot): boolean {
  const value = snapshot.value;
  if (value === "closed") return true;
  if (value === "halfOpen") return snapshot.context.probesInFlight < snapshot.context.halfOpenMaxProbes;
  return false;
}
