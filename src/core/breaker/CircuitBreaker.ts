import { type Observable, Subject } from "rxjs";
import { type Actor, type ActorOptions, type AnyActorLogic, createActor } from "xstate";
import {
  breakerStateOf,
  type CircuitBreakerEvent,
  type CircuitBreakerInput,
  canPass,
  circuitBreakerMachine,
  DEFAULT_WINDOW_SIZE,
  isIsolated,
  openMs,
} from "../../../machines/circuitBreaker.machine.js";
import { CircuitOpenError } from "../../errors/CircuitOpenError.js";
import { ConfigError, type ConfigIssue } from "../../errors/ConfigError.js";
import { classifyError } from "../../errors/classifyError.js";
import type { BreakerState, BreakerTransition } from "../../events/PoolEvent.js";

/** How a `CircuitBreaker` is built: the machine's input plus runtime hooks. */
export interface BreakerOptions extends CircuitBreakerInput {
  /**
   * Which errors count against the endpoint. Others (the server answered: a parse error, a permission
   * error, a conflict; or the caller aborted) neither count nor clear the count, and free their probe
   * slot. Default: connection failures, timeouts and unrecognised errors count.
   */
  isFailure?: (error: unknown) => boolean;
  /** XState inspection observer (e.g. the Stately inspector) attached to the breaker's actor. */
  inspect?: ActorOptions<AnyActorLogic>["inspect"];
  /** Timer source for the reset timeout; a `SimulatedClock` in tests. Default the real timers. */
  clock?: ActorOptions<AnyActorLogic>["clock"];
  /** Epoch-ms clock for timestamps. Default `clock.now()` when the clock has one, else `Date.now`. */
  now?: () => number;
  /** The actor's system id, so an inspector can tell endpoints apart. Default `breaker:<endpoint>`. */
  systemId?: string;
}

/** The breaker's status as `healthStatus()` reports it. */
export interface BreakerStatus {
  endpoint: string;
  state: BreakerState;
  /** True when held open by hand until `reset()`. */
  isolated: boolean;
  /** Consecutive failures counted. */
  failures: number;
  /** Epoch ms when the breaker entered its current state. */
  since: number;
  /** Epoch ms when an open breaker lets probes through; absent unless open and not isolated. */
  nextProbeAt?: number;
  /** Half-open probes in flight. */
  probesInFlight: number;
}

/** Default `isFailure`: endpoint trouble counts; answers from a live server and caller aborts do not. */
function defaultIsFailure(error: unknown): boolean {
  const { category } = classifyError(error);
  return category === "connection" || category === "timeout" || category === "unknown";
}

/**
 * The runtime of one endpoint's circuit breaker: runs `circuitBreakerMachine`, stamps its transitions
 * and publishes them on `transitions$`. Calls in the closed state cost no event.
 */
export class CircuitBreaker {
  readonly endpoint: string;
  /** Hot: every transition after subscription, with `ts`. Completes on `stop()`. */
  readonly transitions$: Observable<BreakerTransition>;

  readonly #actor: Actor<typeof circuitBreakerMachine>;
  readonly #subject = new Subject<BreakerTransition>();
  readonly #now: () => number;
  readonly #isFailure: (error: unknown) => boolean;
  /** Whether the outcome of a success can change anything while closed (skips no-op events). */
  readonly #tracksSuccesses: boolean;
  #since: number;
  #state: BreakerState = "closed";

  constructor(options: BreakerOptions) {
    validate(options);
    const { isFailure, inspect, clock, now, systemId, ...input } = options;
    this.endpoint = input.endpoint;
    this.#isFailure = isFailure ?? defaultIsFailure;
    this.#tracksSuccesses = input.failureRateThreshold !== undefined;
    const clockNow = (clock as { now?: () => number } | undefined)?.now;
    this.#now = now ?? (clockNow ? () => clockNow.call(clock) : Date.now);
    this.#since = this.#now();
    this.transitions$ = this.#subject.asObservable();
    // XState spreads its options over its defaults: an explicit `clock: undefined` would erase the real clock.
    this.#actor = createActor(circuitBreakerMachine, {
      input,
      systemId: systemId ?? `breaker:${input.endpoint}`,
      ...(inspect ? { inspect } : {}),
      ...(clock ? { clock } : {}),
    });
    this.#actor.on("breaker.transition", (event) => {
      const ts = this.#now();
      this.#since = ts;
      this.#state = event.to;
      this.#subject.next({ ...event, ts });
    });
    this.#actor.start();
  }

  /** The machine's state, as its last transition left it (read on every acquire: kept, not recomputed). */
  get state(): BreakerState {
    return this.#state;
  }

  get isolated(): boolean {
    return isIsolated(this.#actor.getSnapshot());
  }

  /**
   * May a call go through now? Closed: yes. Half-open: yes while a probe slot is free, and the slot is
   * taken. Open: no. After a true, report the call's outcome with `recordSuccess`/`recordFailure`.
   */
  tryPass(): boolean {
    const snapshot = this.#actor.getSnapshot();
    if (snapshot.value === "closed") return true;
    if (!canPass(snapshot)) return false;
    this.#send({ type: "breaker.probe" });
    return true;
  }

  recordSuccess(): void {
    const snapshot = this.#actor.getSnapshot();
    // Closed with nothing to clear: the event would change nothing, so save it.
    const noop =
      snapshot.value === "closed" && !this.#tracksSuccesses && snapshot.context.consecutiveFailures === 0;
    if (!noop) this.#send({ type: "breaker.success" });
  }

  /**
   * Reports a failed call. Errors `isFailure` does not count free the probe slot (when half-open) and
   * change nothing else. Without an error the failure always counts.
   */
  recordFailure(error?: unknown): void {
    this.#settleFailure(error, true);
  }

  /** Whether `error` counts against the endpoint (see `BreakerOptions.isFailure`). */
  counts(error: unknown): boolean {
    return this.#isFailure(error);
  }

  /** Runs `fn` through the breaker: fails fast with `CircuitOpenError` when it may not pass. */
  async execute<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.tryPass()) throw this.openError();
    // A call let through while closed holds no probe slot, so it must not free one when it ends.
    const probe = this.#actor.getSnapshot().value !== "closed";
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      this.#settleFailure(error, probe);
      throw error;
    }
    this.recordSuccess();
    return result;
  }

  /**
   * The error a refused call fails with; describes when the breaker opened and when it probes again,
   * and carries `cause` (what the endpoint last failed with) when given.
   */
  openError(cause?: Error): CircuitOpenError {
    const status = this.toJSON();
    return new CircuitOpenError({
      cause,
      endpoint: this.endpoint,
      state: status.state === "halfOpen" ? "halfOpen" : "open",
      since: status.since,
      retryAfterMs:
        status.nextProbeAt === undefined ? undefined : Math.max(0, status.nextProbeAt - this.#now()),
      isolated: status.isolated,
    });
  }

  /** Holds the breaker open until `reset()` (e.g. to take an endpoint out for maintenance). */
  isolate(): void {
    this.#send({ type: "breaker.isolate" });
  }

  /** Closes the breaker and forgets its counts; also ends an isolation. */
  reset(): void {
    this.#send({ type: "breaker.reset" });
  }

  /**
   * The endpoint was found unreachable while open and accepts connections again: probes may go through
   * now (ignored unless open and not isolated).
   */
  reachable(): void {
    this.#send({ type: "breaker.reachable" });
  }

  toJSON(): BreakerStatus {
    const snapshot = this.#actor.getSnapshot();
    const state = breakerStateOf(snapshot);
    const isolated = isIsolated(snapshot);
    const status: BreakerStatus = {
      endpoint: this.endpoint,
      state,
      isolated,
      failures: snapshot.context.consecutiveFailures,
      since: this.#since,
      probesInFlight: snapshot.context.probesInFlight,
    };
    if (state === "open" && !isolated) status.nextProbeAt = this.#since + openMs(snapshot.context);
    return status;
  }

  #settleFailure(error: unknown, heldProbe: boolean): void {
    if (error === undefined || this.#isFailure(error)) {
      this.#send({ type: "breaker.failure" });
    } else if (heldProbe && this.#actor.getSnapshot().value === "halfOpen") {
      this.#send({ type: "breaker.release" });
    }
  }

  /** Outcomes that arrive after `stop()` (calls still in flight at shutdown) are dropped quietly. */
  #send(event: CircuitBreakerEvent): void {
    if (this.#actor.getSnapshot().status === "active") this.#actor.send(event);
  }

  /** Stops the actor (and its reset timer) and completes `transitions$`. */
  stop(): void {
    this.#actor.stop();
    this.#subject.complete();
  }
}

function validate(options: BreakerOptions): void {
  const issues: ConfigIssue[] = [];
  const problem = (key: string, message: string) => issues.push({ path: `circuitBreaker.${key}`, message });
  const { failureThreshold, resetTimeoutMs, halfOpenMaxProbes, failureRateThreshold, windowSize } = options;
  if (!Number.isInteger(failureThreshold) || failureThreshold < 1) {
    problem("failureThreshold", `must be an integer >= 1, got ${failureThreshold}`);
  }
  if (!(resetTimeoutMs >= 0) || !Number.isFinite(resetTimeoutMs)) {
    problem("resetTimeoutMs", `must be a finite number >= 0, got ${resetTimeoutMs}`);
  }
  const base = options.baseResetTimeoutMs;
  if (base !== undefined && (!(base >= 0) || !Number.isFinite(base))) {
    problem("baseResetTimeoutMs", `must be a finite number >= 0, got ${base}`);
  }
  if (halfOpenMaxProbes !== undefined && (!Number.isInteger(halfOpenMaxProbes) || halfOpenMaxProbes < 1)) {
    problem("halfOpenMaxProbes", `must be an integer >= 1, got ${halfOpenMaxProbes}`);
  }
  if (failureRateThreshold !== undefined && !(failureRateThreshold > 0 && failureRateThreshold <= 1)) {
    problem("failureRateThreshold", `must be in (0, 1], got ${failureRateThreshold}`);
  }
  for (const key of ["windowSize", "minimumThroughput"] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      problem(key, `must be an integer >= 1, got ${value}`);
    }
  }
  const minimum = options.minimumThroughput;
  if (minimum !== undefined && minimum > (windowSize ?? DEFAULT_WINDOW_SIZE)) {
    // The window never holds more than windowSize outcomes, so the rate rule could never trip.
    problem(
      "minimumThroughput",
      `must not exceed windowSize (${windowSize ?? DEFAULT_WINDOW_SIZE}), got ${minimum}`,
    );
  }
  if (issues.length > 0) throw new ConfigError(issues);
}
