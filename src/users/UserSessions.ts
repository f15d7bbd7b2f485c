import { AuthenticationFailedError } from "../errors/AuthenticationFailedError.js";
import { isServerError } from "../errors/classifyError.js";
import { PoolClosedError } from "../errors/PoolClosedError.js";
import type { UserEvent, UserEvictionReason } from "../events/UserEvent.js";
import type { HeldSession } from "../session/managerInternals.js";
import { tokenExpiresAt } from "../surreal/credentials/tokenExpiry.js";
import { clearAuthRenewals } from "../surreal/exitOnIdle.js";
import type { PlacedSession } from "../surreal/openOwnSession.js";
import { MAX_TIMER_MS } from "../util/arguments.js";
import { UserSessionsFullError } from "./errors/UserSessionsFullError.js";
import { RoomWaiters } from "./RoomWaiters.js";
import type { ParsedIdentity } from "./UserIdentity.js";
import { UserSession } from "./UserSession.js";

export interface UserSessionsOptions {
  /** `users.maxSessions`: sessions kept for every user together, in use or idle. */
  maxSessions: number;
  /** How long a call waits for room when every session is in use. */
  waitMs: number;
  /**
   * A new session in `place` on the pool's shared transport, held under its endpoint's bound; undefined
   * when no endpoint can give one now (every one at its bound, or its breaker open).
   */
  open(place: { namespace: string; database: string }): PlacedSession | undefined;
  publish(event: UserEvent): void;
}

/** One identity's sessions, and what it learned signing in (credentials identities). */
interface UserEntry {
  /** As first parsed: a later request with the same token is not read again (`known`). */
  readonly identity: ParsedIdentity;
  readonly key: string;
  readonly user: string;
  readonly sessions: UserSession[];
  /** The token sessions are authenticated with: the identity's own, or the one its sign-in returned. */
  token: string | undefined;
  expiresAt: number | undefined;
  /** A sign-in of a credentials identity in flight: the identity's other first calls wait for it. */
  signingIn: Promise<string> | undefined;
  /** Calls opening a session for it now: it stays cached while one does, even with no session yet. */
  opening: number;
  /** Removed from the cache (forgotten, expired, refused, evicted): its sessions close as they come back. */
  gone: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The end users' sessions: for each identity, the sessions authenticated as it, reused by its later
 * calls and by no other identity's. Bounded (`maxSessions` in all, the least recently used identity's
 * idle session first out), expiring (at the token's `exp`), forgotten on `forget()`; a dropped session
 * is never used again. This class decides which session a user's call runs on, and nothing else does.
 */
export class UserSessions {
  readonly #options: UserSessionsOptions;
  /** Identities by key, least recently used first (a use moves it to the end). */
  readonly #entries = new Map<string, UserEntry>();
  /** The entry last moved to the end of `#entries` (the most recently used). */
  #newest: UserEntry | undefined;
  /** Every session open, all identities: the count under the bound. */
  readonly #open = new Set<UserSession>();
  /** Places taken by sessions still opening. */
  #opening = 0;
  /** Calls waiting for room, first come first served. */
  readonly #waiting = new RoomWaiters();
  readonly #takeRoom = () => this.#tryRoom();
  #closed = false;
  /** Live subscriptions on users' sessions: ended at shutdown. */
  readonly #stops = new Set<() => void>();

  constructor(options: UserSessionsOptions) {
    this.#options = options;
  }

  /** Sessions cached now, in use or idle. */
  get cached(): number {
    return this.#open.size;
  }

  health(): { maxSessions: number; cached: number; inUse: number; users: number; waiting: number } {
    let inUse = 0;
    for (const session of this.#open) if (!session.free) inUse++;
    const { maxSessions } = this.#options;
    return {
      maxSessions,
      cached: this.#open.size,
      inUse,
      users: this.#entries.size,
      waiting: this.#waiting.length,
    };
  }

  /**
   * A session of `identity` for one call: shared with the identity's other stateless calls
   * (`exclusive` false: the least busy one not leased), or held alone by a lease (`exclusive`: one
   * running nothing). At once when one is cached (no promise), else a new one, authenticated.
   */
  take(identity: ParsedIdentity, exclusive: boolean): UserSession | Promise<UserSession> {
    if (this.#closed) return Promise.reject(new PoolClosedError("closed"));
    const expired = this.expired(identity);
    if (expired) return Promise.reject(expired);
    const entry = this.#entry(identity);
    let best: UserSession | undefined;
    const unusable: UserSession[] = [];
    for (let i = entry.sessions.length - 1; i >= 0; i--) {
      const session = entry.sessions[i]!;
      if (!session.usable) {
        if (session.free) unusable.push(session);
        continue;
      }
      if (session.leased || (exclusive && session.inFlight > 0)) continue;
      if (!best || session.inFlight < best.inFlight) best = session;
    }
    // A call that opens a session keeps its identity cached while the unusable ones go: the session it
    // opens then joins the identity's others (not an entry already gone, closed after this one call).
    if (!best) entry.opening++;
    for (const session of unusable) {
      void this.#evict(session, session.token === entry.token ? "dropped" : "changed");
    }
    if (best) {
      if (exclusive) best.leased = true;
      else best.inFlight++;
      this.#options.publish({ type: "user.session.reused", ts: Date.now(), user: entry.user });
      return best;
    }
    return this.#openFor(entry, identity, exclusive);
  }

  /** A token identity cached under `key`, as parsed when first seen (credentials identities are read anew). */
  known(key: string): ParsedIdentity | undefined {
    const identity = this.#entries.get(key)?.identity;
    return identity?.token === undefined ? undefined : identity;
  }

  /**
   * The error of a call of `identity` whose token is past its `exp` (nothing of it stays cached), or
   * undefined. Such a token is never presented: the embedded engine accepts one, and the SDK signs a
   * session out at `exp` under its caller; the application signs the user in again instead.
   */
  expired(identity: ParsedIdentity): AuthenticationFailedError | undefined {
    if (identity.expiresAt === undefined || identity.expiresAt > Date.now()) return undefined;
    this.forget(identity);
    const at = new Date(identity.expiresAt).toISOString();
    return AuthenticationFailedError.forUser("the pool", identity.id, `its token expired at ${at}`);
  }

  /** A stateless call on `session` ended. `refused`: the server refused its auth (see `refused`). */
  done(session: UserSession): void {
    session.inFlight--;
    this.#after(session);
  }

  /** A lease of `session` ended; `tainted`: calls may still run on it, so it is closed. */
  async give(session: UserSession, tainted: boolean, changed: boolean): Promise<void> {
    const kept = !tainted && !this.#closed && (await session.settle(changed));
    if (!kept) {
      session.leased = false;
      await this.#evict(session, this.#closed ? "shutdown" : "changed");
      return;
    }
    this.#after(session);
  }

  /**
   * The server refused a call of `session` for its auth (the token expired early, was revoked): every
   * session of that identity goes, and the call fails with `AuthenticationFailedError`.
   */
  refused(session: UserSession, error: unknown): AuthenticationFailedError {
    const entry = this.#entries.get(session.key);
    if (entry && entry.token === session.token) this.#drop(entry, "refused");
    this.#options.publish({
      type: "user.session.refused",
      ts: Date.now(),
      user: session.user,
      endpoint: session.endpoint,
      error: error instanceof Error ? error : new Error(String(error)),
    });
    return AuthenticationFailedError.forUser(
      session.endpoint,
      session.user,
      "its sign-in was refused",
      error,
    );
  }

  /** Logout: nothing of `identity` stays cached; sessions in use close when their calls end. */
  forget(identity: ParsedIdentity): boolean {
    const entry = this.#entries.get(identity.key);
    if (!entry) return false;
    this.#drop(entry, "forgotten");
    return true;
  }

  /**
   * Told at shutdown (a live subscription completes its stream); returns the function that unregisters it.
   */
  onShutdown(stop: () => void): () => void {
    this.#stops.add(stop);
    return () => this.#stops.delete(stop);
  }

  /**
   * Shutdown, before the pool drains: no new session, waiting calls and live streams end, idle sessions
   * close; sessions still leased close as their leases come back (or with their endpoint). Idempotent.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#waiting.failAll(new PoolClosedError("closed"));
    for (const stop of [...this.#stops]) stop();
    this.#stops.clear();
    for (const entry of [...this.#entries.values()]) this.#unfile(entry);
    const closing: Promise<void>[] = [];
    for (const session of [...this.#open]) if (session.free) closing.push(this.#evict(session, "shutdown"));
    await Promise.all(closing);
  }

  #entry(identity: ParsedIdentity): UserEntry {
    let entry = this.#entries.get(identity.key);
    if (entry && entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.#drop(entry, "expired");
      entry = undefined;
    }
    if (entry) {
      // Most recently used last: eviction walks from the front (nothing to move for the newest).
      if (entry !== this.#newest) {
        this.#entries.delete(identity.key);
        this.#entries.set(identity.key, entry);
        this.#newest = entry;
      }
      return entry;
    }
    entry = {
      identity,
      key: identity.key,
      user: identity.id,
      sessions: [],
      token: identity.token,
      expiresAt: identity.expiresAt,
      signingIn: undefined,
      opening: 0,
      gone: false,
      timer: undefined,
    };
    this.#entries.set(identity.key, entry);
    this.#newest = entry;
    this.#armExpiry(entry);
    return entry;
  }

  /** A new session for a call of `entry`, which the caller counted in `entry.opening`. */
  async #openFor(entry: UserEntry, identity: ParsedIdentity, exclusive: boolean): Promise<UserSession> {
    try {
      return await this.#openSession(entry, identity, exclusive);
    } finally {
      entry.opening--;
      // A call that got no session (it timed out waiting for room, or its open failed) leaves nothing cached.
      this.#unfileIfEmpty(entry);
    }
  }

  async #openSession(entry: UserEntry, identity: ParsedIdentity, exclusive: boolean): Promise<UserSession> {
    const started = performance.now();
    const room = this.#room(entry.user);
    if (room) await room;
    let held: HeldSession | undefined;
    let session: UserSession;
    let signedIn = false;
    let endpoint = "";
    try {
      const placed = this.#options.open({ namespace: identity.namespace, database: identity.database });
      if (!placed) throw new UserSessionsFullError(entry.user, 0, this.#options.maxSessions, true);
      endpoint = placed.endpoint;
      held = await placed.held;
      const db = held.unit.db;
      // The cache owns the session's expiry: the SDK's own timer would sign it out under a caller.
      clearAuthRenewals(db);
      let token = entry.token ?? (await entry.signingIn);
      if (token === undefined) {
        // The identity's first session signs its credentials in; its other first calls wait for the token.
        const signIn = identity.signIn!;
        const signing = db.signin(signIn).then((grant) => grant.access as string);
        entry.signingIn = signing;
        try {
          token = await signing;
        } finally {
          entry.signingIn = undefined;
        }
        signedIn = true;
        entry.token = token;
        entry.expiresAt = tokenExpiresAt(token);
        if (!entry.gone) this.#armExpiry(entry);
      } else {
        await db.authenticate(token);
      }
      session = new UserSession(held, endpoint, entry.key, entry.user, token, (s) =>
        this.#evict(s, "dropped"),
      );
    } catch (error) {
      this.#opening--;
      void held?.close();
      this.#grantWaiters();
      if (held && isServerError(error)) {
        this.#options.publish({
          type: "user.session.refused",
          ts: Date.now(),
          user: entry.user,
          endpoint,
          error: error as Error,
        });
        this.#drop(entry, "refused");
        throw AuthenticationFailedError.forUser(endpoint, entry.user, "its sign-in was refused", error);
      }
      throw error;
    }
    this.#opening--;
    this.#open.add(session);
    entry.sessions.push(session);
    if (exclusive) session.leased = true;
    else session.inFlight++;
    this.#options.publish({
      type: "user.session.opened",
      ts: Date.now(),
      user: entry.user,
      endpoint: session.endpoint,
      durationMs: performance.now() - started,
      signedIn,
      cached: this.#open.size,
    });
    // Forgotten (or expired) while it opened: this call still runs on it, and it closes after (#after).
    return session;
  }

  /**
   * Takes a place under `maxSessions` for a session about to open: at once when there is room, or by
   * evicting the least recently used identity's idle session; else waits for one (FIFO) up to `waitMs`.
   */
  #room(user: string): Promise<void> | undefined {
    if (this.#tryRoom()) return undefined;
    const { waitMs, maxSessions } = this.#options;
    return this.#waiting.wait(waitMs, () => new UserSessionsFullError(user, waitMs, maxSessions));
  }

  #tryRoom(): boolean {
    if (this.#open.size + this.#opening >= this.#options.maxSessions) {
      const victim = this.#leastRecentlyUsedIdle();
      if (!victim) return false;
      // Its place is this caller's: not offered to the waiters on the way out.
      this.#evict(victim, "lru", false);
    }
    this.#opening++;
    return true;
  }

  #leastRecentlyUsedIdle(): UserSession | undefined {
    for (const entry of this.#entries.values()) {
      for (const session of entry.sessions) if (session.free) return session;
    }
    // Sessions of identities already gone but still finishing a call are not in an entry.
    return undefined;
  }

  /** A session came back idle (or lost its last call): closed if its identity is gone, else kept. */
  #after(session: UserSession): void {
    if (!session.free) return;
    if (this.#closed) {
      this.#evict(session, "shutdown");
      return;
    }
    const entry = this.#entries.get(session.key);
    // Its identity left the cache meanwhile (forgotten, expired, refused), or came back as a new entry.
    if (entry === undefined || !entry.sessions.includes(session)) {
      this.#evict(session, "forgotten");
      return;
    }
    if (!session.usable) {
      this.#evict(session, session.token === entry.token ? "dropped" : "changed");
      return;
    }
    this.#grantWaiters();
  }

  #grantWaiters(): void {
    this.#waiting.offer(this.#takeRoom);
  }

  /** Removes `entry` from the cache: its idle sessions close now, busy ones when their calls end. */
  #drop(entry: UserEntry, reason: UserEvictionReason): void {
    this.#unfile(entry);
    for (const session of [...entry.sessions]) if (session.free) void this.#evict(session, reason);
  }

  /** An identity without sessions, and no call opening one, is not kept: entries stay bounded by the sessions. */
  #unfileIfEmpty(entry: UserEntry): void {
    if (entry.sessions.length === 0 && entry.opening === 0) this.#unfile(entry);
  }

  #unfile(entry: UserEntry): void {
    entry.gone = true;
    clearTimeout(entry.timer);
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
  }

  /** Closes `session` and files it out; its place goes to the first waiter unless `offer` is false. */
  #evict(session: UserSession, reason: UserEvictionReason, offer = true): Promise<void> {
    if (!this.#open.delete(session)) return Promise.resolve();
    // Its identity's entry, unless that is gone (a session of a forgotten identity, finishing its call):
    // then a newer entry of the same identity is not its, and is left alone.
    const entry = this.#entries.get(session.key);
    const at = entry ? entry.sessions.indexOf(session) : -1;
    if (at >= 0) {
      entry!.sessions.splice(at, 1);
      this.#unfileIfEmpty(entry!);
    }
    this.#options.publish({
      type: "user.session.evicted",
      ts: Date.now(),
      user: session.user,
      reason,
      cached: this.#open.size,
    });
    const closing = session.close();
    if (offer) this.#grantWaiters();
    return closing;
  }

  /** Its sessions go at the token's `exp` even if nobody calls (a call after it would fail anyway). */
  #armExpiry(entry: UserEntry): void {
    clearTimeout(entry.timer);
    if (entry.expiresAt === undefined) return;
    const delay = entry.expiresAt - Date.now();
    if (delay > MAX_TIMER_MS) return; // checked again on every call
    entry.timer = setTimeout(() => this.#drop(entry, "expired"), Math.max(0, delay));
    entry.timer.unref?.();
  }
}
