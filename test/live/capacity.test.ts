// A subscription beyond the live room's capacity (connectionsPerEndpoint x subscriptionsPerConnection) is
// refused at once with LiveError ("register") naming the limit: a full room is configuration, which
// backing off and trying again for maxAttempts would not change.
import { afterEach, describe, expect, it } from "vitest";
import { isLiveError } from "../../src/live/LiveError.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { Collected, EventRecorder, waitFor } from "./helpers.js";

let manager: ConnectionManager | undefined;
afterEach(async () => {
  await manager?.shutdown({ timeoutMs: 2_000 });
  manager = undefined;
});

describe("live room capacity", () => {
  it("refuses the subscription past its capacity at once, and keeps the others", async () => {
    manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: "mem://" },
      namespace: "test",
      database: "test",
      pool: { minConnections: 1, maxConnections: 2 },
      live: {
        connectionsPerEndpoint: 1,
        subscriptionsPerConnection: 2,
        initialBackoffMs: 500,
        maxBackoffMs: 2_000,
      },
    });
    const m = manager;
    const events = new EventRecorder(m);
    await m.executeWithRetry((db) => db.query("DEFINE TABLE item"));
    const kept = [new Collected(m.live("item")), new Collected(m.live("item"))];
    await waitFor(() => events.of("live.subscribed").length === 2, "two subscribed");
    const started = Date.now();
    const refused = new Collected(m.live("item"));
    await waitFor(() => refused.error !== undefined, "the third refused", { timeoutMs: 5_000 });
    // Not after backing off maxAttempts (30) times: the first attempt's answer.
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(isLiveError(refused.error) && refused.error.failure).toBe("register");
    expect((refused.error as Error).message).toMatch(/every live connection is full \(1 per endpoint x 2/);
    await m.executeWithRetry((db) => db.query("CREATE item:1"));
    await waitFor(() => kept.every((k) => k.items.length === 1), "the two kept deliver");
    expect(kept.map((k) => k.error)).toEqual([undefined, undefined]);
  });

  it("refuses a subscription at once when the endpoint holds its bound of sessions, naming the bound", async () => {
    manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: "mem://" },
      namespace: "test",
      database: "test",
      // The pool's two connections fill the endpoint's bound: no live connection can open beside them.
      pool: { minConnections: 2, maxConnections: 2, maxSessionsPerEndpoint: 2 },
      live: { initialBackoffMs: 500, maxBackoffMs: 2_000 },
    });
    const m = manager;
    await m.executeWithRetry((db) => db.query("DEFINE TABLE item"));
    const refused = new Collected(m.live("item"));
    await waitFor(() => refused.error !== undefined, "refused", { timeoutMs: 5_000 });
    expect(isLiveError(refused.error) && refused.error.failure).toBe("register");
    expect((refused.error as Error).message).toMatch(
      /holds its bound of 2 sessions \(pool.maxSessionsPerEndpoint/,
    );
    expect(m.healthStatus().endpoints[0]!.units).toEqual({ bound: 2, pooled: 2, live: 0, agent: 0, user: 0 });
  });
});
