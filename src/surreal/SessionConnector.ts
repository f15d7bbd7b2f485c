import { Features, type SurrealSession } from "surrealdb";
import { SESSIONS_PER_SOCKET } from "../config/limits.js";
import { ConnectError } from "../errors/ConnectError.js";
import { isServerError } from "../errors/classifyError.js";
import { PoolClosedError } from "../errors/PoolClosedError.js";
import type { AuthRenewed } from "../events/LeaseSessionEvent.js";
import type { SocketEvent } from "../events/SocketEvent.js";
import { withDeadline } from "../util/withDeadline.js";
import type { Connector, RawConnection, SocketHealth } from "./Connector.js";
import { Authenticator } from "./credentials/Authenticator.js";
import { authRenewed } from "./credentials/renewAuth.js";
import { SessionAuth } from "./credentials/SessionAuth.js";
import { unrefAuthRenewals } from "./exitOnIdle.js";
import { detach, SessionUnit, type SocketWatch } from "./SessionUnit.js";
import { SharedSocket } from "./SharedSocket.js";
import { openSocketClient, raceAbort, type SocketClientOptions } from "./socketClient.js";
import { switchTo } from "./switchTo.js";
import { WebSocketConnector } from "./WebSocketConnector.js";

export interface SessionConnectorOptions extends SocketClientOptions {
  /** Sockets its sessions are spread over. */
  socketsPerEndpoint: number;
  /** Deadline of opening one socket (shared by the sessions waiting for it). */
  connectTimeoutMs: number;
  /** Deadline of the ping that decides whether a socket suspected of hanging is still alive. */
  validationTimeoutMs: number;
  /**
   * Socket events, the pooling decision and the renewals of each socket's default session (as
   * `auth.renewed` of the socket's id) go here (the manager's `events$`).
   */
  publish?: (event: SocketEvent | AuthRenewed) => void;
}

/**
 * Pools SurrealDB 3 sessions over a few shared sockets per `ws(s)://` endpoint: each pooled unit is a
 * session (`attach`ed with its own namespace, database, variables and auth) on the least-loaded of up
 * to `socketsPerEndpoint` sockets. A socket's drop retires exactly the sessions on it (each unit's
 * `onBroken`); their replacements open on a healthy socket, or a new one. A server without sessions
 * (SurrealDB 2.x: an older version, or a refused `attach`) makes it fall back to one socket per unit.
 */
export class SessionConnector implements Connector, SocketWatch {
  readonly endpoint: string;
  readonly #options: SessionConnectorOptions;
  readonly #sockets: SharedSocket[] = [];
  /** Sockets being opened, with how many sessions wait for each. */
  readonly #opening = new Map<Promise<SharedSocket>, number>();
  readonly #disposing = new AbortController();
  #socketSeq = 0;
  /** Undefined until the first socket tells; then fixed for the connector's life. */
  #pooling: "sessions" | "sockets" | undefined;
  #fallback: WebSocketConnector | undefined;
  /** With the fallback: shared sockets opened before it, each waiting to become a unit of its own. */
  readonly #spare: SharedSocket[] = [];
  /** Signs in every socket's default session and renews every session's sign-in (one learned lifetime). */
  readonly #authenticator: Authenticator | undefined;
  /** Opens the units that want a socket of their own (see `openDedicated`). */
  #dedicated: WebSocketConnector | undefined;

  constructor(options: SessionConnectorOptions) {
    this.endpoint = options.endpoint;
    this.#options = options;
    this.#authenticator = options.credentials && new Authenticator(options.credentials, options.endpoint);
  }

  get validationTimeoutMs(): number {
    return this.#options.validationTimeoutMs;
  }

  get pooling(): "sessions" | "sockets" | undefined {
    return this.#pooling;
  }

  async open(signal: AbortSignal): Promise<RawConnection> {
    if (this.#fallback) return this.#openOwn(signal);
    const placing = this.#place();
    let socket: SharedSocket;
    try {
      socket = await raceAbort(placing, signal);
    } catch (error) {
      // Given up while its socket was still opening: the place it took there is given back.
      placing.then(
        (late) => late.sessions--,
        () => {},
      );
      throw error;
    }
    // The first socket told that the server has no sessions.
    if (this.#fallback as WebSocketConnector | undefined) return this.#openOwn(signal);
    let session: SurrealSession | undefined;
    // A fork starts as the socket's default session is: in the pool's namespace/database, and signed in
    // by its token (a token check on the server, not a second password hash per session).
    const forking = socket.whileOpen(this.#fork(socket));
    try {
      session = await raceAbort(forking, signal);
      this.#decide("sessions", `${this.endpoint} keeps many sessions on one socket (attach)`);
      const { namespace, database } = this.#options;
      const baseline = { namespace, database, accessToken: session.accessToken };
      return new SessionUnit(session, socket, baseline, this.#authOf(session), this);
    } catch (error) {
      socket.sessions--;
      // An attach that did not answer (given up at the connect deadline): the socket may be half-open,
      // and every retry would land on it again. One ping of it decides, as for a failed session ping.
      if (!session && !isServerError(error)) {
        // New sessions go to another socket (or a new one) meanwhile: retries must not queue on this one.
        socket.closedToNew = true;
        this.suspectSocket(socket);
      }
      // Given up (or failed) while attaching: a session that still arrives is detached.
      void (session ? Promise.resolve(session) : forking).then(
        (late) => detach(late, socket, this.#authenticator !== undefined),
        () => {},
      );
      if (!session && this.#pooling === undefined && socket.usable && isServerError(error)) {
        this.#fallBack(`${this.endpoint} refused attach (${(error as Error).message})`);
        return this.#openOwn(signal);
      }
      // Another session's refused attach switched to one socket per unit while this one was attaching.
      if (!session && (this.#fallback as WebSocketConnector | undefined)) return this.#openOwn(signal);
      throw error;
    }
  }

  openDedicated(signal: AbortSignal): Promise<RawConnection> {
    this.#dedicated ??= this.#fallback ?? new WebSocketConnector(this.#options, this.#authenticator);
    return this.#dedicated.open(signal);
  }

  openSession(
    place: { namespace: string; database: string },
    signedIn = true,
  ): Promise<RawConnection> | undefined {
    if (this.#fallback) return undefined;
    return this.#openPlaced(place, signedIn);
  }

  async #openPlaced(
    place: { namespace: string; database: string },
    signedIn: boolean,
  ): Promise<RawConnection> {
    const socket = await this.#place();
    let session: SurrealSession | undefined;
    try {
      session = await socket.whileOpen(this.#fork(socket));
      await socket.whileOpen(switchTo(session, place));
      const baseline = { ...place, accessToken: session.accessToken };
      return new SessionUnit(session, socket, baseline, signedIn ? this.#authOf(session) : undefined, this);
    } catch (error) {
      socket.sessions--;
      if (session) void detach(session, socket, this.#authenticator !== undefined);
      else if (!isServerError(error)) {
        socket.closedToNew = true;
        this.suspectSocket(socket);
      }
      throw error;
    }
  }

  /**
   * A new session on `socket`, as its default session is. With `allowExitOnIdle`, its token is
   * presented once more with the renewal hook in place: the SDK armed a renewal timer during the fork,
   * before the session object existed to hook (one more round trip per session opened, option on only).
   */
  async #fork(socket: SharedSocket): Promise<SurrealSession> {
    const session = await socket.db.forkSession();
    if (this.#options.allowExitOnIdle) {
      unrefAuthRenewals(session);
      const token = session.accessToken;
      if (token) await session.authenticate(token);
    }
    return session;
  }

  /** A forked session's sign-in over time, starting from the token it inherited. */
  #authOf(session: SurrealSession): SessionAuth | undefined {
    if (!this.#authenticator) return undefined;
    const auth = new SessionAuth(this.#authenticator, session);
    auth.inherited(session.accessToken);
    return auth;
  }

  /**
   * Which socket a new session goes on (the one place that decides), its `sessions` already counting
   * it: a new socket while fewer than `socketsPerEndpoint` are open or opening, else the least loaded,
   * counting the sessions waiting for a socket still opening, so a burst of opens (the warm-up) spreads
   * evenly too. A socket carrying the server's limit of sessions takes no more: when every one does, a
   * new socket opens (the endpoint's `maxSessionsPerEndpoint` bounds how many that can be).
   */
  async #place(): Promise<SharedSocket> {
    const usable = this.#sockets.filter((s) => s.usable && !s.closedToNew);
    let opening: Promise<SharedSocket> | undefined;
    if (usable.length + this.#opening.size < this.#options.socketsPerEndpoint) {
      opening = this.#openSocket();
    } else {
      let best: SharedSocket | undefined;
      let load = SESSIONS_PER_SOCKET;
      for (const socket of usable) {
        if (socket.sessions < load) [best, load] = [socket, socket.sessions];
      }
      for (const [pending, waiting] of this.#opening) {
        if (waiting < load) [best, opening, load] = [undefined, pending, waiting];
      }
      if (best) {
        best.sessions++;
        return best;
      }
      opening ??= this.#openSocket();
    }
    this.#opening.set(opening, (this.#opening.get(opening) ?? 0) + 1);
    try {
      const socket = await opening;
      socket.sessions++;
      return socket;
    } finally {
      const left = (this.#opening.get(opening) ?? 1) - 1;
      if (this.#opening.has(opening)) this.#opening.set(opening, left);
    }
  }

  #openSocket(): Promise<SharedSocket> {
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new ConnectError(
            this.endpoint,
            `opening a socket to ${this.endpoint} did not finish within ${2 * this.#options.connectTimeoutMs} ms; check that the endpoint is up and reachable`,
          ),
        ),
      // Twice the connect deadline: each waiting session's own deadline (the machine's) speaks first.
      2 * this.#options.connectTimeoutMs,
    );
    const stop = () => controller.abort(this.#disposing.signal.reason);
    this.#disposing.signal.addEventListener("abort", stop, { once: true });
    const opening = openSocketClient(this.#options, controller.signal, this.#authenticator)
      .then(async (client) => {
        const socket = new SharedSocket(
          `${this.endpoint}#${++this.#socketSeq}`,
          this.endpoint,
          client,
          (error) => this.#dropped(socket, error),
          (reason, durationMs) =>
            this.#options.publish?.(
              authRenewed({ connectionId: socket.id, endpoint: this.endpoint }, reason, durationMs),
            ),
        );
        this.#publish({ type: "socket.opened", socketId: socket.id, sockets: this.#sockets.length + 1 });
        if (this.#fallback) {
          // Another socket told meanwhile that the server has no sessions: this one becomes a unit.
          this.#spare.push(socket);
          return socket;
        }
        this.#sockets.push(socket);
        if (!client.db.isFeatureSupported(Features.Sessions)) {
          const version = await client.db.version().then(
            (v) => v.version,
            () => "of unknown version",
          );
          this.#fallBack(`${this.endpoint} has no sessions (server ${version})`);
        }
        return socket;
      })
      .finally(() => {
        clearTimeout(timer);
        this.#disposing.signal.removeEventListener("abort", stop);
        this.#opening.delete(opening);
      });
    this.#opening.set(opening, 0);
    opening.catch(() => {}); // its waiters see the error; nobody else must
    return opening;
  }

  #dropped(socket: SharedSocket, error: Error): void {
    this.#forget(socket);
    this.#publish({ type: "socket.closed", socketId: socket.id, sessions: socket.sessions, error });
  }

  #forget(socket: SharedSocket): void {
    for (const list of [this.#sockets, this.#spare]) {
      const index = list.indexOf(socket);
      if (index >= 0) list.splice(index, 1);
    }
  }

  #decide(pooling: "sessions" | "sockets", reason: string): void {
    if (this.#pooling !== undefined) return;
    this.#pooling = pooling;
    this.#publish({ type: "endpoint.pooling", pooling, reason });
  }

  /**
   * The server has no sessions: every unit from now on is a socket of its own. The sockets already
   * open become units of their own first (a second connect would cost a whole connect deadline).
   */
  #fallBack(reason: string): void {
    this.#decide("sockets", reason);
    this.#fallback ??= new WebSocketConnector(this.#options, this.#authenticator);
    this.#spare.push(...this.#sockets.splice(0));
  }

  /** One socket per unit: a spare socket handed over, or a new one. */
  #openOwn(signal: AbortSignal): Promise<RawConnection> {
    const fallback = this.#fallback!;
    for (let spare = this.#spare.shift(); spare; spare = this.#spare.shift()) {
      if (spare.usable) return Promise.resolve(fallback.adopt(spare.handOver()));
    }
    return fallback.open(signal);
  }

  /**
   * A stateless call on the default session of the least-loaded usable socket, or undefined when there
   * is none now (no socket open yet, every one dropped, or the server has no sessions): the caller then
   * takes a lease instead.
   */
  runShared<T>(work: (db: SurrealSession) => Promise<T>): Promise<T> | undefined {
    if (this.#pooling === "sockets") return undefined;
    let best: SharedSocket | undefined;
    for (const socket of this.#sockets) {
      if (socket.usable && (!best || socket.inFlight < best.inFlight)) best = socket;
    }
    return best?.run(work);
  }

  /**
   * A fast-path call on `socket` outlived its deadline: the socket may hang (a silent peer). One ping
   * decides; when it fails too, the socket is cut, which retires its sessions like any drop.
   */
  suspect(db: SurrealSession): void {
    const socket = this.#sockets.find((s) => s.db === db);
    if (socket) this.suspectSocket(socket);
  }

  /** @internal A session's ping failed, or a fast-path call timed out: is its socket still alive? */
  suspectSocket(socket: SharedSocket): void {
    if (!socket.usable || socket.suspected) return;
    socket.suspected = true;
    withDeadline(
      socket.db.query("RETURN 1"),
      this.#options.validationTimeoutMs,
      () => new Error(`socket ${socket.id} did not answer within ${this.#options.validationTimeoutMs} ms`),
    ).then(
      () => {
        socket.suspected = false;
      },
      (error: unknown) => {
        // Any answer of the server (its default session's sign-in expired, say) proves the socket alive.
        if (isServerError(error)) socket.suspected = false;
        else socket.destroy();
      },
    );
  }

  socketHealth(): SocketHealth {
    return {
      pooling: this.#pooling ?? "unknown",
      sockets: this.#fallback ? 0 : this.#sockets.filter((s) => s.usable).length,
      opening: this.#opening.size,
    };
  }

  async dispose(): Promise<void> {
    // Disposed at shutdown: a socket still opening is given up, and whoever waited for it is told so.
    this.#disposing.abort(new PoolClosedError("closed"));
    await Promise.allSettled([...this.#opening.keys()]);
    const sockets = [...this.#sockets.splice(0), ...this.#spare.splice(0)];
    await Promise.all(sockets.map((socket) => this.#closeSocket(socket)));
  }

  async #closeSocket(socket: SharedSocket): Promise<void> {
    const sessions = socket.sessions;
    await socket.close();
    this.#publish({ type: "socket.closed", socketId: socket.id, sessions });
  }

  #publish(event: DistributiveOmit<SocketEvent, "ts" | "endpoint">): void {
    this.#options.publish?.({ ...event, ts: Date.now(), endpoint: this.endpoint } as SocketEvent);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
