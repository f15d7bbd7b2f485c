// A real SurrealDB RPC endpoint on 127.0.0.1, run as its own child process so tests can SIGKILL it (crash),
// restart it on the same port and directory (durability), or put a fault proxy in front of it.
//
//   node --import tsx test/support/endpointServer.ts --port 0 --store mem:// --user root --pass root
//
// Prints `READY <port>` on stdout once it accepts connections. SIGTERM/SIGINT: graceful stop, exit 0.
// Env fallbacks: SURREAL_ENDPOINT_PORT, SURREAL_ENDPOINT_STORE, SURREAL_ENDPOINT_USER, SURREAL_ENDPOINT_PASS.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { escapeIdent } from "surrealdb";
import { makeStderrBlocking } from "../../src/surreal/blockingStderr.js";
import { loadNativeEngine } from "./nativeEngine.js";
import { codec } from "./rpcFrames.js";
import { RpcGateway } from "./rpcGateway.js";

// The engine's change-feed debug dump goes to fd 2; on a non-blocking pipe that the test reads late it
// can abort this process (src/surreal/blockingStderr.ts). A blocking pipe makes it wait instead.
makeStderrBlocking();

const HOST = "127.0.0.1"; // loopback only, whatever the caller asks

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.SURREAL_ENDPOINT_PORT ?? "0" },
    store: { type: "string", default: process.env.SURREAL_ENDPOINT_STORE ?? "mem://" },
    user: { type: "string", default: process.env.SURREAL_ENDPOINT_USER ?? "root" },
    pass: { type: "string", default: process.env.SURREAL_ENDPOINT_PASS ?? "root" },
    "allow-guests": { type: "boolean", default: false },
    "no-sessions": { type: "boolean", default: false },
    "report-version": { type: "string" },
    "drop-notifications": { type: "boolean", default: false },
    "exit-on-stdin-end": { type: "boolean", default: false },
  },
});

function fail(message: string, err?: unknown): never {
  process.stderr.write(
    `endpointServer: ${message}${err ? `: ${err instanceof Error ? err.stack : err}` : ""}\n`,
  );
  process.exit(1);
}

const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad --port ${args.port}`);
if (!/^(mem:\/\/|surrealkv(\+versioned)?:\/\/.+)$/.test(args.store)) fail(`bad --store ${args.store}`);

const SurrealNodeEngine = loadNativeEngine();
const engine = await SurrealNodeEngine.connect(args.store).catch((err) => fail("engine connect", err));

// The embedded engine runs with auth off, so the root user a server gets from `--user/--pass` is defined
// here; like a server, an existing root user of a reopened datastore is kept as it is.
const defineRoot = `DEFINE USER IF NOT EXISTS ${escapeIdent(args.user)} ON ROOT PASSWORD ${JSON.stringify(args.pass)} ROLES OWNER`;
const answer = codec.decode<unknown>(
  await engine.execute(codec.encode({ id: "init", method: "query", params: [defineRoot] })),
);
const status = Array.isArray(answer) ? (answer[0] as { status?: string; result?: unknown }) : undefined;
if (status?.status !== "OK") fail(`defining the root user failed: ${JSON.stringify(status ?? answer)}`);

const gateway = new RpcGateway(engine, {
  allowGuests: args["allow-guests"],
  sessions: !args["no-sessions"],
  version: args["report-version"],
  dropNotifications: args["drop-notifications"],
});
void gateway.pumpNotifications().catch((err) => process.stderr.write(`notifications stopped: ${err}\n`));

const version = args["report-version"] ?? `surrealdb-${SurrealNodeEngine.version()}`;
const server = createServer((req, res) => {
  // The HTTP side of a server that health checks use; RPC over HTTP is not served.
  if (req.url === "/health") res.writeHead(200).end();
  else if (req.url === "/version") res.writeHead(200, { "content-type": "text/plain" }).end(version);
  else res.writeHead(404).end();
});
server.on("upgrade", (req, socket, head) => {
  if (new URL(req.url ?? "/", "http://x").pathname !== "/rpc") {
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
    return;
  }
  gateway.wss.handleUpgrade(req, socket, head, (ws) => gateway.wss.emit("connection", ws, req));
});
server.on("error", (err) => fail("listen", err));
server.listen({ host: HOST, port }, () => {
  process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
});

let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Bounded: a stuck close must never keep a test's child alive.
  setTimeout(() => process.exit(code), 4_000).unref();
  server.close(); // stop accepting; open sockets first get a proper 1001 close from the gateway
  await gateway.close(2_000);
  server.closeAllConnections();
  engine.free(); // flushes and releases a surrealkv directory
  process.exit(code);
}
process.on("SIGTERM", () => void shutdown(0));
process.on("SIGINT", () => void shutdown(0));
// endpoint.ts holds our stdin open: EOF means the test process died (even by SIGKILL), so stop too.
// Opt-in, because a server started by hand from a shell with stdin at /dev/null would stop at once.
if (args["exit-on-stdin-end"]) {
  process.stdin.on("end", () => void shutdown(0));
  process.stdin.resume();
}
process.on("uncaughtException", (err) => fail("uncaught", err));
