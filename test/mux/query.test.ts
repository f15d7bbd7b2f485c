// manager.query(): stateless queries on the shared sockets' default sessions, without a lease, many in
// flight per socket, with retries, events and typed refusals like executeWithRetry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isArgumentError } from "../../src/errors/ArgumentError.js";
import { isPoolClosedError } from "../../src/errors/PoolClosedError.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { closeAll, EventRecorder } from "../remote/helpers.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import { createMux, endpointHealth } from "./helpers.js";

describe("manager.query(): the stateless fast path", () => {
  let endpoint: EndpointHandle | undefined;
  let proxy: FaultProxy | undefined;
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    proxy = await startFaultProxy({ target: endpoint });
    manager = await createMux(proxy.url, { minConnections: 2, maxConnections: 2, socketsPerEndpoint: 2 });
  });
  afterAll(async () => {
    await closeAll(manager, [proxy], [endpoint]);
  });

  it("runs in the pool's namespace/database with variables, and takes no lease", async () => {
    const recorder = new EventRecorder(manager!);
    await manager!.query("CREATE item:1 SET n = $n", { n: 41 });
    const [rows] = await manager!.query<[{ n: number }[]]>("SELECT n FROM item");
    expect(rows).toEqual([{ n: 41 }]);
    // The same record through a lease: it is the pool's namespace/database.
    const [viaLease] = await manager!.executeWithRetry((db) =>
      db.query<[{ n: number }[]]>("SELECT n FROM item"),
    );
    expect(viaLease).toEqual([{ n: 41 }]);
    expect(recorder.of("lease.acquired")).toHaveLength(1); // the executeWithRetry only
    expect(recorder.of("operation.succeeded")).toHaveLength(3);
    expect(recorder.of("operation.succeeded")[0]!.endpoint).toBe(proxy!.url);
    recorder.stop();
  });

  it("keeps no state between calls: a query's LET and USE end with it", async () => {
    const [, x] = await manager!.query<[unknown, number]>("LET $x = 7; RETURN $x");
    expect(x).toBe(7);
    const [gone] = await manager!.query<[unknown]>("RETURN $x");
    expect(gone).toBeUndefined();
    const [, inside] = await manager!.query<[unknown, string]>(
      "USE NS elsewhere DB other; RETURN session::ns()",
    );
    expect(inside).toBe("elsewhere");
    const place = await manager!.query<[string, string]>("RETURN session::ns(); RETURN session::db()");
    expect(place).toEqual(["test", "test"]); // the next query is back in the pool's namespace/database
  });

  it("carries many calls in flight on two sockets, more than the pool has sessions", async () => {
    const recorder = new EventRecorder(manager!);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => manager!.query<[number]>("RETURN $i", { i })),
    );
    expect(results.map(([v]) => v)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(recorder.of("lease.acquired")).toHaveLength(0);
    expect(recorder.of("acquire.queued")).toHaveLength(0);
    expect(endpointHealth(manager!)).toMatchObject({ sockets: 2, size: 2 });
    recorder.stop();
  });

  it("retries a call whose socket dropped, on the other socket", async () => {
    const recorder = new EventRecorder(manager!);
    // Slow the answers down so a call is in flight on each socket when one of them is reset.
    proxy!.setMode({ kind: "latency", ms: 100 });
    const calls = Array.from({ length: 20 }, (_, i) => manager!.query<[number]>("RETURN $i", { i }));
    await new Promise((resolve) => setTimeout(resolve, 30));
    proxy!.resetOne(0);
    const results = await Promise.all(calls);
    proxy!.setMode("pass");
    expect(results.map(([v]) => v)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(recorder.of("socket.closed")).toHaveLength(1);
    expect(recorder.of("operation.retried").length).toBeGreaterThan(0);
    expect(recorder.of("operation.failed")).toHaveLength(0);
    recorder.stop();
  });

  it("refuses bad arguments with a typed error naming the argument, before anything runs", async () => {
    const recorder = new EventRecorder(manager!);
    const bad: [unknown, unknown, unknown, RegExp][] = [
      ["", undefined, undefined, /query\(text\)/],
      [42, undefined, undefined, /query\(text\)/],
      ["RETURN 1", [1], undefined, /query\(text, vars\)/],
      ["RETURN 1", undefined, { timeoutMs: -1 }, /timeoutMs/],
      ["RETURN 1", undefined, { signal: "no" }, /signal/],
    ];
    for (const [text, vars, options, message] of bad) {
      const call = (manager!.query as (...a: unknown[]) => Promise<unknown>)(text, vars, options);
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isArgumentError(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
    expect(recorder.events).toHaveLength(0);
    recorder.stop();
  });

  it("is refused once shutdown began", async () => {
    const local = await createMux(endpoint!.url, { minConnections: 1, maxConnections: 1 });
    await local.query("RETURN 1");
    const closing = local.shutdown({ timeoutMs: 2_000 });
    const error = await local.query("RETURN 1").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPoolClosedError(error)).toBe(true);
    await closing;
  });
});

describe("manager.query() on an embedded engine", () => {
  it("runs on the engine's root session, without a lease", async () => {
    const manager = await ConnectionManager.create({
      namespace: "q",
      database: "q",
      pool: { minConnections: 1 },
    });
    try {
      const recorder = new EventRecorder(manager);
      await manager.query("CREATE item:1 SET n = 1");
      const [rows] = await manager.executeWithRetry((db) =>
        db.query<[{ n: number }[]]>("SELECT n FROM item"),
      );
      expect(rows).toEqual([{ n: 1 }]);
      expect(recorder.of("lease.acquired")).toHaveLength(1);
      recorder.stop();
    } finally {
      await manager.shutdown();
    }
  });
});
