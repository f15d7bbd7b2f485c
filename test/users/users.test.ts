// manager.as(identity) at its edges, on the real engine: the cache's bound and LRU, waiting for room,
// logout, expiry, drops, a server without sessions, bad input, and secrets kept out of every event.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionManagerOptions } from "../../src/config/options.js";
import { isArgumentError } from "../../src/errors/ArgumentError.js";
import { isAuthenticationFailedError } from "../../src/errors/AuthenticationFailedError.js";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { clearAuthRenewals } from "../../src/surreal/exitOnIdle.js";
import { isUserSessionsFullError } from "../../src/users/errors/UserSessionsFullError.js";
import { muxOptions } from "../mux/helpers.js";
import { closeAll } from "../remote/helpers.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import { createUsers, credentials, schema, tokenOf } from "./helpers.js";

const embedded = (extra: Partial<ConnectionManagerOptions> = {}): ConnectionManagerOptions => ({
  mode: { kind: "local", endpoint: "mem://" },
  namespace: "test",
  database: "test",
  pool: { minConnections: 1, maxConnections: 4, connectionTimeoutMs: 2_000 },
  ...extra,
});

async function started(options: ConnectionManagerOptions, names = ["ann", "bob", "cid"]) {
  const events: PoolEvent[] = [];
  const manager = await ConnectionManager.create({ ...options, events: (e) => events.push(e) });
  await manager.query(schema(1));
  await createUsers(manager, names);
  return { manager, events };
}

const userEvents = (events: PoolEvent[], type: string) => events.filter((e) => e.type === type);

describe("end users on the embedded engine", () => {
  let manager: ConnectionManager | undefined;
  afterEach(async () => {
    await manager?.shutdown({ timeoutMs: 2_000 });
    manager = undefined;
  });

  it("reuses a user's session, evicts the least recently used at the bound, and re-authenticates after", async () => {
    const run = await started(embedded({ users: { maxSessions: 2 } }));
    manager = run.manager;
    const [ann, bob, cid] = ["ann", "bob", "cid"].map((n) => manager!.as(credentials(n)));
    expect(await ann!.query("RETURN $auth")).toEqual([expect.objectContaining({ id: "ann" })]);
    await bob!.query("RETURN 1");
    await ann!.query("RETURN 1"); // ann is now the most recently used
    await cid!.query("RETURN 1"); // bob's session goes
    const evicted = userEvents(run.events, "user.session.evicted") as PoolEventOf<"user.session.evicted">[];
    expect(evicted.map((e) => [e.user, e.reason])).toEqual([[bob!.user, "lru"]]);
    expect(userEvents(run.events, "user.session.reused")).toHaveLength(1);
    expect(manager.healthStatus().users).toMatchObject({ cached: 2, users: 2, maxSessions: 2 });
    // Bob comes back: a new session, authenticated again, as bob.
    expect(String((await bob!.query<[unknown]>("RETURN $auth"))[0])).toBe("user:bob");
    expect(userEvents(run.events, "user.session.opened")).toHaveLength(4);
  });

  it("a call waits for room when every session is in use, and fails typed past the wait", async () => {
    const run = await started(
      embedded({
        users: { maxSessions: 1 },
        pool: { minConnections: 1, maxConnections: 4, connectionTimeoutMs: 300 },
      }),
    );
    manager = run.manager;
    const lease = await manager.as(credentials("ann")).acquire();
    const bob = manager.as(credentials("bob"));
    const refused = await bob.acquire().catch((e: unknown) => e);
    expect(isUserSessionsFullError(refused)).toBe(true);
    const waiting = bob.query<[unknown]>("RETURN $auth");
    await new Promise((r) => setTimeout(r, 50));
    await lease.release();
    expect(String((await waiting)[0])).toBe("user:bob");
  });

  it("forget() closes a user's idle sessions now and its leased one when the lease ends", async () => {
    const run = await started(embedded());
    manager = run.manager;
    const ann = manager.as(credentials("ann"));
    const lease = await ann.acquire();
    await ann.query("RETURN 1"); // the leased session is not shared: a second one opens
    expect(manager.healthStatus().users).toMatchObject({ cached: 2, inUse: 1 });
    expect(manager.forget(credentials("ann"))).toBe(true);
    expect(manager.healthStatus().users).toMatchObject({ cached: 1, users: 0 });
    await lease.release();
    expect(manager.healthStatus().users).toMatchObject({ cached: 0, users: 0 });
    expect(manager.healthStatus().endpoints[0]!.units.user).toBe(0);
    expect(manager.forget(credentials("ann"))).toBe(false);
    const reasons = (
      userEvents(run.events, "user.session.evicted") as PoolEventOf<"user.session.evicted">[]
    ).map((e) => e.reason);
    expect(reasons).toEqual(["forgotten", "forgotten"]);
  });

  it("a token past its exp is never presented: its calls fail typed; credentials sign in again", async () => {
    const run = await started(embedded());
    manager = run.manager;
    const token = await tokenOf(manager, "ann", "brief");
    const byToken = manager.as({ token });
    const byCredentials = manager.as(credentials("bob", "brief"));
    expect(String((await byToken.query<[unknown]>("RETURN $auth"))[0])).toBe("user:ann");
    await byCredentials.query("RETURN 1");
    await new Promise((r) => setTimeout(r, 1_300));
    for (const call of [
      () => byToken.query("RETURN 1"),
      () => byToken.acquire(),
      () => byToken.executeWithRetry(async () => 1),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(isAuthenticationFailedError(error)).toBe(true);
    }
    expect(String((await byCredentials.query<[unknown]>("RETURN $auth"))[0])).toBe("user:bob");
    const reasons = (
      userEvents(run.events, "user.session.evicted") as PoolEventOf<"user.session.evicted">[]
    ).map((e) => e.reason);
    expect(reasons.filter((r) => r === "expired").length).toBeGreaterThanOrEqual(2);
    expect(
      userEvents(run.events, "user.session.opened").filter((e) => (e as { signedIn: boolean }).signedIn),
    ).toHaveLength(2);
  });

  it("the SDK does not sign a user's session out at exp (the cache owns expiry)", async () => {
    const run = await started(embedded());
    manager = run.manager;
    const check = async (hook: boolean) => {
      const token = await tokenOf(manager!, "ann", "brief");
      await using lease = await manager!.acquire();
      const db = lease.db;
      if (hook) clearAuthRenewals(db);
      await db.authenticate(token);
      await new Promise((r) => setTimeout(r, 1_200));
      return db.accessToken === token;
    };
    expect(await check(false)).toBe(false); // the SDK signed it out at exp
    expect(await check(true)).toBe(true);
  });

  it("a user's live query gets only that user's rows; unsubscribing frees its session, shutdown completes it", async () => {
    const run = await started(embedded());
    manager = run.manager;
    const [ann, bob] = [manager.as(credentials("ann")), manager.as(credentials("bob"))];
    const seen: unknown[] = [];
    const subscription = bob
      .live("note")
      .subscribe((n) => seen.push(n.kind === "gap" ? "gap" : n.record?.text));
    let completed = false;
    ann.live("note").subscribe({ complete: () => (completed = true) });
    await expect.poll(() => manager!.healthStatus().users!.inUse, { timeout: 5_000 }).toBe(2);
    await ann.query("CREATE note SET owner = $auth, text = 'ann 1'");
    await bob.query("CREATE note SET owner = $auth, text = 'bob 1'");
    await ann.query("CREATE note SET owner = $auth, text = 'ann 2'");
    await expect.poll(() => seen, { timeout: 5_000 }).toEqual(["bob 1"]);
    subscription.unsubscribe();
    await expect.poll(() => manager!.healthStatus().users!.inUse, { timeout: 5_000 }).toBe(1);
    await manager.shutdown();
    expect(completed).toBe(true);
    expect(seen).toEqual(["bob 1"]);
  });

  it("a user's executeWithRetry takes an fn that returns a plain value or throws at once, as the manager's does", async () => {
    const run = await started(embedded());
    manager = run.manager;
    const ann = manager.as(credentials("ann"));
    expect(await ann.executeWithRetry((() => 7) as never)).toBe(7);
    const boom = new Error("boom");
    await expect(
      ann.executeWithRetry(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(manager.healthStatus().users).toMatchObject({ cached: 1, inUse: 0 });
    expect(manager.healthStatus().inUse).toBe(0);
  });

  it("refuses bad identities with ArgumentError before anything is cached", async () => {
    const run = await started(embedded());
    manager = run.manager;
    const other = await (async () => {
      await manager.query(
        "DEFINE DATABASE other; USE DB other; DEFINE TABLE user SCHEMALESS; DEFINE ACCESS account ON DATABASE TYPE RECORD SIGNIN (SELECT * FROM user WHERE name = $name) SIGNUP (CREATE user SET name = $name); ",
      );
      await using lease = await manager.acquire({ database: "other" });
      return (
        await lease.db.signup({
          access: "account",
          namespace: "test",
          database: "other",
          variables: { name: "x" },
        })
      ).access as string;
    })();
    const throwing = { access: "account", variables: {} };
    Object.defineProperty(throwing.variables, "pass", {
      enumerable: true,
      get: () => {
        throw new Error("boom");
      },
    });
    const bads: unknown[] = [
      undefined,
      null,
      5,
      "token",
      {},
      { token: 5 },
      { token: "a.b" },
      { token: "x.y.z" },
      { token: other, access: "account" },
      { access: "" },
      { access: "account", variables: [] },
      { token: other },
      throwing,
    ];
    for (const [i, bad] of bads.entries()) {
      let error: unknown;
      try {
        manager.as(bad as never);
      } catch (e) {
        error = e;
      }
      expect(isArgumentError(error), `bad identity #${i}`).toBe(true);
    }
    // The same token is fine where it belongs.
    expect(
      String((await manager.as({ token: other, database: "other" }).query<[unknown]>("RETURN $auth"))[0]),
    ).toMatch(/^user:/);
    expect(manager.healthStatus().users!.cached).toBe(1);
  });

  it("a refused sign-in fails that handle only, caches nothing, and no event or error carries a secret", async () => {
    const run = await started(embedded());
    manager = run.manager;
    const token = await tokenOf(manager, "ann");
    await manager.as({ token }).query("RETURN 1");
    const wrong = manager.as({ access: "account", variables: { name: "bob", pass: "s3cret-wrong" } });
    const error = await wrong.query("RETURN 1").catch((e: unknown) => e);
    expect(isAuthenticationFailedError(error)).toBe(true);
    expect((error as { user: string }).user).toBe(wrong.user);
    expect(manager.healthStatus().users).toMatchObject({ cached: 1, users: 1 });
    expect(userEvents(run.events, "user.session.refused")).toHaveLength(1);
    await expect(manager.as({ token }).query("RETURN 1")).resolves.toBeDefined();
    const text = JSON.stringify(run.events, (_k, v) =>
      v instanceof Error ? `${v.message} ${String(v.cause)}` : v,
    );
    expect(text).not.toContain("s3cret-wrong");
    expect(text).not.toContain(token);
    expect(String((error as Error).message)).not.toContain("s3cret-wrong");
  });
});

describe("end users over ws://", () => {
  let endpoint: EndpointHandle | undefined;
  let proxy: FaultProxy | undefined;
  let legacy: EndpointHandle | undefined;
  beforeAll(async () => {
    [endpoint, legacy] = await Promise.all([
      startEndpoint(),
      startEndpoint({ sessions: false, reportVersion: "surrealdb-2.3.7" }),
    ]);
    proxy = await startFaultProxy({ target: endpoint });
  });
  afterAll(async () => {
    await closeAll(undefined, [proxy], [endpoint, legacy]);
  });

  it("a dropped socket's user sessions are never used again: the next call authenticates a new one", async () => {
    const run = await started(muxOptions(proxy!.url, { minConnections: 1, maxConnections: 2 }));
    const manager = run.manager;
    try {
      const ann = manager.as(credentials("ann"));
      await ann.query("RETURN 1");
      for (let i = 0; i < 4; i++) proxy!.resetOne(i);
      await expect
        .poll(() => userEvents(run.events, "user.session.evicted").length, { timeout: 5_000 })
        .toBe(1);
      expect((userEvents(run.events, "user.session.evicted")[0] as { reason: string }).reason).toBe(
        "dropped",
      );
      expect(String((await ann.query<[unknown]>("RETURN $auth"))[0])).toBe("user:ann");
      expect(userEvents(run.events, "user.session.opened")).toHaveLength(2);
    } finally {
      await manager.shutdown({ timeoutMs: 2_000 });
    }
  });

  it("on a server without sessions each user gets a socket of its own, said once", async () => {
    const run = await started(muxOptions(legacy!.url, { minConnections: 1, maxConnections: 2 }));
    const manager = run.manager;
    try {
      const [ann, bob] = [manager.as(credentials("ann")), manager.as(credentials("bob"))];
      expect(String((await ann.query<[unknown]>("RETURN $auth"))[0])).toBe("user:ann");
      expect(String((await bob.query<[unknown]>("RETURN $auth"))[0])).toBe("user:bob");
      expect(String((await ann.query<[unknown]>("RETURN $auth"))[0])).toBe("user:ann");
      expect(userEvents(run.events, "user.sockets")).toHaveLength(1);
      expect(manager.healthStatus().endpoints[0]!.units.user).toBe(2);
    } finally {
      await manager.shutdown({ timeoutMs: 2_000 });
    }
    expect(manager.healthStatus().endpoints[0]!.units.user).toBe(0);
  });
});

type PoolEventOf<T extends PoolEvent["type"]> = Extract<PoolEvent, { type: T }>;
