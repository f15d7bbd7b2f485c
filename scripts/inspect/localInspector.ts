import http from "node:http";
import { createServer as createNetServer, type Socket } from "node:net";
import { createWebSocketInspector, createWebSocketReceiver } from "@statelyai/inspect";
import { createInspectorServer } from "@statelyai/inspect/server";
import { InspectionTally } from "./InspectionTally.js";

/**
 * The Stately inspection stream on loopback, with no internet: the pool's `inspect` option feeds a
 * `createWebSocketInspector`, which sends to the package's own `createInspectorServer`, which relays to
 * a `createWebSocketReceiver` that tallies what arrived. With internet, opening the server's page in a
 * browser shows the same stream in Stately's inspector (the page embeds https://stately.ai/inspect).
 */
export interface LocalInspector {
  port: number;
  /** The bridge page of `createInspectorServer` (needs internet to show anything). */
  pageUrl: string;
  /** Pass as the pool's `inspect` option. */
  inspect: ReturnType<typeof createWebSocketInspector>["inspect"];
  /** What the receiver got, per kind of actor. */
  tally: InspectionTally;
  /**
   * WebSocket clients of the server other than this inspector's own two (sender and tally): Stately's
   * page (or any receiver) watching. The server relays every event to each of them as it is sent.
   */
  viewers(): number;
  /** Resolves true once a viewer is connected, false after `timeoutMs` without one. */
  waitForViewer(timeoutMs: number): Promise<boolean>;
  /** Resolves once `total` has not grown for `quietMs` (the inspector defers with setTimeout(0)). */
  settle(quietMs?: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalInspector(options: { port?: number } = {}): Promise<LocalInspector> {
  const port = options.port || (await freePort());
  const sockets = new Set<Socket>();
  let upgrades = 0;
  // Upgraded sockets in the order they came: the first two are the tally's receiver and the sender.
  const upgradedSockets: Socket[] = [];
  const upgraded: (() => void)[] = [];
  // createInspectorServer neither takes a host nor exposes its server: borrow the server it creates
  // to bind it to 127.0.0.1 (inspection data includes machine contexts; keep it off the network) and to
  // be able to end its sockets on close (its stop() leaves WebSocket clients connected).
  const { server, result: bridge } = captureHttpServer(() =>
    createInspectorServer({ port, autoOpen: false }),
  );
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (_request: http.IncomingMessage, socket: Socket) => {
    upgrades++;
    upgradedSockets.push(socket);
    socket.once("close", () => {
      const index = upgradedSockets.indexOf(socket);
      if (index >= 0) upgradedSockets.splice(index, 1);
    });
    for (const wake of upgraded.splice(0)) wake();
  });
  const untilUpgrades = async (n: number) => {
    const deadline = Date.now() + 5_000;
    while (upgrades < n) {
      if (Date.now() > deadline)
        throw new Error(`inspector server on port ${port}: no WebSocket client after 5 s`);
      await new Promise<void>((resolve) => {
        upgraded.push(resolve);
        setTimeout(resolve, 50).unref();
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 20)); // let the client see its handshake
  };
  await listening(server);

  // The receiver first: the server replays only its last 200 messages to a late client.
  const url = `ws://127.0.0.1:${port}`;
  const tally = new InspectionTally();
  createWebSocketReceiver({ server: url }).subscribe((event) => tally.add(event));
  await untilUpgrades(1);
  const inspector = createWebSocketInspector({ url, maxDeferredEvents: 100_000 });
  await untilUpgrades(2);

  return {
    port,
    pageUrl: `http://localhost:${port}`,
    inspect: inspector.inspect,
    tally,
    viewers: () => Math.max(0, upgradedSockets.length - 2),
    async waitForViewer(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (upgradedSockets.length <= 2) {
        if (Date.now() > deadline) return false;
        await new Promise<void>((resolve) => {
          upgraded.push(resolve);
          setTimeout(resolve, 200).unref();
        });
      }
      return true;
    },
    async settle(quietMs = 150, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      let last = -1;
      while (tally.total !== last && Date.now() < deadline) {
        last = tally.total;
        await new Promise((resolve) => setTimeout(resolve, quietMs));
      }
    },
    async close() {
      // The adapter reconnects 5 s after any socket error, forever: disarm that before closing.
      const ws = (inspector.adapter as unknown as { ws?: { onerror: unknown; readyState: number } }).ws;
      if (ws) ws.onerror = () => {};
      inspector.stop();
      bridge.stop();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    },
  };
}

function captureHttpServer<T>(start: () => T): { server: http.Server; result: T } {
  const mutable = http as unknown as { createServer: typeof http.createServer };
  const original = mutable.createServer;
  let server: http.Server | undefined;
  mutable.createServer = ((...args: Parameters<typeof http.createServer>) => {
    const created = original(...args);
    const listen = created.listen.bind(created);
    // Only the port is passed by the package; pin the host.
    created.listen = ((p: number, callback?: () => void) =>
      listen(p, "127.0.0.1", callback)) as typeof created.listen;
    server = created;
    return created;
  }) as typeof http.createServer;
  try {
    const result = start();
    if (!server) throw new Error("createInspectorServer did not create an http server");
    return { server, result };
  } finally {
    mutable.createServer = original;
  }
}

function listening(server: http.Server): Promise<void> {
  if (server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
}

/** A port free on 127.0.0.1 right now (the package's server cannot report the one it got for 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
