import { createRemoteEngines, Surreal } from "surrealdb";
import { Agent, buildConnector, WebSocket as UndiciWebSocket } from "undici";
import type { CredentialsOption } from "../config/options.js";
import { probeTcp } from "../core/probeTcp.js";
import { ConnectError } from "../errors/ConnectError.js";
import { isSurrealPoolError } from "../errors/SurrealPoolError.js";
import { withinDeadline } from "../util/withinDeadline.js";
import type { Authenticator } from "./credentials/Authenticator.js";
import { SessionAuth } from "./credentials/SessionAuth.js";
import { unrefAuthRenewals, unrefOpenHandlers } from "./exitOnIdle.js";
import { switchTo } from "./switchTo.js";

export interface SocketClientOptions {
  /** `ws://host:port` or `wss://host:port`. */
  endpoint: string;
  namespace: string;
  database: string;
  credentials?: CredentialsOption;
  /** `pool.allowExitOnIdle`: the socket and the SDK's timers on it do not keep the process alive. */
  allowExitOnIdle?: boolean;
}

/** One SDK client on its own socket, signed in and switched to the pool's namespace/database. */
export interface SocketClient {
  readonly db: Surreal;
  readonly tap: SocketTap;
  readonly accessToken: string | undefined;
  /** The default session's sign-in over time (undefined without credentials). */
  readonly auth: SessionAuth | undefined;
}

/**
 * Opens one SDK client on its own TCP socket. The pool owns reconnection: the SDK's own reconnect is
 * off, so a dropped socket surfaces as a drop the pool handles, instead of two owners racing to repair
 * one socket (README, "Who owns reconnection"). Honours `signal` by closing what it opened.
 */
export async function openSocketClient(
  options: SocketClientOptions,
  signal: AbortSignal,
  authenticator: Authenticator | undefined,
): Promise<SocketClient> {
  const { endpoint, namespace, database } = options;
  // Node 20 has no global WebSocket; undici's works with the SDK, the `ws` package's does not (FACTS).
  // Our own undici, with a tap on the TCP socket, so a close that never completes can be cut.
  const exitOnIdle = options.allowExitOnIdle === true;
  const tap = new SocketTap(exitOnIdle);
  const db = new Surreal({
    engines: createRemoteEngines(),
    websocketImpl: tap.webSocketClass() as unknown as typeof WebSocket,
  });
  if (exitOnIdle) unrefAuthRenewals(db);
  // The SDK's connect() to a dead endpoint never settles (FACTS); the abort ends our wait for it.
  const abandon = () => void closeWithin(db, tap).catch(() => {});
  signal.addEventListener("abort", abandon, { once: true });
  try {
    await probeTcp(endpoint, signal);
    await raceAbort(db.connect(endpoint, { reconnect: false }), signal);
    const auth = authenticator && new SessionAuth(authenticator, db);
    const accessToken = auth ? await raceAbort(auth.signIn(), signal) : undefined;
    await raceAbort(switchTo(db, { namespace, database }), signal);
    return { db, tap, accessToken, auth };
  } catch (error) {
    abandon();
    if (isSurrealPoolError(error) || signal.aborted) throw error;
    throw new ConnectError(endpoint, `cannot connect to ${endpoint}: ${describe(error)}`, { cause: error });
  } finally {
    signal.removeEventListener("abort", abandon);
  }
}

/** Calls `listener` once when the client's socket closes or errors. */
export function onSocketDrop(db: Surreal, endpoint: string, listener: (error: Error) => void): void {
  let fired = false;
  const fire = (error: Error) => {
    if (fired) return;
    fired = true;
    listener(error);
  };
  db.subscribe("disconnected", () => fire(new Error(`socket to ${endpoint} closed`)));
  db.subscribe("error", (error) => fire(error));
}

/** How long a close may wait for the peer's close frame before the socket is destroyed. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Closes the client; when the peer never answers the close (a silent socket), destroys the TCP
 * socket after CLOSE_GRACE_MS instead: an open socket would keep the process alive after shutdown.
 */
export async function closeWithin(db: Surreal, tap: SocketTap): Promise<void> {
  try {
    await withinDeadline(db.close(), performance.now() + CLOSE_GRACE_MS);
  } finally {
    tap.destroy();
  }
}

/**
 * Gives the pool the TCP socket under one client's WebSocket: a WebSocket class whose connections go
 * through a dispatcher of its own that records the socket it opens.
 */
export class SocketTap {
  #socket: { destroy(): void; destroyed?: boolean } | undefined;
  #dispatcher: Agent | undefined;
  /** `pool.allowExitOnIdle`: the socket is unref'd once open, and so is the SDK's ping timer. */
  readonly #exitOnIdle: boolean;

  constructor(exitOnIdle = false) {
    this.#exitOnIdle = exitOnIdle;
  }

  webSocketClass(): new (url: string | URL, protocols?: string | string[]) => UndiciWebSocket {
    const connect = buildConnector({});
    const dispatcher = new Agent({
      connect: (options, callback) =>
        connect(options, (error, socket) => {
          if (socket) {
            this.#socket = socket;
            if (this.#exitOnIdle) socket.unref();
          }
          (callback as (e: Error | null, s: typeof socket) => void)(error, socket);
        }),
    });
    this.#dispatcher = dispatcher;
    class TappedWebSocket extends UndiciWebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, { protocols, dispatcher });
      }
    }
    return this.#exitOnIdle ? unrefOpenHandlers(TappedWebSocket) : TappedWebSocket;
  }

  /** Destroys the socket (harmless when it already closed) and the dispatcher. */
  destroy(): void {
    if (this.#socket && !this.#socket.destroyed) this.#socket.destroy();
    void this.#dispatcher?.destroy().catch(() => {});
  }
}

export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {}); // given up on: its own failure is nobody's to see
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return code ? `${error.message} (${String(code)})` : error.message;
  }
  return String(error);
}
