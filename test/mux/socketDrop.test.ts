// A shared socket that drops retires exactly the sessions it carried; the pool re-creates them on a
// healthy socket, and the other socket's sessions (and their leases) never notice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaseReleasedError } from "../../src/errors/LeaseReleasedError.js";
import type { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { closeAll, EventRecorder, waitFor } from "../remote/helpers.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import { createMux, endpointHealth } from "./helpers.js";

describe("a shared socket drops", () => {
  let endpoint: EndpointHandle | undefined;
  let proxy: FaultProxy | undefined;
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    proxy = await startFaultProxy({ target: endpoint });
  });
  afterAll(async () => {
    await closeAll(manager, [proxy], [endpoint]);
  });

  it("retires only its sessions, leaves the other socket's leases working, and the pool refills", async () => {
    manager = await createMux(proxy!.url, { minConnections: 6, maxConnections: 6, socketsPerEndpoint: 2 });
    const events = new EventRecorder(manager);
    expect(endpointHealth(manager)).toMatchObject({ sockets: 2, size: 6, pooling: "sessions" });
    // Lease every session, so we can watch which leases the drop ends.
    const leases = await Promise.all(Array.from({ length: 6 }, () => manager!.acquire()));
    expect(proxy!.resetOne(0)).toBe(true);
    await waitFor(() => events.of("socket.closed").length === 1, "the socket should report its drop");
    const closed = events.of("socket.closed")[0]!;
    expect(closed.error).toBeInstanceOf(Error);
    expect(closed.sessions).toBe(3); // spread evenly: three sessions on each socket
    await waitFor(() => leases.filter((l) => l.released).length === 3, "three leases should be revoked");
    const broken = new Set(
      events
        .of("connection.retiring")
        .filter((r) => r.reason === "broken")
        .map((r) => r.connectionId),
    );
    const revoked = leases.filter((l) => l.released);
    const survivors = leases.filter((l) => !l.released);
    expect(broken).toEqual(new Set(revoked.map((l) => l.connectionId)));
    expect(events.of("lease.released").filter((r) => r.revoked === "broken")).toHaveLength(3);
    // The other socket's sessions answer as before.
    for (const lease of survivors) {
      const [one] = await lease.db.query<[number]>("RETURN 1");
      expect(one).toBe(1);
    }
    expect(() => revoked[0]!.db).toThrow(LeaseReleasedError);
    await Promise.all(leases.map((l) => l.release()));
    // Refilled to six sessions over two sockets again (a new socket replaces the dropped one).
    await waitFor(
      () => {
        const h = endpointHealth(manager!);
        return h.size === 6 && h.idle === 6 && h.sockets === 2;
      },
      () => `the pool should refill: ${JSON.stringify(endpointHealth(manager!))}`,
    );
    expect(events.of("socket.opened")).toHaveLength(1);
    expect(events.of("connection.opened")).toHaveLength(3);
    const leased = await Promise.all(Array.from({ length: 6 }, () => manager!.acquire()));
    for (const lease of leased) expect((await lease.db.query<[number]>("RETURN 2"))[0]).toBe(2);
    await Promise.all(leased.map((l) => l.release()));
    events.stop();
  });
});

describe("the endpoint is killed (SIGKILL)", () => {
  let endpoint: EndpointHandle | undefined;
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    manager = await createMux(endpoint.url, { minConnections: 6, maxConnections: 6, socketsPerEndpoint: 2 });
  });
  afterAll(async () => {
    await closeAll(manager, [], [endpoint]);
  });

  it("drops every socket, retiring all their sessions; the pool refills once it is back", async () => {
    const events = new EventRecorder(manager!);
    await endpoint!.kill();
    await waitFor(() => events.of("socket.closed").length === 2, "both sockets should drop");
    expect(events.of("socket.closed").reduce((n, e) => n + e.sessions, 0)).toBe(6);
    await endpoint!.restart();
    await waitFor(
      () => {
        const h = endpointHealth(manager!);
        return h.size === 6 && h.idle === 6 && h.sockets === 2;
      },
      () => `the pool should refill after the restart: ${JSON.stringify(endpointHealth(manager!))}`,
      { timeoutMs: 20_000 },
    );
    const [one] = await manager!.executeWithRetry((db) => db.query<[number]>("RETURN 1"));
    expect(one).toBe(1);
    events.stop();
  }, 40_000);
});
