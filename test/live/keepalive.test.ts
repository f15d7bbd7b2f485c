// A blackholed socket (no close, no error: half-open) stops a live query silently in the SDK, whose ping
// has no deadline. The live connection's keepalive deadline catches it; the subscription is registered
// again when the network heals and the writes made meanwhile are back-filled from the change feed.

import type { Surreal } from "surrealdb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import { closeQuietly, connectWs } from "../support/wsClient.js";
import { Collected, EventRecorder, ROOT, waitFor } from "./helpers.js";

describe("live query behind a blackholed socket", () => {
  let endpoint: EndpointHandle;
  let proxy: FaultProxy;
  let direct: Surreal;
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    proxy = await startFaultProxy({ target: endpoint });
    direct = await connectWs(endpoint.url, { namespace: "test", database: "test", auth: ROOT });
  }, 20_000);
  afterEach(async () => {
    proxy.setMode("pass");
    await manager?.shutdown({ timeoutMs: 2_000 }).catch(() => undefined);
    manager = undefined;
  });
  afterAll(async () => {
    await manager?.shutdown({ timeoutMs: 2_000 }).catch(() => undefined);
    await closeQuietly(direct);
    await proxy?.close(500).catch(() => undefined);
    await endpoint?.stop();
  });

  /** A manager through the fault proxy, with short keepalive and breaker timings. */
  function managerBehindProxy(): Promise<ConnectionManager> {
    return ConnectionManager.create({
      mode: { kind: "local", endpoint: proxy.url },
      credentials: ROOT,
      namespace: "test",
      database: "test",
      pool: { minConnections: 1, maxConnections: 2, connectTimeoutMs: 2_000, healthCheckIntervalMs: 600_000 },
      // Resubscribe attempts during the blackhole open the breaker, as the pool's connects would: a short
      // reset lets the live query back soon after the network heals.
      circuitBreaker: { failureThreshold: 5, resetTimeoutMs: 500 },
      // A deadline with slack: the machine is shared, and a loaded loopback ping can take hundreds of ms.
      live: { keepaliveIntervalMs: 300, keepaliveTimeoutMs: 1_500, initialBackoffMs: 50, maxBackoffMs: 300 },
    });
  }

  it("is caught by the keepalive deadline, re-registered when the network heals, and back-filled", async () => {
    manager = await managerBehindProxy();
    const events = new EventRecorder(manager);
    await direct.query("DEFINE TABLE note CHANGEFEED 1h");
    const got = new Collected(manager.live("note"));
    await waitFor(() => events.of("live.subscribed").length === 1, "subscribed");
    for (let i = 1; i <= 3; i++) await direct.query(`CREATE note:${i} SET n = ${i}`);
    await waitFor(
      () => got.items.length === 3,
      () =>
        `3 before the fault: ${JSON.stringify(events.events.map((e) => e.type))} ${String(got.error)} ${JSON.stringify(manager?.healthStatus().live)}`,
    );

    proxy.setMode("blackhole");
    await waitFor(() => events.of("live.lost").length === 1, "lost by the keepalive deadline", {
      timeoutMs: 5_000,
    });
    expect(events.of("live.lost")[0]?.error.message).toMatch(/keepalive/);
    for (let i = 4; i <= 8; i++) await direct.query(`CREATE note:${i} SET n = ${i}`);
    expect(manager.healthStatus().live?.recovering).toBe(1);
    proxy.setMode("pass");
    await waitFor(
      () => events.of("live.resubscribed").length === 1,
      () =>
        `resubscribed; ${JSON.stringify(manager?.healthStatus().live)} ${JSON.stringify(manager?.breakers())} ${events.events
          .filter((e) => e.type.startsWith("live") || e.type.startsWith("breaker"))
          .map((e) => e.type + ("error" in e && e.error ? `(${e.error.message})` : ""))
          .join(",")}`,
      { timeoutMs: 15_000 },
    );
    for (let i = 9; i <= 10; i++) await direct.query(`CREATE note:${i} SET n = ${i}`);
    await waitFor(
      () => got.items.length >= 10,
      () => `10 changes, got ${got.items.length}`,
      { timeoutMs: 5_000 },
    );
    expect(got.items.map((n) => (n.kind === "gap" ? "gap" : Number(n.record?.n)))).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(got.items.slice(3, 8).every((n) => n.kind === "update" && n.backfilled)).toBe(true);
    expect(events.of("live.resubscribed")[0]?.backfilled).toBe(5);
  }, 40_000);

  it("gives a registration that goes unanswered a deadline, and registers it again once the network heals", async () => {
    manager = await managerBehindProxy();
    const events = new EventRecorder(manager);
    await direct.query("DEFINE TABLE IF NOT EXISTS plain_reg");
    const first = new Collected(manager.live("plain_reg"));
    await waitFor(() => events.of("live.subscribed").length === 1, "first subscribed");
    // The live connection goes silent; a second subscription is placed on it before the keepalive
    // notices, and its LIVE SELECT never gets an answer.
    proxy.setMode("blackhole");
    const second = new Collected(manager.live("plain_reg"));
    await waitFor(() => events.of("live.lost").length >= 1, "the first lost by the keepalive deadline", {
      timeoutMs: 5_000,
    });
    expect(events.of("live.subscribed")).toHaveLength(1);
    proxy.setMode("pass");
    // The registration's deadline (5 s here) ends the wait; the retry registers it on a new connection.
    await waitFor(
      () => events.of("live.subscribed").length === 2,
      () => `second subscribed; ${JSON.stringify(manager?.healthStatus().live)} ${String(second.error)}`,
      { timeoutMs: 15_000 },
    );
    await waitFor(() => manager?.healthStatus().live?.recovering === 0, "first resubscribed", {
      timeoutMs: 15_000,
    });
    await direct.query("CREATE plain_reg:after SET n = 1");
    await waitFor(
      () => [first, second].every((c) => c.items.some((n) => n.kind === "create")),
      "both deliver",
      { timeoutMs: 5_000 },
    );
    expect(second.error).toBeUndefined();
  }, 40_000);

  it("waits out an open breaker at subscribe time, as a resubscribe does, and registers once it probes again", async () => {
    manager = await managerBehindProxy();
    const m = manager;
    const events = new EventRecorder(m);
    await direct.query("DEFINE TABLE IF NOT EXISTS plain_breaker");
    // Every socket through the proxy is reset: the pool's refills fail until the breaker opens.
    proxy.setMode("reset");
    await waitFor(() => m.breakers()[0]?.state === "open", "the breaker opened", { timeoutMs: 15_000 });
    const got = new Collected(m.live("plain_breaker"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(got.error).toBeUndefined();
    proxy.setMode("pass");
    await waitFor(
      () => events.of("live.subscribed").length === 1,
      () => `subscribed once the breaker probes; ${String(got.error)} ${JSON.stringify(m.breakers())}`,
      { timeoutMs: 15_000 },
    );
    await direct.query("CREATE plain_breaker:1 SET n = 1");
    await waitFor(() => got.items.some((n) => n.kind === "create"), "delivers", { timeoutMs: 5_000 });
    expect(got.error).toBeUndefined();
  }, 40_000);
});
