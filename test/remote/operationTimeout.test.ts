// A query on a socket that went silent while leased: without a deadline it would wait until the
// network heals. executeWithRetry's timeoutMs fails the attempt, discards that connection and retries
// on a working one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isOperationTimeoutError } from "../../src/errors/OperationTimeoutError.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import type { EndpointHandle } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import { closeAll, EventRecorder, remoteOptions, startEndpoints } from "./helpers.js";

describe("remote: operation deadline", () => {
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

  it("times out an attempt on a silent socket, discards its connection and succeeds elsewhere", async () => {
    const stuck = proxy!.url;
    manager = await ConnectionManager.create(
      remoteOptions([stuck, endpoints[0]!.url], {
        pool: {
          minConnections: 2,
          maxConnections: 4,
          validateAfterIdleMs: 60_000, // no ping before the lease: the attempt itself meets the silence
          retryPolicy: { maxAttempts: 4, initialBackoffMs: 10, maxBackoffMs: 50, multiplier: 2 },
        },
      }),
    );
    const recorder = new EventRecorder(manager);
    proxy!.setMode("blackhole");

    const started = performance.now();
    for (let i = 0; i < 4; i++) {
      const [n] = await manager.executeWithRetry((db) => db.query<[number]>(`RETURN ${i}`), {
        timeoutMs: 300,
      });
      expect(n).toBe(i);
    }
    // Every attempt that met the silence gave up at its deadline, not at some network timeout.
    expect(performance.now() - started).toBeLessThan(4 * 300 + 3_000);
    const retried = recorder.of("operation.retried");
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.every((r) => isOperationTimeoutError(r.error) && r.endpoint === stuck)).toBe(true);
    // The connections that timed out were discarded as broken, never handed out again.
    const broken = recorder.of("connection.retiring").filter((r) => r.reason === "broken");
    expect(broken.map((r) => r.endpoint)).toContain(stuck);
    expect(manager.metrics().snapshot().errors).toBe(0);
    recorder.stop();
  });
});
