// Issue 10, finding 2: a socket that drops while a sign-in is in flight is a connection failure (retried,
// waiting acquires keep waiting), not `AuthenticationFailedError`. Only the server's refusal of the
// credentials is an authentication failure. Real loopback endpoint; the fault proxy resets each socket
// right after its client sent the `signin` request.
import { AuthenticationError, CallTerminatedError, parseRpcError } from "surrealdb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { classifyError, isTransient } from "../../src/errors/classifyError.js";
import {
  ConnectionManager,
  isAuthenticationFailedError,
  isConnectError,
  type Lease,
} from "../../src/index.js";
import { WebSocketConnector } from "../../src/surreal/WebSocketConnector.js";
import { ROOT, remoteOptions, settleWithin, waitFor } from "../remote/helpers.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";

const CUT_SIGNIN = { kind: "cutOnRequest", method: "signin" } as const;

async function openError(connector: WebSocketConnector): Promise<unknown> {
  const deadline = AbortSignal.timeout(5_000);
  const connection = await connector.open(deadline).catch((e: unknown) => ({ failed: e }));
  if ("failed" in connection) return connection.failed;
  await connection.close();
  throw new Error("open() should have failed");
}

describe("a socket dropped during sign-in (finding 2)", () => {
  let endpoint: EndpointHandle;
  let proxy: FaultProxy;
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    proxy = await startFaultProxy({ target: endpoint });
  });
  afterEach(async () => {
    proxy.setMode("pass");
    await manager?.shutdown({ timeoutMs: 1_000 }).catch(() => undefined);
    manager = undefined;
  });
  afterAll(async () => {
    await proxy?.close();
    await endpoint?.stop();
  });

  it("is a transient ConnectError whose cause is the dropped call; a refused password stays AuthenticationFailedError", async () => {
    const connector = (credentials = ROOT) =>
      new WebSocketConnector({ endpoint: proxy.url, namespace: "t", database: "t", credentials });
    proxy.setMode(CUT_SIGNIN);
    const cutsBefore = proxy.stats.cuts;
    const dropped = await openError(connector());
    expect(proxy.stats.cuts).toBe(cutsBefore + 1);
    expect(isAuthenticationFailedError(dropped), String(dropped)).toBe(false);
    expect(isConnectError(dropped), String(dropped)).toBe(true);
    expect((dropped as Error).cause).toBeInstanceOf(CallTerminatedError);
    expect(classifyError(dropped)).toMatchObject({ transient: true, category: "connection" });

    proxy.setMode("pass");
    const refused = await openError(connector({ username: "root", password: "wrong" }));
    expect(isAuthenticationFailedError(refused), String(refused)).toBe(true);
    expect(isTransient(refused)).toBe(false);
  });

  it("waiting acquires are not failed by sign-in drops, and are served once the network heals", async () => {
    manager = await ConnectionManager.create(
      remoteOptions([proxy.url], {
        pool: { minConnections: 1, maxConnections: 5, warmConnections: false, connectionTimeoutMs: 15_000 },
        // The breaker is not the subject here: with it open, waiters fail fast by design.
        circuitBreaker: { failureThreshold: 1_000 },
      }),
    );
    proxy.setMode(CUT_SIGNIN);
    const cutsBefore = proxy.stats.cuts;
    const acquires = Array.from({ length: 5 }, () => manager!.acquire());
    const outcomes: (Lease | Error)[] = [];
    for (const a of acquires)
      a.then(
        (l) => outcomes.push(l),
        (e: Error) => outcomes.push(e),
      );
    await waitFor(() => proxy.stats.cuts >= cutsBefore + 3, "three sign-ins cut", { timeoutMs: 10_000 });
    // Before the fix the first cut sign-in was an AuthenticationFailedError that failed every waiter.
    expect(outcomes.map(String)).toEqual([]);
    expect(manager.healthStatus().waiting).toBe(5);

    proxy.setMode("pass");
    const leases = await Promise.all(acquires);
    expect(leases).toHaveLength(5);
    for (const lease of leases) await lease.release();
  });

  it("executeWithRetry rides through a sign-in drop", async () => {
    manager = await ConnectionManager.create(
      remoteOptions([proxy.url], {
        pool: { minConnections: 1, maxConnections: 2, warmConnections: false, connectionTimeoutMs: 10_000 },
      }),
    );
    proxy.setMode(CUT_SIGNIN);
    const cutsBefore = proxy.stats.cuts;
    const call = settleWithin(
      manager.executeWithRetry((db) => db.query<[number]>("RETURN 7")),
      15_000,
    );
    await waitFor(() => proxy.stats.cuts > cutsBefore, "a sign-in cut");
    proxy.setMode("pass");
    const outcome = await call;
    expect(outcome).toEqual({ ok: true, value: [7] });
  });
});

describe("classification of the SDK's AuthenticationError (finding 2)", () => {
  it("is transient when what stopped it was a dropped call, not when the server refused", () => {
    expect(classifyError(new AuthenticationError(new CallTerminatedError()))).toMatchObject({
      transient: true,
      category: "connection",
    });
    const refusal = parseRpcError({
      code: -32002,
      kind: "NotAllowed",
      message: "There was a problem with authentication",
      details: { kind: "Auth", details: { kind: "InvalidAuth" } },
    });
    expect(classifyError(new AuthenticationError(refusal))).toMatchObject({
      transient: false,
      category: "config",
    });
  });
});
