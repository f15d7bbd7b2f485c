import type { SurrealSession } from "surrealdb";
import type { Balancer } from "../core/balancer/Balancer.js";
import type { Endpoint } from "../core/Endpoint.js";
import { ArgumentError } from "../errors/ArgumentError.js";
import { OperationTimeoutError } from "../errors/OperationTimeoutError.js";
import { connectorOf } from "../surreal/rawOf.js";
import { describe, optionalDuration, optionalSignal, optionsObject } from "../util/arguments.js";
import { startsLiveQuery } from "../util/startsLiveQuery.js";
import { withDeadline } from "../util/withDeadline.js";
import type { RunResult } from "./runOnLease.js";
import { isConnectionLevel } from "./runOnLease.js";

/** Options of `manager.query()`. */
export interface QueryOptions {
  /** Stops waiting for the answer and any backoff wait between attempts. */
  signal?: AbortSignal;
  /**
   * Deadline of each attempt, ms; past it the attempt fails with `OperationTimeoutError` (transient:
   * retried). Default: `pool.queryTimeoutMs`.
   */
  timeoutMs?: number;
}

interface SharedRunOptions {
  signal?: AbortSignal;
  timeoutMs: number | undefined;
  /** Told the endpoint the attempt runs on. */
  note?: (endpoint: string) => void;
}

/** What the fast path needs of the pool. */
export interface SharedQueryHost {
  readonly endpoints: readonly Endpoint[];
  /** The remote strategy; undefined with one endpoint. */
  readonly balancer: Balancer | undefined;
  /** Told of every attempt's outcome on its endpoint (breaker and balancing learn from it). */
  record(endpoint: string, error: unknown): void;
}

/**
 * One attempt of a stateless call on a shared session (a shared socket's default session, or an
 * embedded engine's root session), without a lease: many run at once on one socket, as with the raw
 * SDK. The endpoint is chosen by the balancer among those whose breaker lets work through, and its
 * connector picks its least-loaded socket. Returns undefined when no endpoint has a shared session
 * ready (no socket open yet, a server without sessions): the caller takes a lease instead.
 */
export function runOnShared<T>(
  host: SharedQueryHost,
  work: (db: SurrealSession) => Promise<T>,
  options: SharedRunOptions,
): Promise<RunResult<T>> | undefined {
  const endpoints = host.endpoints;
  if (endpoints.length === 1) {
    // One endpoint (the usual case): no candidates array to build on every call.
    const only = endpoints[0]!;
    return only.canServe() && connectorOf(only).runShared ? attemptOn(host, only, work, options) : undefined;
  }
  const candidates = endpoints.filter((e) => e.canServe() && connectorOf(e).runShared);
  while (candidates.length > 0) {
    const endpoint =
      candidates.length === 1 ? candidates[0]! : (host.balancer?.pick(candidates) ?? candidates[0]!);
    const attempt = attemptOn(host, endpoint, work, options);
    if (attempt) return attempt;
    candidates.splice(candidates.indexOf(endpoint), 1);
  }
  return undefined;
}

function attemptOn<T>(
  host: SharedQueryHost,
  endpoint: Endpoint,
  work: (db: SurrealSession) => Promise<T>,
  { signal, timeoutMs, note }: SharedRunOptions,
): Promise<RunResult<T>> | undefined {
  const connector = connectorOf(endpoint);
  const began = performance.now();
  let used: SurrealSession | undefined;
  const running = connector.runShared!((db) => {
    used = db;
    return withinCallDeadline(work(db), timeoutMs, endpoint.endpoint, signal);
  });
  if (!running) return undefined;
  note?.(endpoint.endpoint);
  return running.then(
    (value) => {
      const now = performance.now();
      host.record(endpoint.endpoint, undefined);
      if (host.endpoints.length > 1) endpoint.observeLatency(now - began, now);
      return { value, endpoint: endpoint.endpoint, durationMs: now - began };
    },
    (error: unknown) => {
      host.record(endpoint.endpoint, error);
      // A shared socket cannot be discarded for one call: its connector checks it instead, and cuts it
      // (retiring its sessions) when it no longer answers.
      if (used && isConnectionLevel(error)) connector.suspect?.(used);
      throw error;
    },
  );
}

/**
 * One attempt's call within its deadline (`OperationTimeoutError` naming `endpoint`) and its caller's
 * signal; the call itself when it has neither (the usual one: no timer, no listener).
 */
export function withinCallDeadline<T>(
  call: Promise<T>,
  timeoutMs: number | undefined,
  endpoint: string,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (timeoutMs === undefined) return signal ? withDeadline(call, 2 ** 31 - 1, neverTimesOut, signal) : call;
  return withDeadline(call, timeoutMs, () => new OperationTimeoutError(timeoutMs, endpoint), signal);
}

function neverTimesOut(): Error {
  return new Error("unreachable: no deadline");
}

/** What `manager.query()` needs of the manager. */
export interface QueryHost extends SharedQueryHost {
  /** `pool.queryTimeoutMs` (null: none). */
  readonly queryTimeoutMs: number | null;
  /** False once shutdown began: attempts then go to `onLease`, whose acquire refuses them. */
  running(): boolean;
  /** One attempt on a lease: when no shared session is ready. */
  onLease<T>(
    fn: (db: SurrealSession) => Promise<T>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    note: (endpoint: string) => void,
  ): Promise<RunResult<T>>;
  /** Runs attempts with the manager's retry policy, budget and `operation.*` events; `note` names the endpoint. */
  retried<T>(
    attempt: (note: (endpoint: string) => void) => Promise<RunResult<T>>,
    signal: AbortSignal | undefined,
  ): Promise<T>;
}

/**
 * `manager.query()`: a stateless query in the pool's namespace/database, on a shared session when one
 * is ready (no lease), else on a lease; transient failures are retried like `executeWithRetry`.
 */
export function runQuery<T extends unknown[]>(
  host: QueryHost,
  text: unknown,
  vars: unknown,
  given: unknown,
): Promise<T> {
  let options: QueryOptions;
  // Refused before anything runs: a bad argument costs no attempt and no event.
  try {
    options = parseQueryArguments(text, vars, given);
  } catch (error) {
    return Promise.reject(error);
  }
  const timeoutMs = options.timeoutMs ?? host.queryTimeoutMs ?? undefined;
  const work = (db: SurrealSession) =>
    db.query<T>(text as string, vars as Record<string, unknown> | undefined) as unknown as Promise<T>;
  return host.retried(
    (note) =>
      (host.running() ? runOnShared(host, work, { signal: options.signal, timeoutMs, note }) : undefined) ??
      host.onLease(work, options.signal, options.timeoutMs, note),
    options.signal,
  );
}

export function parseQueryArguments(text: unknown, vars: unknown, options: unknown): QueryOptions {
  if (typeof text !== "string" || text.trim() === "") {
    throw new ArgumentError("query(text)", `must be a non-empty SurrealQL string, got ${describe(text)}`);
  }
  // The shared session belongs to no borrower: a live query registered there would outlive the call,
  // delivering to no one, and nothing would ever kill it.
  if (startsLiveQuery(text)) {
    throw new ArgumentError(
      "query(text)",
      "contains a LIVE SELECT, which would stay registered on a shared session that nothing kills; use manager.live(table or statement) for a stream that survives reconnects, or a lease (acquire()), whose release kills it",
    );
  }
  if (vars !== undefined && (typeof vars !== "object" || vars === null || Array.isArray(vars))) {
    throw new ArgumentError("query(text, vars)", `must be an object of variables, got ${describe(vars)}`);
  }
  const o = optionsObject<QueryOptions>("query(text, vars, options)", options);
  return {
    signal: optionalSignal("query(text, vars, options).signal", o.signal),
    timeoutMs: optionalDuration("query(text, vars, options).timeoutMs", o.timeoutMs),
  };
}
