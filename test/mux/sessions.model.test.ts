// fast-check model test of sessions over shared sockets, against a real loopback endpoint behind a fault
// proxy: lease, release (clean or dirty), a socket drop, a stateless query. The model is only which
// leases the test holds; after every command the real pool must keep: leases exclusive and working,
// at most socketsPerEndpoint sockets, a drop retiring exactly the sessions its socket carried (and ending
// exactly those leases), every session handed out clean, and the pool refilled to its minimum.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import type { Lease } from "../../src/surreal/lease/Lease.js";
import { EventRecorder, waitFor } from "../remote/helpers.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import { createMux, endpointHealth } from "./helpers.js";

const MIN = 3;
const MAX = 4;
const SOCKETS = 2;

interface Model {
  held: number;
}
interface Real {
  manager: ConnectionManager;
  proxy: FaultProxy;
  events: EventRecorder;
  leases: Lease[];
}
type Command = fc.AsyncCommand<Model, Real, false>;

/** Leases the pool ended itself (a drop) leave the test's hands; the model follows. */
function forgetRevoked(m: Model, r: Real): void {
  r.leases = r.leases.filter((l) => !l.released);
  m.held = r.leases.length;
}

class Acquire implements Command {
  check = (m: Model) => m.held < MAX;
  async run(m: Model, r: Real): Promise<void> {
    const lease = await r.manager.acquire({ timeoutMs: 5_000 });
    expect(r.leases.some((l) => l.connectionId === lease.connectionId)).toBe(false); // exclusive
    // Handed out clean: the pool's namespace/database, no variables.
    expect([lease.db.namespace, lease.db.database]).toEqual(["test", "test"]);
    expect(lease.db.parameters).toEqual({});
    r.leases.push(lease);
    m.held++;
  }
  toString = () => "acquire";
}

class Release implements Command {
  constructor(
    readonly index: number,
    readonly dirty: boolean,
  ) {}
  check = (m: Model) => m.held > 0;
  async run(m: Model, r: Real): Promise<void> {
    const lease = r.leases.splice(this.index % r.leases.length, 1)[0]!;
    m.held--;
    if (this.dirty && !lease.released) {
      await lease.db.set("dirty", true).catch(() => {});
      await lease.db.use({ namespace: "elsewhere", database: "x" }).catch(() => {});
    }
    await lease.release();
  }
  toString = () => `release(${this.index}, ${this.dirty ? "dirty" : "clean"})`;
}

class DropSocket implements Command {
  constructor(readonly index: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    await settled(r);
    const mark = r.events.mark;
    if (!r.proxy.resetOne(this.index % SOCKETS)) return;
    await waitFor(
      () => r.events.of("socket.closed", mark).length === 1,
      "the reset socket should report its drop",
    );
    const closed = r.events.of("socket.closed", mark)[0]!;
    await waitFor(
      () =>
        r.events.of("connection.retiring", mark).filter((e) => e.reason === "broken").length ===
        closed.sessions,
      "exactly the dropped socket's sessions should retire",
    );
    const broken = new Set(
      r.events
        .of("connection.retiring", mark)
        .filter((e) => e.reason === "broken")
        .map((e) => e.connectionId),
    );
    expect(broken.size).toBe(closed.sessions);
    for (const lease of r.leases) expect(lease.released).toBe(broken.has(lease.connectionId));
    forgetRevoked(m, r);
  }
  toString = () => `dropSocket(${this.index % SOCKETS})`;
}

class Query implements Command {
  check = () => true;
  async run(_m: Model, r: Real): Promise<void> {
    const [n] = await r.manager.query<[number]>("RETURN $n", { n: 5 });
    expect(n).toBe(5);
  }
  toString = () => "query";
}

/** The pool has refilled and every held lease answers. */
async function settled(r: Real): Promise<void> {
  await waitFor(
    () => {
      const h = endpointHealth(r.manager);
      return (
        h.pending === 0 && h.retiring === 0 && h.checking === 0 && h.size >= MIN && h.sockets === SOCKETS
      );
    },
    () => `the pool should settle: ${JSON.stringify(endpointHealth(r.manager))}`,
    { timeoutMs: 15_000 },
  );
  const h = endpointHealth(r.manager);
  expect(h.size).toBeLessThanOrEqual(MAX);
  expect(h.sockets).toBeLessThanOrEqual(SOCKETS);
  for (const lease of r.leases) expect((await lease.db.query<[number]>("RETURN 1"))[0]).toBe(1);
}

describe("sessions over sockets against a model", () => {
  let endpoint: EndpointHandle | undefined;
  let proxy: FaultProxy | undefined;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    proxy = await startFaultProxy({ target: endpoint });
  });
  afterAll(async () => {
    await proxy?.close(500);
    await endpoint?.stop();
  });

  it("keeps leases exclusive and clean, and a drop retires exactly its socket's sessions", async () => {
    const commands = fc.commands<Model, Real, false>(
      [
        fc.constant(new Acquire()),
        fc.constant(new Acquire()),
        fc.tuple(fc.nat(), fc.boolean()).map(([i, dirty]) => new Release(i, dirty)),
        fc.nat().map((i) => new DropSocket(i)),
        fc.constant(new Query()),
      ],
      { maxCommands: 12 },
    );
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const manager = await createMux(proxy!.url, {
          minConnections: MIN,
          maxConnections: MAX,
          socketsPerEndpoint: SOCKETS,
        });
        const real: Real = { manager, proxy: proxy!, events: new EventRecorder(manager), leases: [] };
        try {
          await fc.asyncModelRun(() => ({ model: { held: 0 }, real }), cmds);
          await settled(real);
        } finally {
          await Promise.all(real.leases.map((l) => l.release()));
          real.events.stop();
          await manager.shutdown({ timeoutMs: 2_000 });
        }
      }),
      { numRuns: 20 },
    );
  }, 240_000);
});
