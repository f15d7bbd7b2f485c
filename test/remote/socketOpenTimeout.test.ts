// Opening a socket that never answers ends in a typed error, whoever waits for it: an agent session's
// acquire (which opens its own session on the endpoint's sockets) gets a ConnectError naming the endpoint,
// not a plain Error, so `isConnectError` and the retry rules recognise it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTransient } from "../../src/errors/classifyError.js";
import { AgentSession, ConnectionManager, isConnectError } from "../../src/index.js";
import type { EndpointHandle } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import { closeAll, ROOT, startEndpoints } from "./helpers.js";

describe("a socket that never opens", () => {
  let endpoints: EndpointHandle[] = [];
  let proxy: FaultProxy;

  beforeAll(async () => {
    endpoints = await startEndpoints(1);
    proxy = await startFaultProxy({ target: endpoints[0]! });
  });
  afterAll(async () => {
    proxy?.setMode("pass");
    await closeAll(undefined, [proxy], endpoints);
  });

  it("rejects concurrent agent acquires with a ConnectError naming the endpoint", async () => {
    proxy.setMode("blackhole");
    const manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: proxy.url },
      credentials: ROOT,
      namespace: "test",
      database: "test",
      pool: {
        minConnections: 0,
        warmConnections: false,
        connectTimeoutMs: 300,
        healthCheckIntervalMs: 600_000,
      },
    });
    try {
      const sessions = await Promise.all(
        ["a", "b", "c"].map((id) => AgentSession.create(id, manager, `ns_${id}`)),
      );
      const started = performance.now();
      const errors = await Promise.all(
        sessions.map((s) =>
          s.acquire({ timeoutMs: 5_000 }).then(
            async (lease) => {
              await lease.release();
              return undefined;
            },
            (e: unknown) => e,
          ),
        ),
      );
      for (const error of errors) {
        expect(isConnectError(error), String(error)).toBe(true);
        expect((error as Error).message).toContain(proxy.url);
        expect(isTransient(error)).toBe(true);
      }
      expect(performance.now() - started).toBeLessThan(5_000);
      await Promise.all(sessions.map((s) => s.close()));
    } finally {
      proxy.setMode("pass");
      await manager.shutdown({ timeoutMs: 2_000 });
    }
  }, 30_000);
});
