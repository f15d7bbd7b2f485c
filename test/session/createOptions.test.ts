// AgentSession.create takes one options object ({ id, manager, namespace, database?, ...options }); the
// positional form still works for one version (deprecated). Bad arguments are refused with a typed
// error naming the key, before anything changes: no id claimed, no event, no session opened.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isArgumentError } from "../../src/errors/ArgumentError.js";
import { isConfigError } from "../../src/errors/ConfigError.js";
import type { PoolEvent } from "../../src/events/PoolEvent.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { AgentSession } from "../../src/session/AgentSession.js";
import type { AgentSessionCreateOptions } from "../../src/session/AgentSessionCreateOptions.js";
import { internalsOf } from "../../src/session/managerInternals.js";

let manager: ConnectionManager;
let events: PoolEvent[];
let sessionsOpened: number;

beforeEach(async () => {
  manager = await ConnectionManager.create({ namespace: "app", database: "main" });
  events = [];
  manager.events$.subscribe((e) => {
    if (e.type.startsWith("session.")) events.push(e);
  });
  sessionsOpened = 0;
  const internals = internalsOf(manager);
  const open = internals.openSession!;
  internals.openSession = (place) => {
    sessionsOpened++;
    return open(place);
  };
});
afterEach(async () => {
  await manager.shutdown({ timeoutMs: 2_000 });
});

async function refusal(create: () => Promise<unknown>): Promise<unknown> {
  return create().then(
    (session) => {
      throw new Error(`expected a refusal, got ${String(session)}`);
    },
    (error: unknown) => error,
  );
}

describe("AgentSession.create({ id, manager, namespace, ... })", () => {
  it("opens the agent in its namespace, the manager's database by default, with its options", async () => {
    const agent = await AgentSession.create({
      id: "planner",
      manager,
      namespace: "planning",
      maxConcurrentLeases: 2,
    });
    expect([agent.agentId, agent.namespace, agent.database, agent.maxConcurrentLeases]).toEqual([
      "planner",
      "planning",
      "main",
      2,
    ]);
    const other = await AgentSession.create({
      id: "executor",
      manager,
      namespace: "execution",
      database: "runs",
    });
    expect(other.database).toBe("runs");
    {
      await using lease = await agent.acquire();
      const [where] = await lease.db.query<[[string, string]]>("RETURN [session::ns(), session::db()]");
      expect(where).toEqual(["planning", "main"]);
    }
    await Promise.all([agent.close(), other.close()]);
  });

  it("still takes the deprecated positional form", async () => {
    const agent = await AgentSession.create("legacy", manager, "legacy_ns", "legacy_db", {
      maxConcurrentLeases: 1,
    });
    expect([agent.namespace, agent.database, agent.maxConcurrentLeases]).toEqual([
      "legacy_ns",
      "legacy_db",
      1,
    ]);
    await agent.close();
    // Its bad names are still ConfigErrors, as before.
    expect(isConfigError(await refusal(() => AgentSession.create("", manager, "ns")))).toBe(true);
  });

  it("refuses bad arguments with an ArgumentError naming the key, before anything changes", async () => {
    const base = { id: "careful", manager, namespace: "careful_ns" };
    const unreadable = Object.defineProperty({ ...base }, "namespace", {
      enumerable: true,
      get() {
        throw new Error("no");
      },
    });
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      [
        "nothing",
        () => (AgentSession.create as (...a: unknown[]) => Promise<unknown>)(),
        /must be an options object/,
      ],
      ["null", () => AgentSession.create(null as never), /must be an options object/],
      ["a number", () => AgentSession.create(42 as never), /must be an options object/],
      ["an array", () => AgentSession.create([] as never), /must be an options object/],
      [
        "an object and more",
        () => (AgentSession.create as (...a: unknown[]) => Promise<unknown>)(base, "x"),
        /takes one options object, got 2 arguments/,
      ],
      ["a string alone", () => AgentSession.create("careful" as never), /must be a ConnectionManager/],
      [
        "no id",
        () => AgentSession.create({ ...base, id: undefined } as never),
        /options\)\.id must be a non-empty string/,
      ],
      ["an empty id", () => AgentSession.create({ ...base, id: "" }), /\.id must be a non-empty string/],
      [
        "a numeric id",
        () => AgentSession.create({ ...base, id: 7 } as never),
        /\.id must be a non-empty string, got 7/,
      ],
      [
        "no manager",
        () => AgentSession.create({ ...base, manager: undefined } as never),
        /\.manager must be a ConnectionManager/,
      ],
      [
        "a lookalike manager",
        () => AgentSession.create({ ...base, manager: {} } as never),
        /\.manager must be a ConnectionManager/,
      ],
      [
        "no namespace",
        () => AgentSession.create({ ...base, namespace: undefined } as never),
        /\.namespace must be a non-empty string/,
      ],
      [
        "an empty database",
        () => AgentSession.create({ ...base, database: "" }),
        /\.database must be a non-empty string/,
      ],
      [
        "a misspelt key",
        () => AgentSession.create({ ...base, agentId: "x" } as never),
        /\.agentId is not an option.*did you mean id\?/,
      ],
      [
        "an unknown option",
        () => AgentSession.create({ ...base, maxLeases: 2 } as never),
        /\.maxLeases is not an option/,
      ],
      [
        "an unreadable object",
        () => AgentSession.create(unreadable as AgentSessionCreateOptions),
        /could not be read/,
      ],
    ];
    for (const [what, create, message] of cases) {
      const error = await refusal(create);
      expect(isArgumentError(error), `${what}: ${String(error)}`).toBe(true);
      expect((error as Error).message, what).toMatch(message);
    }
    // A bad option value is a ConfigError naming the option, as in every other options object.
    const bad = await refusal(() => AgentSession.create({ ...base, maxConcurrentLeases: 0 }));
    expect(isConfigError(bad)).toBe(true);
    expect((bad as Error).message).toMatch(/agentSession\.maxConcurrentLeases/);

    // Nothing changed: no event, no session opened, the id is still free.
    expect(events).toEqual([]);
    expect(sessionsOpened).toBe(0);
    expect(manager.metrics().snapshot().sessionsActive).toBe(0);
    const agent = await AgentSession.create(base);
    expect(agent.state).toBe("active");
    await agent.close();
  });
});
