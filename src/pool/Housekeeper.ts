import type { PoolOptions } from "../config/options.js";
import type { PooledConnection } from "../connection/PooledConnection.js";
import type { RetireReason } from "../events/PoolEvent.js";
import type { Endpoint } from "./Endpoint.js";
import type { LeakDetector } from "./LeakDetector.js";
import type { RebalanceHost, Rebalancer } from "./Rebalancer.js";

/** What the housekeeper may do to the pool. */
export interface HousekeeperHost extends RebalanceHost {
  readonly options: PoolOptions;
  /** Connections that stay open (open, not retiring). */
  readonly staying: number;
  retire(connection: PooledConnection, reason: RetireReason): void;
  /** Runs the pool's one dispatch (serve waiters, open for demand). */
  dispatch(): void;
}

/**
 * The pool's periodic work, in one place: the lifetime and idle passes, leak detection and
 * rebalancing (every `intervalMs`), and the health pass (every `healthCheckIntervalMs`). It only
 * reads and moves connections through their Endpoints and the host, then calls the dispatch.
 */
export class Housekeeper {
  readonly #host: HousekeeperHost;
  readonly #leaks: LeakDetector | undefined;
  readonly #rebalancer: Rebalancer;
  readonly #intervalMs: number;
  #passTimer: ReturnType<typeof setInterval> | undefined;
  #healthTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    host: HousekeeperHost,
    rebalancer: Rebalancer,
    leaks: LeakDetector | undefined,
    intervalMs: number,
  ) {
    this.#host = host;
    this.#rebalancer = rebalancer;
    this.#leaks = leaks;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    // Unref'd: housekeeping alone must never keep a process alive.
    this.#passTimer = setInterval(() => this.pass(), this.#intervalMs);
    this.#passTimer.unref?.();
    this.#healthTimer = setInterval(() => void this.healthPass(), this.#host.options.healthCheckIntervalMs);
    this.#healthTimer.unref?.();
  }

  stop(): void {
    clearInterval(this.#passTimer);
    clearInterval(this.#healthTimer);
  }

  /** Lifetime, idle, leak and rebalance passes, then a dispatch. */
  pass(now = performance.now()): void {
    const host = this.#host;
    const { idleTimeoutMs, minConnections } = host.options;
    // Connections that stay after this pass; never shrink below minConnections for idleness.
    let staying = host.staying;
    for (const endpoint of host.endpoints) {
      // Oldest idle first (bottom of the stack). Copy: retiring one changes the stack.
      for (const connection of [...endpoint.idleConnections]) {
        if (now >= connection.expiresAt) {
          host.retire(connection, "lifetime");
          staying--;
        } else if (
          idleTimeoutMs !== null &&
          now - connection.idleSince > idleTimeoutMs &&
          staying > minConnections
        ) {
          host.retire(connection, "idle");
          staying--;
        }
      }
      if (this.#leaks) this.#leaks.scan(endpoint.leases(), now);
    }
    this.#rebalancer.pass(host);
    host.dispatch();
  }

  /**
   * Pings every idle connection (a socket that says "connected" but never answers fails its deadline
   * and is replaced); each goes back as soon as its own ping answers. An embedded engine is pinged once
   * for all its sessions. Resolves with how many passed and failed.
   */
  async healthPass(): Promise<{ passed: number; failed: number }> {
    const host = this.#host;
    const checks: Promise<{ passed: number; failed: number }>[] = [];
    for (const endpoint of host.endpoints) {
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
