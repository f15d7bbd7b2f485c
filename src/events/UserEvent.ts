/**
 * What `manager.as(identity)` publishes about end users' sessions. An identity is named by `user`, the
 * first 12 hex digits of a SHA-256 keyed with a secret of this process, of its token or credentials:
 * never the token, password or variables, and useless for guessing them offline.
 */

interface UserBase {
  /** Epoch milliseconds when the event happened. */
  ts: number;
  /** The identity's short hash. */
  user: string;
}

/** A session was opened and authenticated as `user` (`signedIn`: its credentials were signed in). */
export interface UserSessionOpened extends UserBase {
  type: "user.session.opened";
  endpoint: string;
  /** From asking for the session to its authentication answered, ms. */
  durationMs: number;
  signedIn: boolean;
  /** Sessions cached for every user after this one. */
  cached: number;
}

/** A call of `user` ran on a session already cached for it (no round trip to authenticate). */
export interface UserSessionReused extends UserBase {
  type: "user.session.reused";
}

/**
 * Why a cached session was let go: `lru` (room for another user, least recently used first), `expired`
 * (its token's `exp`), `forgotten` (`manager.forget()`), `dropped` (its socket dropped: the next call
 * authenticates a new one), `refused` (the server refused its authentication), `changed` (a lease
 * changed its sign-in, or left calls running on it), `shutdown`.
 */
export type UserEvictionReason =
  | "lru"
  | "expired"
  | "forgotten"
  | "dropped"
  | "refused"
  | "changed"
  | "shutdown";

export interface UserSessionEvicted extends UserBase {
  type: "user.session.evicted";
  reason: UserEvictionReason;
  /** Sessions cached for every user after this one left. */
  cached: number;
}

/** The server refused `user`'s token or credentials: its calls fail with `AuthenticationFailedError`. */
export interface UserSessionRefused extends UserBase {
  type: "user.session.refused";
  endpoint: string;
  /** The server's answer (it names no secret). */
  error: Error;
}

/**
 * Said once per endpoint: its server has no sessions (SurrealDB 2.x), so each end user's session there
 * is a socket of its own, within the endpoint's bound.
 */
export interface UserSockets {
  type: "user.sockets";
  ts: number;
  endpoint: string;
  reason: string;
}

export type UserEvent =
  | UserSessionOpened
  | UserSessionReused
  | UserSessionEvicted
  | UserSessionRefused
  | UserSockets;
