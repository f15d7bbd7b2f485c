// A live query whose connection's sign-in expires (a user whose sessions last 2 s): the subscription
// goes on delivering past every expiry, gap-free on a table with a change feed, with no error in the
// stream and no loss: the live connection's own calls renew its sign-in. Against a real loopback endpoint.
import type { Surreal } from "surrealdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { rootClient, sleep } from "../credentials/helpers.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { closeQuietly } from "../support/wsClient.js";
import { Collected, EventRecorder, waitFor } from "./helpers.js";

describe("a live query across sign-in expiry", () => {
  let endpoint: EndpointHandle;
  let root: Surreal;
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    root = await rootClient(endpoint.url);
  }, 20_000);
  afterAll(async () => {
    await manager?.shutdown({ timeoutMs: 2_000 }).catch(() => undefined);
    await closeQuietly(root);
    await endpoint?.stop();
  });

  it("keeps delivering every change, in commit order, past the expiry of its connection's session", async () => {
    await root.query(
      "DEFINE USER OVERWRITE live_user ON ROOT PASSWORD 'pw' ROLES EDITOR DURATION FOR TOKEN 1h, FOR SESSION 2s",
    );
    await root.query("DEFINE TABLE IF NOT EXISTS expiring CHANGEFEED 1h");
    manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: endpoint.url },
      credentials: { username: "live_user", password: "pw" },
      namespace: "t",
      database: "t",
      pool: { minConnections: 1, maxConnections: 2, healthCheckIntervalMs: 600_000 },
      live: { keepaliveIntervalMs: 300, keepaliveTimeoutMs: 1_500, initialBackoffMs: 50, maxBackoffMs: 300 },
    });
    const events = new EventRecorder(manager);
    const got = new Collected(manager.live("expiring"));
    await waitFor(() => events.of("live.subscribed").length === 1, "subscribed");
    // Writes for 6 s, three times the session's life.
    const writes = 24;
    const writing = performance.now();
    for (let i = 1; i <= writes; i++) {
      await root.query(`CREATE expiring:${i} SET n = ${i}`);
      await sleep(250);
    }
    await waitFor(
      () => got.items.length >= writes,
      () =>
        `${writes} changes, got ${got.items.length}: ${String(got.error)} ${events.events
          .filter((e) => e.type.startsWith("live") || e.type.startsWith("auth"))
          .map((e) => e.type)
          .join(",")}`,
      { timeoutMs: 15_000 },
    );
    // The writes spanned at least two of the session's 2 s lives.
    expect(performance.now() - writing).toBeGreaterThan(4_000);
    // How it survives: whichever of the live connection's calls meets the expiry first (the keepalive
    // ping, a change-feed read) signs it in again and runs once more; the live query goes on, never lost.
    // (A keepalive that misses its deadline on a loaded machine may still lose it; never the expiry.)
    expect(events.of("live.lost").filter((e) => /expired/i.test(e.error.message))).toEqual([]);
    await waitFor(() => manager?.healthStatus().live?.recovering === 0, "no loss still recovering", {
      timeoutMs: 10_000,
    });
    expect(events.of("live.resubscribed").length).toBe(events.of("live.lost").length);
    const renewals = events.of("auth.renewed").filter((e) => e.connectionId.startsWith("live-connection-"));
    expect(renewals.length).toBeGreaterThanOrEqual(2);
    expect(manager.metrics().snapshot().authRenewals).toBe(events.of("auth.renewed").length);
    expect(got.error).toBeUndefined();
    expect(got.items.map((n) => (n.kind === "gap" ? "gap" : Number(n.record?.n)))).toEqual(
      Array.from({ length: writes }, (_, i) => i + 1),
    );
  }, 40_000);
});
