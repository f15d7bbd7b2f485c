import { ConnectionManager } from "../../../src/index.js";
import { type EndpointHandle, startEndpoint } from "../../support/endpoint.js";
import { type LoadReport, reportOf } from "../support/LoadReport.js";
import { PoolWatch } from "../support/PoolWatch.js";
import { runWorkers } from "../support/runWorkers.js";
import { sleep, until } from "../support/sleep.js";
import type { Tally } from "../support/Tally.js";

export interface EndpointKillSize {
  /** Real loopback SurrealDB endpoints (child processes), 2 or 3. */
  endpoints: number;
  workers: number;
  /** Endpoints killed one after another (round the ring), each restarted before the next kill. */
  kills: number;
  /** Steady load before each kill. */
  warmMs: number;
  /** How long a killed endpoint stays dead. */
  downMs: number;
  /** Load after traffic returned to the restarted endpoint (waited for, up to 5 s), before the next kill. */
  settleMs: number;
}

/** One call through executeWithRetry: when it started and ended, and how many times fn ran. */
export interface CallRecord {
  start: number;
  end: number;
  fnCalls: number;
  ok: boolean;
}

export interface EndpointKillReport extends LoadReport {
  tally: Tally;
  calls: CallRecord[];
  /** performance.now() of each kill (taken just before SIGKILL). */
  killedAt: number[];
  /**
   * Per call that needed a retry around a kill: time from the kill (or the call's start, if later) to
   * its success on another connection.
   */
  failoverMs: number[];
  /** Breakers that opened (at least one per kill is expected). */
  breakerOpens: number;
  /** Per restart: time until the endpoint served a lease again (-1: not before the next kill). */
  backAfterMs: number[];
}

/**
 * Steady load over real loopback endpoints with executeWithRetry while endpoints are SIGKILLed and
 * restarted one after another. No call may fail; calls caught by a kill must fail over quickly.
 */
export async function endpointKillUnderLoad(size: EndpointKillSize): Promise<EndpointKillReport> {
  const endpoints = await startEndpoints(size.endpoints);
  let manager: ConnectionManager | undefined;
  try {
    const urls = endpoints.map((e) => e.url);
    manager = await ConnectionManager.create({
      mode: { kind: "remote", endpoints: urls, loadBalancing: "round-robin" },
      credentials: { username: "root", password: "root" },
      namespace: "load",
      database: "load",
      pool: {
        minConnections: size.endpoints * 2,
        maxConnections: size.endpoints * 4,
        connectionTimeoutMs: 3_000,
        connectTimeoutMs: 3_000,
        validationTimeoutMs: 500,
        healthCheckIntervalMs: 600_000,
        validateAfterIdleMs: 600_000,
        idleTimeoutMs: null,
        maxLifetimeMs: null,
        retryPolicy: { maxAttempts: 6, initialBackoffMs: 5, maxBackoffMs: 100, multiplier: 2 },
      },
      circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 300 },
    });
    const m = manager;
    const watch = new PoolWatch(m);
    const leasesAt = new Map<string, number[]>();
    const sub = m.events$.subscribe((e) => {
      if (e.type === "lease.acquired") {
        const list = leasesAt.get(e.endpoint) ?? [];
        list.push(performance.now());
        leasesAt.set(e.endpoint, list);
      }
    });
    const before = m.metrics().snapshot();
    const started = performance.now();
    const calls: CallRecord[] = [];
    const stop = new AbortController();
    // The kill loop stops the load; this bound only guards against a hang. A restart can take up to its
    // start timeout (10 s) on a busy machine and the wait for traffic 5 s: both are budgeted per kill.
    const boundMs = size.kills * (size.warmMs + size.downMs + size.settleMs + 15_000) + 5_000;
    const load = runWorkers(
      { workers: size.workers, maxOpsPerWorker: 10_000_000, durationMs: boundMs, signal: stop.signal },
      async () => {
        const call: CallRecord = { start: performance.now(), end: 0, fnCalls: 0, ok: false };
        calls.push(call);
        try {
          await m.executeWithRetry((db) => {
            call.fnCalls++;
            return db.query("RETURN 1");
          });
          call.ok = true;
        } finally {
          call.end = performance.now();
        }
      },
    );
    const killedAt: number[] = [];
    const restartedAt: number[] = [];
    for (let k = 0; k < size.kills; k++) {
      await sleep(size.warmMs);
      const victim = endpoints[k % endpoints.length]!;
      killedAt.push(performance.now());
      await victim.kill();
      await sleep(size.downMs);
      await victim.restart();
      restartedAt.push(performance.now());
      // Traffic returns once the breaker lets a probe through and rebalancing (every second) opens a
      // connection there: wait for it (bounded), then keep the load on for settleMs.
      const servedBefore = leasesAt.get(victim.url)?.length ?? 0;
      await until(() => (leasesAt.get(victim.url)?.length ?? 0) > servedBefore, "traffic back", 5_000).catch(
        () => undefined,
      );
      await sleep(size.settleMs);
    }
    stop.abort();
    const tally = await load;
    sub.unsubscribe();
    const report = reportOf(m, watch, before, started);
    const breakerOpens = report.end.metrics.breakerOpens - before.breakerOpens;
    watch.stop();
    const failoverMs: number[] = [];
    for (const call of calls) {
      if (!call.ok || call.fnCalls < 2) continue;
      const kill = [...killedAt].reverse().find((t) => t <= call.end);
      if (kill === undefined) continue;
      failoverMs.push(call.end - Math.max(kill, call.start));
    }
    // Time from each restart to the first lease its endpoint served again (-1: none before the next kill).
    const backAfterMs = restartedAt.map((t, k) => {
      const victim = urls[k % urls.length]!;
      const first = (leasesAt.get(victim) ?? []).find((at) => at > t && at <= (killedAt[k + 1] ?? Infinity));
      return first === undefined ? -1 : first - t;
    });
    return { ...report, tally, calls, killedAt, failoverMs, breakerOpens, backAfterMs };
  } finally {
    await manager?.shutdown({ timeoutMs: 1_000 }).catch(() => undefined);
    await Promise.all(endpoints.map((e) => e.stop().catch(() => undefined)));
  }
}

/** Starts `n` endpoints in parallel; if one cannot start, stops the others before rethrowing. */
async function startEndpoints(n: number): Promise<EndpointHandle[]> {
  const results = await Promise.allSettled(Array.from({ length: n }, () => startEndpoint()));
  const started = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all(started.map((e) => e.stop().catch(() => undefined)));
    throw failed.reason;
  }
  return started;
}
