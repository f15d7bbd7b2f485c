import { optionalDuration, optionalSignal, optionsObject } from "../util/arguments.js";
// Options and reports of an agent session's calls.

/** Options of `session.acquire()`. */
export interface SessionAcquireOptions {
  /** Abandons the acquire when it fires, in the session's queue or the pool's. */
  signal?: AbortSignal;
  /** Longest wait over both queues. Default: the session's `acquireTimeoutMs`. */
  timeoutMs?: number;
}

/** Options of `session.close()`. */
export interface SessionCloseOptions {
  /** Overrides the session's `closeTimeoutMs` for this close. */
  timeoutMs?: number;
}

/** What `close()` reports. */
export interface SessionCloseReport {
  agentId: string;
  /** Leases closing released itself because the agent had not within the timeout. */
  forcedReleases: number;
  /** Transactions left pending; they stay pending in the (durable) log. */
  pendingTransactions: number;
  /** Log events in total, all durable when a sink is configured. */
  logEvents: number;
}

/** Where an agent session is in its life (the machine's top-level state). */
export type AgentSessionState = "creating" | "active" | "closing" | "closed" | "failed";

/** `session.acquire(options)`'s arguments, checked (an `ArgumentError` naming the bad one) before anything runs. */
export function acquireArguments(
  acquireOptions: SessionAcquireOptions | undefined,
  defaultTimeoutMs: number,
): { signal: AbortSignal | undefined; timeoutMs: number } {
  // The usual call passes nothing: nothing to check.
  if (acquireOptions === undefined) return { signal: undefined, timeoutMs: defaultTimeoutMs };
  const options = optionsObject<SessionAcquireOptions>("session.acquire(options)", acquireOptions);
  const signal = optionalSignal("session.acquire(options).signal", options.signal);
  const timeoutMs =
    optionalDuration("session.acquire(options).timeoutMs", options.timeoutMs, true) ?? defaultTimeoutMs;
  return { signal, timeoutMs };
}

/** `session.close(options)`'s arguments, checked likewise. */
export function closeArguments(closeOptions: SessionCloseOptions | undefined): SessionCloseOptions {
  const o = optionsObject<SessionCloseOptions>("session.close(options)", closeOptions);
  return { timeoutMs: optionalDuration("session.close(options).timeoutMs", o.timeoutMs, true) };
}
