import type { CircuitBreakerOptions, PoolOptions } from "../config/options.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import type { Balancer } from "./balancer/Balancer.js";
import type { CoreLease } from "./CoreLease.js";
import type { UnitSource } from "./Unit.js";
import type { UnitHooks } from "./UnitHooks.js";

export interface ConnectionPoolOptions<L extends CoreLease> {
  connectors: UnitSource[];
  /** The layer that knows what a unit is: makes its leases, readies them, judges their return. */
  hooks: UnitHooks<L>;
  pool: PoolOptions;
  /** Each endpoint's breaker. Default 5 failures, 30 s open, 1 probe. */
  circuitBreaker?: CircuitBreakerOptions;
  publish: (event: PoolEvent) => void;
  balancer?: Balancer;
  // biome-ignore lint/suspicious/noExplicitAny: XState inspection observer.
  inspect?: any;
  /** Deadline of closing one connection. Default 5 000. */
  closeTimeoutMs?: number;
  /** Interval of the idle reaper, lifetime and leak checks. Default min(1 000, idleTimeoutMs / 2). */
  housekeepingIntervalMs?: number;
}

export type PoolState = "starting" | "running" | "draining" | "closed";

/** Each endpoint's breaker when none is configured. */
export const DEFAULT_BREAKER: CircuitBreakerOptions = {
  failureThreshold: 5,
  resetTimeoutMs: 30_000,
  baseResetTimeoutMs: 250,
  halfOpenMaxProbes: 1,
};
