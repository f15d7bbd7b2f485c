// Subscriptions lost together (one live connection carries many) come back at their own times: each draws
// its own backoff before registering again, so a failover does not hit the next endpoint in lockstep.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import { Collected, EventRecorder, ROOT, waitFor } from "./helpers.js";

const N = 20;
const BACKOFF_MS = 3_000;

describe("resubscribe after a loss shared by many subscriptions", () => {
  let endpoint: EndpointHandle;
  let proxy: FaultProxy;
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    proxy = await startFaultProxy({ target: endpoint });
  }, 20_000);
  afterAll(async () => {
    await manager?.shutdown({ timeoutMs: 2_000 }).catch(() => undefined);
    await proxy?.close(500).catch(() => undefined);
    await endpoint?.stop();
  });

  it("spreads the registrations again over the backoff instead of sending them at once", async () => {
    manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: proxy.url },
      credentials: ROOT,
      namespace: "test",
      database: "test",
      pool: { minConnections: 1, maxConnections: 2, connectTimeoutMs: 2_000, healthCheckIntervalMs: 600_000 },
      circuitBreaker: { failureThreshold: 1_000 },
      // A backoff whose cap does not grow: the first attempt after the loss waits up to BACKOFF_MS.
      live: { connectionsPerEndpoint: 1, initialBackoffMs: BACKOFF_MS, maxBackoffMs: BACKOFF_MS },
    });
    const m = manager;
    const events = new EventRecorder(m);
    await m.executeWithRetry((db) => db.query("DEFINE TABLE IF NOT EXISTS tick"));
    const streams = Array.from({ length: N }, () => new Collected(m.live("tick")));
    await waitFor(() => events.of("live.subscribed").length === N, "all subscribed");
    expect(m.healthStatus().live?.connections).toHaveLength(1);

    // Every socket through the proxy is reset at once (the live connection with them); new ones pass.
    proxy.setMode("reset");
    proxy.setMode("pass");
    await waitFor(() => events.of("live.resubscribed").length === N, "all resubscribed", {
      timeoutMs: BACKOFF_MS + 10_000,
    });
    expect(events.of("live.lost")).toHaveLength(N);
    const durations = events.of("live.resubscribed").map((e) => e.durationMs);
    // Each first attempt waits a draw uniform in [0, 3 s]: that all 20 fall within one second has a
    // chance of about 20 x (1/3)^19, below 1e-8. In lockstep (every first attempt at once) they all come
    // back within the few hundred ms their registrations take.
    const spread = Math.max(...durations) - Math.min(...durations);
    expect(spread, `resubscribed after ${durations.sort((a, b) => a - b).join(", ")} ms`).toBeGreaterThan(
      1_000,
    );
    for (const s of streams) {
      expect(s.error).toBeUndefined();
      s.subscription.unsubscribe();
    }
  }, 30_000);
});
