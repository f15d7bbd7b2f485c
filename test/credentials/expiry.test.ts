// Credentials over time, against a real loopback endpoint: a user whose sessions expire after 2 s
// (DURATION FOR SESSION), a token with a short exp from a provider, a revoked user, a rotated password.
// Work keeps succeeding past every expiry with no error reaching the caller; a revoked user's next call
// fails with AuthenticationFailedError and is not retried.
import type { Surreal } from "surrealdb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isAuthenticationFailedError } from "../../src/index.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { closeQuietly, connectWs } from "../support/wsClient.js";
import { ofType, rootClient, type SwitchablePool, sleep, switchablePool } from "./helpers.js";

let endpoint: EndpointHandle;
let root: Surreal;
let pool: SwitchablePool | undefined;

beforeAll(async () => {
  endpoint = await startEndpoint();
  root = await rootClient(endpoint.url);
});
afterEach(async () => {
  await pool?.manager.shutdown({ timeoutMs: 2_000 });
  pool = undefined;
});
afterAll(async () => {
  await closeQuietly(root);
  await endpoint?.stop();
});

/** A root user whose sessions last 2 s (tokens 1 h): only a refusal can tell the pool when they end. */
async function userWithShortSessions(name: string, password = "pw1"): Promise<void> {
  await root.query(
    `DEFINE USER OVERWRITE ${name} ON ROOT PASSWORD '${password}' ROLES EDITOR DURATION FOR TOKEN 1h, FOR SESSION 2s`,
  );
}

/**
 * Runs one query every `everyMs` for at least `forMs` (and on, up to 20 s, until `done()` holds), each
 * through a fresh lease; every result must be right.
 */
async function keepWorking(
  p: SwitchablePool,
  forMs: number,
  everyMs = 250,
  done: () => boolean = () => true,
): Promise<number> {
  const started = performance.now();
  let n = 0;
  while (performance.now() - started < forMs || (!done() && performance.now() - started < 20_000)) {
    await using lease = await p.manager.acquire();
    const [value] = await lease.db.query<[number]>("RETURN $n", { n });
    expect(value).toBe(n);
    n++;
    await sleep(everyMs);
  }
  return n;
}

describe("credentials that expire", () => {
  it("a session that expires after 2 s: work keeps succeeding past the expiry, on the same connection", async () => {
    await userWithShortSessions("bob1");
    pool = await switchablePool(endpoint.url, { username: "bob1", password: "pw1" });
    const p = pool;
    // Until a renewal ahead of time was seen (a loaded machine stretches the timeline; bounded at 20 s).
    const calls = await keepWorking(p, 5_500, 250, () =>
      ofType(p.events, "auth.renewed").some((e) => e.reason === "expiring"),
    );
    expect(calls).toBeGreaterThan(10);
    const renewed = ofType(pool.events, "auth.renewed");
    // First learned from a refusal (the call was sent again, transparently), then renewed ahead of time.
    expect(renewed[0]?.reason).toBe("refused");
    expect(renewed.some((e) => e.reason === "expiring")).toBe(true);
    expect(ofType(pool.events, "auth.failed")).toHaveLength(0);
    expect(ofType(pool.events, "connection.opened")).toHaveLength(1); // renewed, not replaced
    expect(pool.manager.metrics().snapshot().authRenewals).toBe(renewed.length);
  });

  it("a lease held across the expiry: its calls keep succeeding, a transaction's too", async () => {
    await userWithShortSessions("bob2");
    pool = await switchablePool(endpoint.url, { username: "bob2", password: "pw1" });
    await using lease = await pool.manager.acquire();
    await lease.db.query("UPSERT held:1");
    await sleep(3_200);
    const [rows] = await lease.db.query<[unknown[]]>("SELECT * FROM held");
    expect(rows).toHaveLength(1);
    const tx = await lease.db.beginTransaction();
    await tx.query("UPSERT held:2");
    await tx.commit();
    expect(ofType(pool.events, "auth.renewed").map((e) => e.reason)).toEqual(["refused"]);
  });

  it("a token with a short exp from a provider: renewed before exp, the provider asked again", async () => {
    await root.query(
      "DEFINE USER OVERWRITE tok ON ROOT PASSWORD 'pw' ROLES EDITOR DURATION FOR TOKEN 2s, FOR SESSION 2s",
    );
    // An "auth service" with a socket of its own: signs in and hands out tokens only.
    const service = await connectWs(endpoint.url, { namespace: "t", database: "t" });
    const issue = async () => (await service.signin({ username: "tok", password: "pw" })).access;
    let latest = await issue();
    const refresher = setInterval(() => {
      void issue().then(
        (t) => {
          latest = t;
        },
        () => {},
      );
    }, 500);
    try {
      pool = await switchablePool(endpoint.url, () => ({ token: latest }));
      const before = pool.calls;
      const p = pool;
      const renewedEarly = () => ofType(p.events, "auth.renewed").some((e) => e.reason === "expiring");
      expect(await keepWorking(p, 4_500, 250, renewedEarly)).toBeGreaterThan(8);
      expect(pool.calls).toBeGreaterThan(before + 1); // asked again at each renewal
    } finally {
      clearInterval(refresher);
      await closeQuietly(service);
    }
    const renewed = ofType(pool.events, "auth.renewed");
    expect(renewed.some((e) => e.reason === "expiring")).toBe(true);
    expect(ofType(pool.events, "auth.failed")).toHaveLength(0);
  });

  it("a revoked user: the next call after its session expired fails with AuthenticationFailedError, not retried", async () => {
    await userWithShortSessions("bob3");
    pool = await switchablePool(endpoint.url, { username: "bob3", password: "pw1" });
    await pool.manager.executeWithRetry((db) => db.query("RETURN 1"));
    await root.query("REMOVE USER bob3 ON ROOT");
    await sleep(3_200);
    const before = ofType(pool.events, "operation.retried").length;
    const error = await pool.manager.executeWithRetry((db) => db.query("RETURN 2")).catch((e: unknown) => e);
    expect(isAuthenticationFailedError(error)).toBe(true);
    expect(ofType(pool.events, "operation.retried").length).toBe(before);
    expect(ofType(pool.events, "auth.failed").length).toBeGreaterThan(0);
    expect(pool.manager.metrics().snapshot().authFailures).toBeGreaterThan(0);
  });

  it("a rotated password reaches the existing connection at its next renewal", async () => {
    await userWithShortSessions("bob4", "pw1");
    pool = await switchablePool(endpoint.url, { username: "bob4", password: "pw1" });
    const first = await pool.manager.acquire();
    const connectionId = first.connectionId;
    await first.db.query("RETURN 1");
    await first.release();
    await userWithShortSessions("bob4", "pw2");
    pool.use({ username: "bob4", password: "pw2" });
    await sleep(3_200);
    await using again = await pool.manager.acquire();
    const [v] = await again.db.query<[number]>("RETURN 7");
    expect(v).toBe(7);
    expect(again.connectionId).toBe(connectionId);
    expect(ofType(pool.events, "auth.renewed").length).toBeGreaterThan(0);
    expect(ofType(pool.events, "auth.failed")).toHaveLength(0);
  });
});

describe("idle connections whose sessions expired", () => {
  it("pass their health checks and validation by renewing (counted as renewals), instead of being replaced", async () => {
    await userWithShortSessions("bob5");
    pool = await switchablePool(
      endpoint.url,
      { username: "bob5", password: "pw1" },
      {
        pool: {
          minConnections: 1,
          maxConnections: 1,
          healthCheckIntervalMs: 600_000,
          validateAfterIdleMs: 100,
        },
      },
    );
    await pool.manager.executeWithRetry((db) => db.query("RETURN 1"));
    await sleep(3_200); // idle past the session's expiry, and past validateAfterIdleMs
    const health = await pool.manager.healthCheck();
    expect(health).toEqual({ passed: 1, failed: 0 });
    await sleep(3_200);
    const [v] = await pool.manager.executeWithRetry((db) => db.query<[number]>("RETURN 5"));
    expect(v).toBe(5);
    expect(ofType(pool.events, "connection.opened")).toHaveLength(1);
    expect(pool.manager.metrics().snapshot().healthChecksFailed).toBe(0);
    // The pings' renewals are events too, and counted with the others.
    const renewed = ofType(pool.events, "auth.renewed");
    expect(renewed.length).toBeGreaterThanOrEqual(2);
    expect(pool.manager.metrics().snapshot().authRenewals).toBe(renewed.length);
  });
});

describe("manager.query() on a shared socket whose default session expired", () => {
  it("renews it once for the calls that met the expiry together, as an auth.renewed event of the socket", async () => {
    await userWithShortSessions("bob6");
    pool = await switchablePool(endpoint.url, { username: "bob6", password: "pw1" });
    const p = pool;
    const [one] = await p.manager.query<[number]>("RETURN 1");
    expect(one).toBe(1);
    await sleep(3_200); // past the 2 s session (after 2.4 s the engine was seen to still accept it)
    const before = ofType(p.events, "auth.renewed").length;
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => p.manager.query<[number]>("RETURN $i", { i })),
    );
    expect(answers.map(([v]) => v)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const renewed = ofType(p.events, "auth.renewed").slice(before);
    const sockets = ofType(p.events, "socket.opened").map((e) => e.socketId);
    // One renewal, learned from the refusals, of a socket's default session (not of a pooled connection).
    expect(renewed).toHaveLength(1);
    expect(renewed[0]).toMatchObject({ reason: "refused", endpoint: endpoint.url });
    expect(sockets).toContain(renewed[0]!.connectionId);
    expect(p.manager.metrics().snapshot().authRenewals).toBe(ofType(p.events, "auth.renewed").length);
    expect(ofType(p.events, "auth.failed")).toHaveLength(0);
  });
});
