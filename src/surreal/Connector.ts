import type { SurrealSession } from "surrealdb";
import type { Unit, UnitSource } from "../core/Unit.js";
import type { SessionAuth } from "./credentials/SessionAuth.js";
import type { SessionBaseline } from "./sessionDrift.js";

/** What a borrower gets as `lease.db`: an SDK session (embedded, ws:// of SurrealDB 3) or a whole SDK client (2.x). */
export type PooledDb = SurrealSession;

/** One open pooled unit, as a connector made it: a SurrealDB session (or client) the core pools. */
export interface RawConnection extends Unit {
  readonly db: PooledDb;
  /** Namespace, database and token every borrower starts with. */
  readonly baseline: SessionBaseline;
  /** The pool's sign-in of this unit over time; absent without credentials. */
  readonly auth?: SessionAuth;
  /** Signs the unit in again (its sign-in expired or is about to); updates the baseline's token. */
  renewAuth?(): Promise<void>;
  /**
   * Told of each renewal the unit made by itself, in a health or validation ping or a live connection's
   * own call (set by the pool when the unit opens), so those renewals are events and counted like the
   * lease-side ones.
   */
  renewedInPing?: (reason: "expiring" | "refused", durationMs: number) => void;
}

/** Opens pooled SurrealDB units against one endpoint; the core sees it as a `UnitSource`. */
export interface Connector extends UnitSource {
  open(signal: AbortSignal): Promise<RawConnection>;
  /**
   * Opens a unit on a socket of its own, shared with nothing else (the connections kept for live
   * queries: their keepalive then speaks for one socket, and a pooled socket's drop does not take
   * them along). Connectors whose units share nothing need not have it: `open` is used then.
   */
  openDedicated?(signal: AbortSignal): Promise<RawConnection>;
  /**
   * Runs one stateless call on a session the connector shares between callers (a shared socket's
   * default session, an engine's root session) without a lease, or returns undefined when it has none
   * ready now: `manager.query()`'s fast path. Absent: the connector has no shared session.
   */
  runShared?<T>(work: (db: SurrealSession) => Promise<T>): Promise<T> | undefined;
  /**
   * Opens one session outside the pool, in `place`, on the connector's shared transport (a shared
   * socket, the embedded engine): an agent session's own. Undefined when the connector cannot (a server
   * without sessions): the agent then switches namespace on each lease instead. `signedIn` false: the
   * caller authenticates it itself (an end user's): the pool neither signs it in nor keeps its sign-in.
   */
  openSession?(
    place: { namespace: string; database: string },
    signedIn?: boolean,
  ): Promise<RawConnection> | undefined;
  /** A shared call on `db` outlived its deadline: the connector checks the transport under it. */
  suspect?(db: SurrealSession): void;
  /** How its units are pooled and how many sockets carry them (health status). */
  socketHealth?(): SocketHealth;
}

/** How a `ws(s)://` endpoint's units are carried. */
export interface SocketHealth {
  /** "sessions": SurrealDB 3 sessions over shared sockets; "sockets": one socket per unit (no sessions, 2.x). */
  pooling: "sessions" | "sockets" | "unknown";
  /** Shared sockets open now (0 when pooling is "sockets": each unit is its own). */
  sockets: number;
  /** Shared sockets being opened. */
  opening: number;
}
