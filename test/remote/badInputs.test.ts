// Bad input against real endpoints: wrong credentials, a refused port, a bad URL, a query that cannot
// parse, and credentials given as a function.
import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isAuthenticationFailedError } from "../../src/errors/AuthenticationFailedError.js";
import { isConfigError } from "../../src/errors/ConfigError.js";
import { isConnectError } from "../../src/errors/ConnectError.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import type { EndpointHandle } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import {
  closeAll,
  EventRecorder,
  ROOT,
  remoteOptions,
  settleWithin,
  sleep,
  startEndpoints,
} from "./helpers.js";

const WRONG = { username: "root", password: "not-the-password" };

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("remote: bad input", () => {
  let endpoint: EndpointHandle | undefined;
  // The proxy passes traffic unchanged; it is there to count TCP connections the pool opens.
  let proxy: FaultProxy | undefined;
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    [endpoint] = await startEndpoints(1);
    proxy = await startFaultProxy({ target: endpoint! });
  });
  afterEach(async () => {
    await manager?.shutdown({ timeoutMs: 1_000 }).catch(() => undefined);
    manager = undefined;
  });
  afterAll(async () => {
    await closeAll(undefined, [proxy], [endpoint]);
  });

  it("wrong credentials: create() rejects with AuthenticationFailedError and does not keep reconnecting", async () => {
    // The manager does not exist before create() settles, so its connections are counted through the
    // XState inspection hook (one connection actor per connect).
    let connects = 0;
    const inspect = (event: { type: string; actorRef?: { id?: string } }) => {
      if (event.type === "@xstate.actor" && event.actorRef?.id?.startsWith("connection-")) connects++;
    };
    const accepted = proxy!.stats.accepted;
    const outcome = await settleWithin(
      ConnectionManager.create({
        ...remoteOptions([proxy!.url], { credentials: WRONG, pool: { minConnections: 2 } }),
        inspect,
      }),
      5_000,
    );
    if (outcome === "timeout" || outcome.ok) throw new Error("create() should have rejected");
    expect(isAuthenticationFailedError(outcome.error), String(outcome.error)).toBe(true);
    expect((outcome.error as Error).message).toMatch(
      /sign-in to ws:\/\/127\.0\.0\.1:\d+\/rpc as "root" was refused/,
    );
    // 2 warm connects, plus at most one backoff retry each while the other was still failing.
    expect(connects).toBeGreaterThanOrEqual(2);
    expect(connects).toBeLessThanOrEqual(4);
    // Nothing more once create() gave up.
    await sleep(500);
    expect(connects).toBeLessThanOrEqual(4);
    // On the wire (a TCP pre-probe plus the WebSocket per connect): bounded, and quiet afterwards.
    const tcp = proxy!.stats.accepted - accepted;
    expect(tcp).toBeLessThanOrEqual(8);
    await sleep(300);
    expect(proxy!.stats.accepted - accepted).toBe(tcp);
  });

  it("wrong credentials without warm-up: executeWithRetry fails at once with the refusal, not retrying it", async () => {
    manager = await ConnectionManager.create(
      remoteOptions([proxy!.url], {
        credentials: WRONG,
        pool: { minConnections: 1, warmConnections: false, connectionTimeoutMs: 2_500 },
      }),
    );
    const recorder = new EventRecorder(manager);
    let calls = 0;
    const started = performance.now();
    const outcome = await settleWithin(
      manager.executeWithRetry((db) => {
        calls++;
        return db.query("RETURN 1");
      }),
      5_000,
    );
    const elapsed = performance.now() - started;
    if (outcome === "timeout" || outcome.ok) throw new Error("executeWithRetry should have rejected");
    // The waiting acquire fails with the refusal itself as soon as it arrives: no connection is open
    // and no retry can fix a password, so waiting out connectionTimeoutMs would only delay the news.
    expect(isAuthenticationFailedError(outcome.error), String(outcome.error)).toBe(true);
    expect((outcome.error as Error).message).toMatch(/was refused/);
    expect(calls).toBe(0);
    expect(recorder.of("operation.retried")).toHaveLength(0);
    expect(elapsed).toBeLessThan(2_500);
    // The pool does keep trying to reach minConnections, but with backoff, not in a tight loop.
    expect(recorder.of("connection.connecting").length).toBeLessThan(40);
    // A refused sign-in says nothing about the endpoint's health: its breaker stays closed.
    expect(manager.healthStatus().endpoints[0]!.breaker).toBe("closed");
    recorder.stop();
  });

  it("a refused port: create() rejects fast with ConnectError naming the endpoint and ECONNREFUSED", async () => {
    const url = `ws://127.0.0.1:${await refusedPort()}/rpc`;
    const connectionTimeoutMs = 10_000; // without the TCP pre-probe, a refused port would cost all of it
    const started = performance.now();
    const outcome = await settleWithin(
      ConnectionManager.create(remoteOptions([url], { pool: { connectionTimeoutMs } })),
      connectionTimeoutMs + 5_000,
    );
    const elapsed = performance.now() - started;
    if (outcome === "timeout" || outcome.ok) throw new Error("create() should have rejected");
    expect(isConnectError(outcome.error), String(outcome.error)).toBe(true);
    const message = (outcome.error as Error).message;
    expect(message).toContain(url);
    expect(message).toContain("ECONNREFUSED");
    expect(elapsed).toBeLessThan(connectionTimeoutMs / 4);
  });

  it.each([
    ["an http:// URL", "http://127.0.0.1:8000/rpc", /remote endpoints must be ws:\/\/ or wss:\/\//],
    ["not a URL", "localhost:8000", /is not a URL/],
    ["no host", "ws://", /not a valid URL|has no host/],
    ["an unknown scheme", "tcp://127.0.0.1:8000", /unsupported scheme/],
  ])("a bad URL (%s) is a ConfigError that names it", async (_label, url, pattern) => {
    const outcome = await settleWithin(ConnectionManager.create(remoteOptions([url])), 2_000);
    if (outcome === "timeout" || outcome.ok) throw new Error("create() should have rejected");
    expect(isConfigError(outcome.error), String(outcome.error)).toBe(true);
    expect((outcome.error as Error).message).toMatch(pattern);
    expect((outcome.error as Error).message).toContain("mode.endpoints.0");
  });

  it("no endpoints at all is a ConfigError", async () => {
    await expect(ConnectionManager.create(remoteOptions([]))).rejects.toSatisfy(isConfigError);
  });

  it("executeWithRetry attempts a non-transient error (parse, not found, already exists) once", async () => {
    manager = await ConnectionManager.create(remoteOptions([proxy!.url], { pool: { minConnections: 1 } }));
    const recorder = new EventRecorder(manager);
    const cases: [string, RegExp][] = [
      ["SELEC nonsense FROM", /parse error/i],
      ["SELECT * FROM no_such_table_anywhere", /does not exist/],
      ["CREATE dup:one; CREATE dup:one", /already exists/],
    ];
    for (const [query, pattern] of cases) {
      let calls = 0;
      const outcome = await settleWithin(
        manager.executeWithRetry((db) => {
          calls++;
          return db.query(query);
        }),
        5_000,
      );
      if (outcome === "timeout" || outcome.ok) throw new Error(`${query} should have failed`);
      expect((outcome.error as Error).message, query).toMatch(pattern);
      expect(calls, query).toBe(1);
    }
    expect(recorder.of("operation.retried")).toHaveLength(0);
    expect(recorder.of("operation.failed").map((f) => f.attempts)).toEqual([1, 1, 1]);
    expect(manager.metrics().snapshot().retries).toBe(0);
    // The server answered: these say nothing against the endpoint, and the connection is kept.
    expect(manager.healthStatus().endpoints[0]!.breaker).toBe("closed");
    expect(recorder.of("connection.retiring")).toHaveLength(0);
    recorder.stop();
  });

  it("credentials given as a function are asked for once per new socket; sessions on it start from its sign-in", async () => {
    let asked = 0;
    manager = await ConnectionManager.create(
      remoteOptions([proxy!.url], {
        credentials: async () => {
          asked++;
          return ROOT;
        },
        pool: { minConnections: 2, maxConnections: 4 },
      }),
    );
    // Two sessions over the default two sockets: each socket signed in once; a session forks from it.
    const sockets = () => manager!.healthStatus().endpoints[0]!.sockets;
    expect(sockets()).toBe(2);
    expect(asked).toBe(2);
    const recorder = new EventRecorder(manager);
    // Reuse asks nothing.
    for (let i = 0; i < 10; i++) await manager.executeWithRetry((db) => db.query("RETURN 1"));
    expect(asked).toBe(2);
    // Four at once: two more sessions open on the sockets already signed in, asking nothing.
    const leases = await Promise.all([1, 2, 3, 4].map(() => manager!.acquire()));
    await Promise.all(leases.map((l) => l.release()));
    expect(recorder.of("connection.opened")).toHaveLength(2);
    expect(asked).toBe(2);
    expect(recorder.of("socket.opened")).toHaveLength(0);
    recorder.stop();
  });
});
