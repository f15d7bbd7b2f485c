// Recovery with default settings: a database that starts listening late, or comes back after an outage,
// serves callers again within 2 s of listening, while callers keep calling. (Before: 26 s, the open
// breaker's 30 s resetTimeoutMs.) The port is a proxy in front of a running endpoint, so "listening" is an
// exact moment: the proxy's listen().
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/inspect/localInspector.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";

const credentials = { username: "root", password: "root" };
const OUTAGE_MS = 5_000;
/** The target, plus a stated slack for a loaded 2-core machine (a sign-in here takes 25–200 ms). */
const WITHIN_MS = 2_000 + 500;

let endpoint: EndpointHandle;
beforeAll(async () => {
  endpoint = await startEndpoint();
}, 20_000);
afterAll(async () => {
  await endpoint?.stop();
});

/** Callers calling `query("RETURN 1")` every 50 ms until stopped; the times of their successes. */
function keepCalling(
  manager: ConnectionManager,
  callers = 4,
): { successes: number[]; stop(): Promise<void> } {
  const successes: number[] = [];
  let running = true;
  const loops = Array.from({ length: callers }, async () => {
    while (running) {
      try {
        await manager.query("RETURN 1", {}, { timeoutMs: 1_000 });
        successes.push(performance.now());
      } catch {
        // refused, open breaker, timeout: keep calling
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  return {
    successes,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function waitForSuccessAfter(successes: number[], after: number, limitMs: number): Promise<number> {
  const deadline = performance.now() + limitMs;
  for (;;) {
    const first = successes.find((t) => t >= after);
    if (first !== undefined) return first - after;
    if (performance.now() > deadline) return Number.POSITIVE_INFINITY;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * After OUTAGE_MS of nothing listening on `port` (callers calling all along), starts listening there and
 * expects a caller served within WITHIN_MS. Returns the listening proxy.
 */
async function listenAfterOutage(
  manager: ConnectionManager,
  port: number,
  successes: number[],
): Promise<FaultProxy> {
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  expect(manager.breakers()[0]!.state).not.toBe("closed");
  const proxy = await startFaultProxy({ target: endpoint, port });
  const listening = performance.now();
  const recoveredMs = await waitForSuccessAfter(successes, listening, 40_000);
  expect(recoveredMs, `first success ${recoveredMs.toFixed(0)} ms after the port listened`).toBeLessThan(
    WITHIN_MS,
  );
  return proxy;
}

describe("recovery with default settings", () => {
  it("a database that starts listening 5 s after create() is used within 2 s of listening", async () => {
    const port = await freePort();
    const manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: `ws://127.0.0.1:${port}/rpc` },
      credentials,
      // Nothing to warm: the server is not there yet (with warm-up, create() would fail fast instead).
      pool: { warmConnections: false },
    });
    const calls = keepCalling(manager);
    let proxy: FaultProxy | undefined;
    try {
      proxy = await listenAfterOutage(manager, port, calls.successes);
    } finally {
      await calls.stop();
      await manager.shutdown({ timeoutMs: 2_000 });
      await proxy?.close();
    }
  }, 60_000);

  it("a database back after a 5 s outage is used within 2 s of listening again", async () => {
    const port = await freePort();
    let proxy = await startFaultProxy({ target: endpoint, port });
    const manager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: `ws://127.0.0.1:${port}/rpc` },
      credentials,
    });
    const calls = keepCalling(manager);
    try {
      await waitForSuccessAfter(calls.successes, 0, 10_000);
      await proxy.close(); // every socket drops, the port refuses
      proxy = await listenAfterOutage(manager, port, calls.successes);
    } finally {
      await calls.stop();
      await manager.shutdown({ timeoutMs: 2_000 });
      await proxy.close();
    }
  }, 60_000);
});
