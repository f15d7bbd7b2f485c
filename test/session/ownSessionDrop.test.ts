// A socket reset under an agent's leases: each lease out at once has its own session, and the drop of
// its socket ends that lease (its call still waiting fails at once, typed and transient) instead of
// leaving it hanging; the agent's next leases run on sessions opened again, each clean. A loopback
// endpoint behind a fault proxy.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLeaseReleasedError } from "../../src/errors/LeaseReleasedError.js";
import type { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { AgentSession } from "../../src/session/AgentSession.js";
import { createMux } from "../mux/helpers.js";
import { closeAll } from "../remote/helpers.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";

describe("an agent's sessions through a socket reset", () => {
  let endpoint: EndpointHandle | undefined;
  let proxy: FaultProxy | undefined;
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    proxy = await startFaultProxy({ target: endpoint });
    manager = await createMux(proxy.url, { minConnections: 2, maxConnections: 8, socketsPerEndpoint: 1 });
  });
  afterAll(async () => {
    await closeAll(manager, [proxy], [endpoint]);
  });

  it("ends each lease whose session dropped, and the next leases get new, clean sessions", async () => {
    const agent = await AgentSession.create({
      id: "dropped",
      manager: manager!,
      namespace: "drop_ns",
      maxConcurrentLeases: 3,
    });
    const leases = await Promise.all([agent.acquire(), agent.acquire(), agent.acquire()]);
    await Promise.all(leases.map((lease, i) => lease.db.set("v", i)));
    // Each lease waits on a call that only the drop can end.
    const waiting = leases.map((lease) =>
      lease.db.query("SLEEP 20s").then(
        () => "finished",
        (error: unknown) => error,
      ),
    );
    const started = performance.now();
    proxy!.setMode("reset");
    const outcomes = await Promise.all(waiting);
    expect(performance.now() - started).toBeLessThan(5_000);
    for (const outcome of outcomes) expect(isLeaseReleasedError(outcome), String(outcome)).toBe(true);
    await Promise.all(leases.map((lease) => lease.release()));
    proxy!.setMode("pass");

    const again = await Promise.all([
      agent.acquire({ timeoutMs: 15_000 }),
      agent.acquire({ timeoutMs: 15_000 }),
    ]);
    for (const lease of again) {
      const [view] = await lease.db.query<[[string, unknown]]>("RETURN [session::ns(), $v]");
      expect(view).toEqual(["drop_ns", undefined]);
    }
    await Promise.all(again.map((lease) => lease.release()));
    await agent.close();
  }, 60_000);
});
