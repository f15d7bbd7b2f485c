// One process that starts agent sessions and, without waiting for them, shuts the manager down; then
// does NOTHING: it must exit by itself. Prints one line per create outcome, then `{"shutdown": <epoch
// ms>}` when shutdown() resolved.
//
//   node --import tsx test/exit/createRace.ts --endpoint mem://|surrealkv://DIR|ws://HOST:PORT
import { parseArgs } from "node:util";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { AgentSession } from "../../src/session/AgentSession.js";

const { values } = parseArgs({ options: { endpoint: { type: "string" } } });
const endpoint = values.endpoint ?? "mem://";
const manager = await ConnectionManager.create({
  mode: { kind: "local", endpoint },
  ...(endpoint.startsWith("ws") ? { credentials: { username: "root", password: "root" } } : {}),
  pool: { minConnections: 1, maxConnections: 4 },
});
// Some creates land before shutdown, some while it begins: none is awaited.
const creates = Array.from({ length: 8 }, (_, i) =>
  AgentSession.create({
    id: `racer-${i}`,
    manager,
    namespace: "race",
    ...(i % 2 ? { sink: true } : {}),
  }).then(
    (session) => session,
    (error: { code?: string }) => `refused ${error.code}`,
  ),
);
await new Promise((resolve) => setImmediate(resolve));
await manager.shutdown({ timeoutMs: 1_000 });
// A create that won the race is a session the shutdown closed.
const outcomes = (await Promise.all(creates)).map((c) =>
  typeof c === "string" ? c : `created (${c.state})`,
);
process.stdout.write(`${JSON.stringify({ shutdown: Date.now(), creates: outcomes })}\n`);
