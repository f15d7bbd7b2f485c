// Connections whose sockets stop answering (the proxy blackholes them after they were established): the
// health check finds them, and they are replaced by working ones once the network heals.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import type { EndpointHandle } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import { closeAll, EventRecorder, remoteOptions, startEndpoints, waitFor } from "./helpers.js";

const VALIDATION_TIMEOUT_MS = 1_000;

describe("remote: stuck sockets", () => {
  let endpoints: EndpointHandle[] = [];
  let proxy: FaultProxy | undefined;
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    endpoints = await startEndpoints(2);
    proxy = await startFaultProxy({ target: endpoints[1]! });
  });
  afterAll(async () => {
    proxy?.setMode("pass");
    await closeAll(manager, [proxy], endpoints);
  });

  it("healthCheck() reports the silent connections as failed and they are replaced once traffic passes again", async () => {
    const healthy = endpoints[0]!.url;
    const stuck = proxy!.url;
    manager = await ConnectionManager.create(
      remoteOptions([healthy, stuck], {
        pool: { minConnections: 4, maxConnections: 6, validationTimeoutMs: VALIDATION_TIMEOUT_MS },
        circuitBreaker: { failureThreshold: 5, resetTimeoutMs: 400 },
      }),
    );
    const recorder = new EventRecorder(manager);
    const perEndpoint = () =>
      Object.fromEntries(manager!.healthStatus().endpoints.map((e) => [e.endpoint, e]));
    expect(perEndpoint()[stuck]!.idle).toBe(2);
    expect(await manager.healthCheck()).toEqual({ passed: 4, failed: 0 });

    // The sockets stay open, but nothing comes back through them.
    proxy!.setMode("blackhole");
    const started = performance.now();
    const result = await manager.healthCheck();
    expect(performance.now() - started).toBeLessThan(VALIDATION_TIMEOUT_MS + 1_500);
    expect(result).toEqual({ passed: 2, failed: 2 });
    expect(manager.metrics().snapshot().healthChecksFailed).toBe(2);
    const failed = recorder.of("connection.validated").filter((v) => !v.ok);
    expect(failed.map((v) => v.endpoint)).toEqual([stuck, stuck]);
    const deadIds = new Set(failed.map((v) => v.connectionId));
    expect(perEndpoint()[stuck]!.idle).toBe(0); // taken out of service: never leased again

    // Meanwhile work is served by the healthy endpoint, without errors.
    const outageStart = recorder.mark;
    for (let i = 0; i < 20; i++) {
      const [n] = await manager.executeWithRetry((db) => db.query<[number]>(`RETURN ${i}`));
      expect(n).toBe(i);
    }
    expect([...recorder.leasesByEndpoint(outageStart).keys()]).toEqual([healthy]);

    // Healed: the dead connections finish closing and fresh ones to the same endpoint take their place.
    proxy!.setMode("pass");
    await waitFor(
      () => [...deadIds].every((id) => recorder.of("connection.closed").some((c) => c.connectionId === id)),
      "the dead connections should close",
    );
    await waitFor(
      () => {
        const e = perEndpoint()[stuck]!;
        return e.size >= 2 && e.idle >= 2 && e.breaker === "closed";
      },
      () => `the stuck endpoint should hold fresh connections: ${JSON.stringify(manager!.healthStatus())}`,
    );
    const fresh = recorder
      .of("connection.opened")
      .filter((o) => o.endpoint === stuck)
      .map((o) => o.connectionId);
    expect(fresh.length).toBeGreaterThanOrEqual(2);
    expect(fresh.some((id) => deadIds.has(id))).toBe(false);
    // A pass pings the connections idle when it starts (the size read after it may include one that
    // opened meanwhile): every one of them passes, at least the two fresh ones on each endpoint.
    const idleAtStart = manager.healthStatus().availableConnections;
    const after = await manager.healthCheck();
    expect(after.failed).toBe(0);
    expect(idleAtStart).toBeGreaterThanOrEqual(4);
    expect(after.passed).toBe(idleAtStart);
    expect(manager.metrics().snapshot().healthChecksFailed).toBe(2);
    recorder.stop();
  });
});
