// One compute node of the simulated SurrealDB cluster (cluster.ts): serves SurrealDB's WebSocket RPC on its
// own port and forwards every client socket, message for message, over a socket of its own to the cluster's
// store process (an endpointServer.ts that owns the one engine). The store keeps a session per forwarded
// socket, so a client's session lives as long as its socket through this node; when the node dies, the OS
// closes both sides and the store drops those sessions and their live queries, as a crashed node does.
//
//   node --import tsx test/support/clusterNode.ts --port 0 --store-port 41234 --name node-1
//
// Prints `READY <port>` once it accepts connections. SIGTERM: closes its sockets (1001) and exits 0.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { type RawData, WebSocket, WebSocketServer } from "ws";

const HOST = "127.0.0.1"; // loopback only

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "store-port": { type: "string" },
    name: { type: "string", default: "node" },
    "exit-on-stdin-end": { type: "boolean", default: false },
  },
});

function fail(message: string, err?: unknown): never {
  process.stderr.write(
    `clusterNode: ${message}${err ? `: ${err instanceof Error ? err.stack : err}` : ""}\n`,
  );
  process.exit(1);
}

const port = Number(args.port);
const storePort = Number(args["store-port"]);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad --port ${args.port}`);
if (!Number.isInteger(storePort) || storePort <= 0 || storePort > 65535) fail(`bad --store-port`);
const storeUrl = `ws://${HOST}:${storePort}/rpc`;

/** Close codes a peer may send; the reserved ones (1005, 1006, 1015) mean "no code" and are replaced. */
function sendable(code: number, fallback: number): number {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)
    ? code
    : fallback;
}

const pairs = new Set<{ client: WebSocket; store: WebSocket }>();

/** Relays one client socket to a socket of its own on the store; either side closing closes both. */
function relay(client: WebSocket): void {
  const store = new WebSocket(storeUrl, "cbor");
  const pair = { client, store };
  pairs.add(pair);
  const early: { data: RawData; binary: boolean }[] = [];
  client.on("message", (data, binary) => {
    if (store.readyState === WebSocket.OPEN) store.send(data, { binary });
    else if (store.readyState === WebSocket.CONNECTING) early.push({ data, binary });
  });
  store.on("open", () => {
    for (const m of early.splice(0)) store.send(m.data, { binary: m.binary });
  });
  store.on("message", (data, binary) => {
    if (client.readyState === WebSocket.OPEN) client.send(data, { binary });
  });
  const closeBoth = (code: number, reason: string) => {
    pairs.delete(pair);
    for (const side of [client, store]) {
      if (side.readyState === WebSocket.OPEN) side.close(code, reason);
      else if (side.readyState === WebSocket.CONNECTING) side.terminate();
    }
  };
  client.on("close", (code, reason) => closeBoth(sendable(code, 1000), reason.toString()));
  store.on("close", (code, reason) => closeBoth(sendable(code, 1011), reason.toString() || "store closed"));
  client.on("error", () => client.terminate());
  store.on("error", () => {
    // The store is down or went away: nothing this node can serve.
    store.terminate();
    closeBoth(1011, "store unavailable");
  });
}

const wss = new WebSocketServer({
  noServer: true,
  handleProtocols: (protocols) => (protocols.has("cbor") ? "cbor" : false),
});
wss.on("connection", relay);

const server = createServer((req, res) => {
  if (req.url === "/health") res.writeHead(200).end();
  else if (req.url === "/version")
    res.writeHead(200, { "content-type": "text/plain" }).end(`cluster-${args.name}`);
  else res.writeHead(404).end();
});
server.on("upgrade", (req, socket, head) => {
  if (new URL(req.url ?? "/", "http://x").pathname !== "/rpc") {
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
});
server.on("error", (err) => fail("listen", err));
server.listen({ host: HOST, port }, () => {
  process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
});

let stopping = false;
function shutdown(code: number): void {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(code), 2_000).unref(); // bounded, whatever the peers do
  server.close();
  for (const { client, store } of pairs) {
    client.close(1001, "node shutting down");
    store.close(1000, "node shutting down");
  }
  setTimeout(() => {
    server.closeAllConnections();
    process.exit(code);
  }, 300).unref();
}
process.on("SIGTERM", () => shutdown(0));
process.on("SIGINT", () => shutdown(0));
if (args["exit-on-stdin-end"]) {
  process.stdin.on("end", () => shutdown(0));
  process.stdin.resume();
}
process.on("uncaughtException", (err) => fail("uncaught", err));
