// The fault proxy produces the network faults it claims, as seen by the official SDK.
import type { Surreal } from "surrealdb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import { ConnectTimeoutError, closeQuietly, connectWs } from "../support/wsClient.js";

const OPTIONS = { namespace: "test", database: "test", auth: { username: "root", password: "root" } };

/** Resolves "timeout" if the promise has not settled within ms (the promise is left to settle later). */
function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe("fault proxy", () => {
  let endpoint: EndpointHandle;
  let proxy: FaultProxy;
  const clients: Surreal[] = [];
  const open = async (timeoutMs = 3_000) => {
    const db = await connectWs(proxy.url, { ...OPTIONS, timeoutMs });
    clients.push(db);
    return db;
  };

  beforeAll(async () => {
    endpoint = await startEndpoint();
    proxy = await startFaultProxy({ target: endpoint });
  });
  beforeEach(() => proxy.setMode("pass"));
  afterAll(async () => {
    await proxy?.close(); // resets every proxied socket, so no SDK client is left waiting
    await Promise.all(clients.map((db) => closeQuietly(db, 200)));
    await endpoint?.stop();
  });

  it("pass: forwards traffic unchanged and counts connections", async () => {
    const accepted = proxy.stats.accepted;
    const db = await open();
    expect(await db.query("RETURN 41 + 1")).toEqual([42]);
    expect(proxy.stats.accepted).toBe(accepted + 1);
    expect(proxy.stats.active).toBeGreaterThanOrEqual(1);
    expect(proxy.stats.bytesUp).toBeGreaterThan(0);
    expect(proxy.stats.bytesDown).toBeGreaterThan(0);
    expect(proxy.url).toBe(`ws://127.0.0.1:${proxy.port}/rpc`);
  });

  it("latency: delays each direction by the given time", async () => {
    const db = await open();
    proxy.setMode({ kind: "latency", ms: 60 });
    const started = performance.now();
    expect(await db.query("RETURN 1")).toEqual([1]);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(110); // 60 ms up + 60 ms down, minus timer slack
    expect(elapsed).toBeLessThan(1_500);
  });

  it("blackhole: a query gets no answer, a new connect times out, and healing delivers held bytes", async () => {
    const db = await open();
    proxy.setMode("blackhole");
    const pending = db.query("RETURN 'held'");
    expect(await settleWithin(pending, 400)).toBe("timeout");
    await expect(connectWs(proxy.url, { ...OPTIONS, timeoutMs: 400 })).rejects.toBeInstanceOf(
      ConnectTimeoutError,
    );

    proxy.setMode("pass"); // a partition that heals: TCP delivers late, nothing lost
    expect(await settleWithin(pending, 2_000)).toEqual(["held"]);
  });

  it("reset: drops current connections with RST and refuses new ones fast", async () => {
    const db = await open();
    const resets = proxy.stats.resets;
    proxy.setMode("reset");
    await expect(settleWithin(db.query("RETURN 1"), 2_000)).rejects.toThrow();
    expect(proxy.stats.resets).toBeGreaterThan(resets);
    const started = performance.now();
    await expect(connectWs(proxy.url, { ...OPTIONS, timeoutMs: 2_000 })).rejects.toThrow(/closed before/);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("cutAfter: cuts a connection mid-stream after the byte budget", async () => {
    const db = await open();
    const cuts = proxy.stats.cuts;
    proxy.setMode({ kind: "cutAfter", bytes: 10 });
    await expect(settleWithin(db.query("RETURN 'a fairly long answer'"), 2_000)).rejects.toThrow();
    expect(proxy.stats.cuts).toBe(cuts + 1);
  });

  it("keeps working in front of an endpoint that restarts on the same port", async () => {
    const before = await open();
    await endpoint.kill();
    await expect(settleWithin(before.query("RETURN 1"), 2_000)).rejects.toThrow();
    await endpoint.restart();
    const after = await open();
    expect(await after.query("RETURN 2")).toEqual([2]);
  });
});
