import type { PoolOptions } from "../config/options.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import type { ConnectionLifecycle } from "./ConnectionLifecycle.js";
import type { Endpoint } from "./Endpoint.js";
import { EndpointCounts } from "./EndpointCounts.js";
import { LeakDetector } from "./LeakDetector.js";
import type { PooledConnection } from "./PooledConnection.js";
import { type RebalanceHost, Rebalancer } from "./Rebalancer.js";

/** What the housekeeper works on: the pool's endpoints, through the lifecycle that moves connections. */
export interface HousekeeperOptions {
  endpoints: readonly Endpoint[];
  options: PoolOptions;
  lifecycle: ConnectionLifecycle;
  publish(event: PoolEvent): void;
  /** True while the pool takes work (the rebalancer opens connections only then). */
  running(): boolean;
  /** Runs the pool's one dispatch (serve waiters, open for demand). */
  dispatch(): void;
  /** Interval of the lifetime, idle, leak and rebalance passes. */
  intervalMs: number;
}

/**
 * The pool's periodic work, in one place: the lifetime and idle passes, leak detection and
 * rebalancing (every `intervalMs`), and the health pass (every `healthCheckIntervalMs`). It only
 * reads and moves connections through their Endpoints and the host, then calls the dispatch.
 */
export class Housekeeper extends EndpointCounts implements RebalanceHost {
  readonly endpoints: readonly Endpoint[];
  readonly #host: HousekeeperOptions;
  readonly #options: PoolOptions;
  readonly #lifecycle: ConnectionLifecycle;
  readonly #leaks: LeakDetector | undefined;
  readonly #rebalancer = new Rebalancer();
  readonly #intervalMs: number;
  #passTimer: ReturnType<typeof setInterval> | undefined;
  #healthTimer: ReturnType<typeof setInterval> | undefined;

  constructor(host: HousekeeperOptions) {
    super();
    this.#host = host;
    this.endpoints = host.endpoints;
    this.#options = host.options;
    this.#lifecycle = host.lifecycle;
    const threshold = host.options.leakDetectionThresholdMs;
    this.#leaks = threshold === null ? undefined : new LeakDetector(threshold, (e) => host.publish(e));
    this.#intervalMs = host.intervalMs;
  }

  // --- what the rebalancer may do ------------------------------------------------------------------

  /** Open plus opening connections, over every endpoint. */
  get total(): number {
    return this.size + this.pending;
  }

  get maxConnections(): number {
    return this.#options.maxConnections;
  }

  openOn(endpoint: Endpoint): PooledConnection | undefined {
    return this.#host.running() ? this.#lifecycle.open(endpoint) : undefined;
  }

  retireIdle(endpoint: Endpoint): boolean {
    const longestIdle = endpoint.idleConnections[0];
    if (!longestIdle) return false;
    this.#lifecycle.retire(longestIdle, "rebalance");
    return true;
  }

  /** A connection opened: the rebalancer hears of every one. */
  opened(connection: PooledConnection): void {
    this.#rebalancer.opened(this, connection);
  }

  start(): void {
    // Unref'd: housekeeping alone must never keep a process alive.
    this.#passTimer = setInterval(() => this.pass(), this.#intervalMs);
    this.#passTimer.unref?.();
    this.#healthTimer = setInterval(() => void this.healthPass(), this.#options.healthCheckIntervalMs);
    this.#healthTimer.unref?.();
  }

  stop(): void {
    clearInterval(this.#passTimer);
    clearInterval(this.#healthTimer);
  }

  /** Lifetime, idle, leak and rebalance passes, then a dispatch. */
  pass(now = performance.now()): void {
    const { idleTimeoutMs, minConnections } = this.#options;
    // Connections that stay after this pass (open, not retiring); never shrink below minConnections
    // for idleness.
    let staying = this.size - this.retiring;
    for (const endpoint of this.endpoints) {
      // Oldest idle first (bottom of the stack). Copy: retiring one changes the stack.
      for (const connection of [...endpoint.idleConnections]) {
        if (now >= connection.expiresAt) {
          this.#lifecycle.retire(connection, "lifetime");
          staying--;
        } else if (
          idleTimeoutMs !== null &&
          now - connection.idleSince > idleTimeoutMs &&
          staying > minConnections
        ) {
          this.#lifecycle.retire(connection, "idle");
          staying--;
        }
      }
      if (this.#leaks) this.#leaks.scan(endpoint.leases(), now);
    }
    this.#rebalancer.pass(this);
    this.#host.dispatch();
  }

  /**
   * Pings every idle connection (a socket that says "connected" but never answers fails its deadline
   * and is replaced); each goes back as soon as its own ping answers. An embedded engine is pinged once
   * for all its sessions. Resolves with how many passed and failed.
   */
  async healthPass(): Promise<{ passed: number; failed: number }> {
    const checks: Promise<{ passed: number; failed: number }>[] = [];
    for (const endpoint of this.endpoints) {
      if (endpoint.idle === 0) continue;
      if (endpoint.connector.pingAll) {
        checks.push(this.checkAll(endpoint));
        continue;
      }
      for (let connection = endpoint.popIdle(); connection; connection = endpoint.popIdle()) {
        checks.push(this.check(connection, endpoint).then((ok) => (ok ? PASSED : FAILED)));
      }
    }
    const results = await Promise.all(checks);
    let passed = 0;
    let failed = 0;
    for (const r of results) {
      passed += r.passed;
      failed += r.failed;
    }
    return { passed, failed };
  }

  /** Pings a connection taken off its idle stack (health pass, validate-before-lease), then returns it or it retires. */
  check(connection: PooledConnection, endpoint: Endpoint): Promise<boolean> {
    endpoint.toChecking(connection);
    return connection.validate().then((ok) => {
      if (ok && connection.place === "checking") endpoint.toIdle(connection, performance.now(), false);
      this.#host.dispatch();
      return ok;
    });
  }

  /** One round trip checks every idle connection of an endpoint whose connector can (an embedded engine). */
  async checkAll(endpoint: Endpoint): Promise<{ passed: number; failed: number }> {
    const batch: PooledConnection[] = [];
    for (let c = endpoint.popIdle(); c; c = endpoint.popIdle()) {
      endpoint.toChecking(c);
      batch.push(c);
    }
    const started = performance.now();
    let verdicts: (Error | undefined)[];
    try {
      verdicts = await endpoint.connector.pingAll!(batch.map((c) => c.raw!));
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      verdicts = batch.map(() => failure);
    }
    const now = performance.now();
    let passed = 0;
    for (let i = 0; i < batch.length; i++) {
      const connection = batch[i]!;
      if (connection.place !== "checking") continue; // shutdown or a drop retired it meanwhile
      const error = verdicts[i];
      connection.checked(error === undefined, now - started, error);
      if (error === undefined) {
        passed++;
        endpoint.toIdle(connection, now, false);
      }
    }
    this.#host.dispatch();
    return { passed, failed: batch.length - passed };
  }
}

const PASSED = { passed: 1, failed: 0 };
const FAILED = { passed: 0, failed: 1 };
