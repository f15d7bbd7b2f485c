import type { SurrealSession } from "surrealdb";
import type { HeldSession } from "../session/managerInternals.js";
import { resetSession } from "../surreal/resetSession.js";
import { type SessionBaseline, sessionDrift } from "../surreal/sessionDrift.js";
import { checkedTransactions } from "./checkedTransactions.js";

/** What holds a session exclusively: a user lease, which can be ended from outside. */
interface Holder {
  cutOff(): Promise<void>;
}

/**
 * One SurrealDB session authenticated as one end user (`user`, the identity's short hash), held by its
 * endpoint under the endpoint's bound. Its stateless calls may share it (`inFlight`); a lease holds it
 * alone (`leased`). It serves a call only while it still holds exactly the token it was authenticated
 * with: a transport drop, an SDK that dropped or renewed the sign-in, or a close make it unusable, and
 * an unusable session is never used again (a new one is authenticated instead).
 */
export class UserSession {
  readonly key: string;
  readonly user: string;
  readonly endpoint: string;
  readonly token: string;
  readonly #held: HeldSession;
  readonly #baseline: SessionBaseline;
  leased = false;
  inFlight = 0;
  /** `$auth` as the server sees it on this session (asked once, by the first transaction's check). */
  #auth: Promise<string> | undefined;
  #checked: SurrealSession | undefined;
  #broken = false;
  #closed = false;
  #holder: Holder | undefined;

  constructor(
    held: HeldSession,
    endpoint: string,
    key: string,
    user: string,
    token: string,
    onBroken: (s: UserSession) => void,
  ) {
    this.#held = held;
    this.key = key;
    this.user = user;
    this.token = token;
    this.endpoint = endpoint;
    const db = held.unit.db;
    this.#baseline = { namespace: db.namespace ?? "", database: db.database ?? "", accessToken: token };
    held.unit.onBroken(() => {
      this.#broken = true;
      void this.#holder?.cutOff().catch(() => {});
      onBroken(this);
    });
  }

  get db(): SurrealSession {
    return this.#held.unit.db;
  }

  /** `db` as its leases see it: a transaction begun on it must run as this user (made once per session). */
  get forLease(): SurrealSession {
    this.#checked ??= checkedTransactions(this.db, this.user, () => this.auth());
    return this.#checked;
  }

  /** Who the server says this session runs as (`$auth`), outside any transaction. */
  auth(): Promise<string> {
    this.#auth ??= this.db.query<[unknown]>("RETURN $auth").then(([auth]) => String(auth));
    return this.#auth;
  }

  /** Neither leased nor running a call: LRU eviction may take it. */
  get free(): boolean {
    return !this.leased && this.inFlight === 0;
  }

  /** Open, its transport up, and still authenticated with its token (the SDK's own record says). */
  get usable(): boolean {
    if (this.#broken || this.#closed) return false;
    try {
      return this.db.isValid && this.db.accessToken === this.token;
    } catch {
      return false; // the SDK's getters throw once its connection is gone
    }
  }

  /** A lease holds it now: a drop meanwhile cuts the lease off (its calls fail; a retry runs elsewhere). */
  hold(lease: Holder): void {
    this.leased = true;
    this.#holder = lease;
    if (this.#broken) void lease.cutOff().catch(() => {});
  }

  /**
   * Its lease is over: undoes what the lease changed (variables, namespace) when `changed`. False when
   * it cannot serve another call: unusable, or the lease changed its sign-in (signed in, out, or as
   * someone else), which is never undone on an end user's session: it is closed instead.
   */
  async settle(changed: boolean): Promise<boolean> {
    this.#holder = undefined;
    // Leased until settled: no other call may run on it (nor eviction close it) while its reset runs.
    try {
      if (!this.usable) return false;
      if (!changed) return true;
      const undo = sessionDrift(this.db, this.#baseline);
      if (undo.length === 0) return true;
      if (undo.includes("auth")) return false;
      try {
        await resetSession(this.db, undo, this.#baseline, undefined);
        return this.usable;
      } catch {
        return false;
      }
    } finally {
      this.leased = false;
    }
  }

  /** Detaches it (idempotent): its auth goes with it, and its place under the endpoint's bound is free. */
  close(): Promise<void> {
    this.#closed = true;
    this.#holder = undefined;
    return this.#held.close();
  }
}
