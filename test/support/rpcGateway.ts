// Serves SurrealDB's WebSocket RPC (CBOR) from one embedded engine: each socket gets its own SurrealDB
// session, as a connection to a real server does, instead of every socket sharing the engine's default one.
import type { IncomingMessage } from "node:http";
import { Uuid } from "surrealdb";
import { type WebSocket, WebSocketServer } from "ws";
import type { NativeEngine } from "./nativeEngine.js";
import {
  codec,
  errorFrame,
  isErrorAnswer,
  notificationFrame,
  type RpcErrorBody,
  responseFrame,
} from "./rpcFrames.js";

export interface GatewayOptions {
  /** When false (default), sessions that have not signed in may not touch data, like a server with auth on. */
  allowGuests?: boolean;
  /**
   * When false, `attach` is refused with "Method not found", as a SurrealDB 2.x server refuses it (it has
   * no sessions); each socket still has its own default session. Default true.
   */
  sessions?: boolean;
  /** The version the `version` method answers, e.g. "surrealdb-2.3.7"; default the engine's own. */
  version?: string;
  /**
   * Never send a live query's notifications (the queries register and answer as usual): the engine's own
   * dropped notifications (FACTS) taken to the limit, or a node of a multi-node cluster that hears only the
   * writes made through itself. Default false.
   */
  dropNotifications?: boolean;
}

interface RpcRequest {
  id?: unknown;
  method?: unknown;
  params?: unknown;
  session?: unknown;
  [key: string]: unknown;
}

// Methods a real server refuses to an anonymous session when guest access is off. Everything else (use,
// signin, set, attach, ping, version, ...) works before authentication there too.
const DATA_METHODS = new Set([
  "query",
  "select",
  "create",
  "insert",
  "insert_relation",
  "update",
  "upsert",
  "merge",
  "patch",
  "delete",
  "relate",
  "run",
  "live",
  "kill",
  "graphql",
  "api",
]);
const AUTH_METHODS = new Set(["signin", "signup", "authenticate"]);
const DEAUTH_METHODS = new Set(["invalidate", "reset"]);

const NOT_ALLOWED: RpcErrorBody = {
  code: -32002,
  kind: "NotAllowed",
  message: "Not enough permissions to perform this action",
  details: { kind: "Auth", details: { kind: "NotAllowed", details: { actor: "anonymous" } } },
};

/** What a SurrealDB 2.x server answers to a method it does not have (`attach`, `detach`, `sessions`). */
const METHOD_NOT_FOUND: RpcErrorBody = { code: -32601, kind: "Method", message: "Method not found" };

function sessionNotFound(id: string): RpcErrorBody {
  return {
    code: -32000,
    kind: "NotFound",
    message: `Session not found: ${id}`,
    details: { kind: "Session", details: { id } },
  };
}

/** One WebSocket and the SurrealDB sessions it owns. */
class Connection {
  readonly defaultSession = Uuid.v4();
  /** Every session id this socket owns (its default one and those it attached), to detach on close. */
  readonly sessions = new Map<string, Uuid>();
  readonly authenticated = new Set<string>();
  /** Live query id -> owning session, so a closing socket kills its live queries as a server does. */
  readonly lives = new Map<string, Uuid>();
  ready: Promise<void> = Promise.resolve();
  /** Settles once the socket closed and its sessions were freed in the engine. */
  released: Promise<void> = Promise.resolve();

  constructor(readonly socket: WebSocket) {}

  send(frame: Uint8Array): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(frame);
  }
}

export class RpcGateway {
  readonly wss: WebSocketServer;
  readonly #engine: NativeEngine;
  readonly #allowGuests: boolean;
  readonly #sessions: boolean;
  readonly #version: string | undefined;
  readonly #dropNotifications: boolean;
  readonly #owners = new Map<string, Connection>();
  readonly #connections = new Set<Connection>();

  constructor(engine: NativeEngine, options: GatewayOptions = {}) {
    this.#engine = engine;
    this.#allowGuests = options.allowGuests ?? false;
    this.#sessions = options.sessions ?? true;
    this.#version = options.version;
    this.#dropNotifications = options.dropNotifications ?? false;
    // noServer: the HTTP server owns the port and hands over upgrades for /rpc only.
    this.wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (protocols) => (protocols.has("cbor") ? "cbor" : false),
    });
    this.wss.on("connection", (socket: WebSocket, _req: IncomingMessage) => this.#accept(socket));
  }

  async #exec(request: RpcRequest): Promise<Uint8Array> {
    return this.#engine.execute(codec.encode(request));
  }

  #accept(socket: WebSocket): void {
    if (socket.protocol !== "cbor") {
      socket.close(1002, "only the cbor subprotocol is supported");
      return;
    }
    const conn = new Connection(socket);
    this.#connections.add(conn);
    const key = conn.defaultSession.toString();
    conn.sessions.set(key, conn.defaultSession);
    this.#owners.set(key, conn);
    conn.ready = this.#exec({ id: "attach", method: "attach", session: conn.defaultSession }).then((raw) => {
      if (isErrorAnswer(raw)) throw new Error("engine refused to attach a session");
    });
    conn.ready.catch(() => socket.terminate());
    socket.on("message", (data, isBinary) => {
      if (!isBinary) {
        socket.close(1003, "only binary cbor frames are supported");
        return;
      }
      void this.#handle(conn, data as Buffer);
    });
    conn.released = new Promise<void>((resolve) => {
      socket.on("close", () => void this.#release(conn).finally(resolve));
    });
    socket.on("error", () => socket.terminate());
  }

  async #handle(conn: Connection, data: Buffer): Promise<void> {
    let request: RpcRequest;
    try {
      request = codec.decode<RpcRequest>(data);
    } catch {
      conn.send(errorFrame(undefined, { code: -32700, kind: "Validation", message: "Parse error" }));
      return;
    }
    if (typeof request !== "object" || request === null || typeof request.method !== "string") {
      conn.send(errorFrame(undefined, { code: -32600, kind: "Validation", message: "Invalid request" }));
      return;
    }
    const { id, method } = request;
    try {
      await conn.ready;
      // The SDK sends NONE (decoded as undefined) for "this connection's default session".
      const session = request.session instanceof Uuid ? request.session : conn.defaultSession;
      const key = session.toString();
      // Sessions are per connection on a server: another socket's session id does not exist here, and
      // `sessions` lists only this connection's own (the engine would list every socket's).
      if (method !== "attach" && !conn.sessions.has(key)) {
        conn.send(errorFrame(id, sessionNotFound(key)));
        return;
      }
      if (!this.#sessions && (method === "attach" || method === "detach" || method === "sessions")) {
        conn.send(errorFrame(id, METHOD_NOT_FOUND));
        return;
      }
      if (method === "version" && this.#version !== undefined) {
        conn.send(responseFrame(id, codec.encode(this.#version)));
        return;
      }
      if (method === "sessions") {
        const own = [...conn.sessions.values()].filter((s) => s !== conn.defaultSession);
        conn.send(responseFrame(id, codec.encode(own)));
        return;
      }
      if (!this.#allowGuests && DATA_METHODS.has(method) && !conn.authenticated.has(key)) {
        conn.send(errorFrame(id, NOT_ALLOWED));
        return;
      }
      const raw = await this.#exec({ ...request, session });
      if (!isErrorAnswer(raw)) this.#track(conn, request, method, session, raw);
      conn.send(responseFrame(id, raw));
    } catch (err) {
      conn.send(errorFrame(id, { code: -32603, kind: "Internal", message: String(err) }));
    }
  }

  /** Bookkeeping a server does per connection: sessions, auth state, live queries. */
  #track(conn: Connection, request: RpcRequest, method: string, session: Uuid, raw: Uint8Array): void {
    const key = session.toString();
    if (AUTH_METHODS.has(method)) conn.authenticated.add(key);
    else if (DEAUTH_METHODS.has(method)) conn.authenticated.delete(key);
    else if (method === "attach") {
      conn.sessions.set(key, session);
      this.#owners.set(key, conn);
    } else if (method === "detach") {
      conn.sessions.delete(key);
      conn.authenticated.delete(key);
      this.#owners.delete(key);
    } else if (method === "live") {
      const liveId = codec.decode<unknown>(raw);
      if (liveId instanceof Uuid) conn.lives.set(liveId.toString(), session);
    } else if (method === "kill" && Array.isArray(request.params)) {
      conn.lives.delete(String(request.params[0]));
    } else if (
      method === "query" &&
      Array.isArray(request.params) &&
      /\blive\b/i.test(String(request.params[0]))
    ) {
      // Decoding every query answer would cost time; only texts that may start a live query pay for it.
      const results = codec.decode<unknown>(raw);
      if (!Array.isArray(results)) return;
      for (const r of results as Array<{ type?: unknown; status?: unknown; result?: unknown }>) {
        if (r?.type === "live" && r.status === "OK" && r.result instanceof Uuid) {
          conn.lives.set(r.result.toString(), session);
        }
      }
    }
  }

  /** A closed socket's live queries are killed and its sessions detached, so nothing of it lingers. */
  async #release(conn: Connection): Promise<void> {
    this.#connections.delete(conn);
    await conn.ready.catch(() => undefined);
    for (const [liveId, session] of conn.lives) {
      await this.#exec({ id: "kill", method: "kill", params: [new Uuid(liveId)], session }).catch(
        () => undefined,
      );
    }
    for (const [key, session] of conn.sessions) {
      this.#owners.delete(key);
      await this.#exec({ id: "detach", method: "detach", session }).catch(() => undefined);
    }
  }

  /** Routes the engine's notifications to the socket owning the live query's session. */
  async pumpNotifications(): Promise<void> {
    const receiver = await this.#engine.notifications();
    for (;;) {
      const raw = await receiver.recv();
      if (raw === null) return;
      if (this.#dropNotifications) continue;
      try {
        const note = codec.decode<{ session?: unknown }>(raw);
        const owner = note.session === undefined ? undefined : this.#owners.get(String(note.session));
        owner?.send(notificationFrame(raw));
      } catch {
        // A notification we cannot decode has no owner we could name; a real server would drop it too.
      }
    }
  }

  /** Closes every socket (1001, as a server going down) and waits, bounded, for their sessions to be freed. */
  async close(timeoutMs = 2_000): Promise<void> {
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    const open = [...this.#connections];
    for (const conn of open) conn.socket.close(1001, "server shutting down");
    const released = Promise.all(open.map((conn) => conn.released));
    // A client that never answers the close handshake must not hold the shutdown: cut it after half the time.
    const halfway = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs / 2).unref());
    await Promise.race([released, halfway]);
    for (const conn of open) conn.socket.terminate();
    await Promise.race([released, deadline]);
    this.wss.close();
  }
}
