import { Observable, type Subscriber } from "rxjs";
import type { LiveMessage, LiveSubscription, Uuid } from "surrealdb";
import { ArgumentError } from "../errors/ArgumentError.js";
import { isAuthenticationFailedError } from "../errors/AuthenticationFailedError.js";
import { classifyError } from "../errors/classifyError.js";
import { isPoolClosedError } from "../errors/PoolClosedError.js";
import { toChange } from "../live/LiveDelivery.js";
import type { LiveNotification } from "../live/LiveNotification.js";
import { type LiveRequest, parseLiveRequest } from "../live/LiveOptions.js";
import { killWithin } from "../surreal/lease/killWithin.js";
import { backoffDelay } from "../util/backoff.js";
import { isAuthRefusal } from "./isAuthRefusal.js";
import type { ParsedIdentity } from "./UserIdentity.js";
import type { UserSession } from "./UserSession.js";
import type { UserSessions } from "./UserSessions.js";

/** Resubscribe attempts after a loss before the stream errors, and their backoff. */
const MAX_ATTEMPTS = 30;
const BACKOFF = { initialBackoffMs: 100, maxBackoffMs: 5_000, multiplier: 2 };

/**
 * `as(identity).live(target)`: a LIVE SELECT on a session authenticated as the user, held by the
 * subscription alone, so the server sends only what the user's permissions let it see. Lost (its socket
 * dropped, the server killed it), it registers again on a new session of the same user and puts an
 * explicit `gap` notification in the stream first: a user's stream is never back-filled from the change
 * feed, which only a privileged session may read. A refused sign-in errors the stream with
 * `AuthenticationFailedError`; the pool's shutdown completes it.
 */
export function userLive<T>(
  sessions: UserSessions,
  identity: ParsedIdentity,
  target: unknown,
  options: unknown,
): Observable<LiveNotification<T>> {
  const request = parseLiveRequest(target, options);
  if (
    (request.namespace !== undefined && request.namespace !== identity.namespace) ||
    (request.database !== undefined && request.database !== identity.database)
  ) {
    throw new ArgumentError(
      "as(identity).live(target, options)",
      `runs in the user's ${identity.namespace}/${identity.database}; pass namespace/database to as() instead`,
    );
  }
  return new Observable<LiveNotification<T>>((subscriber) => {
    const run = new UserLiveRun(sessions, identity, request, subscriber as Subscriber<LiveNotification>);
    const unregister = sessions.onShutdown(() => run.end());
    void run.register(0);
    return () => {
      unregister();
      run.stop();
    };
  });
}

class UserLiveRun {
  readonly #sessions: UserSessions;
  readonly #identity: ParsedIdentity;
  readonly #request: LiveRequest;
  readonly #subscriber: Subscriber<LiveNotification>;
  #session: UserSession | undefined;
  #live: LiveSubscription | undefined;
  #unlisten: (() => void) | undefined;
  #stopped = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  /** When the live query was lost (epoch ms), until it is registered again. */
  #lostAt: number | undefined;
  #lostWhy = "";
  readonly #onAbort = () => this.end();

  constructor(
    sessions: UserSessions,
    identity: ParsedIdentity,
    request: LiveRequest,
    subscriber: Subscriber<LiveNotification>,
  ) {
    this.#sessions = sessions;
    this.#identity = identity;
    this.#request = request;
    this.#subscriber = subscriber;
    if (request.signal?.aborted) queueMicrotask(this.#onAbort);
    else request.signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  async register(attempt: number): Promise<void> {
    if (this.#stopped) return;
    let session: UserSession | undefined;
    try {
      const taking = this.#sessions.take(this.#identity, true);
      session = taking instanceof Promise ? await taking : taking;
      session.hold({ cutOff: () => this.#lost(session!, "its socket dropped") });
      const db = session.db;
      const [id] = (await db.query(`${this.#request.text}`, this.#request.vars)) as [Uuid];
      const live = await db.liveOf(id);
      if (this.#stopped || this.#session !== undefined) {
        void killWithin(live).catch(() => {});
        void this.#sessions.give(session, false, false);
        return;
      }
      this.#session = session;
      this.#live = live;
      if (this.#lostAt !== undefined) {
        this.#subscriber.next({ kind: "gap", from: this.#lostAt, to: Date.now(), reason: this.#lostWhy });
        this.#lostAt = undefined;
      }
      this.#unlisten = live.subscribe((m) => this.#onMessage(m, session!));
    } catch (error) {
      if (session) void this.#sessions.give(session, true, true);
      if (this.#stopped) return;
      if (isPoolClosedError(error)) return this.end();
      const refused = session && isAuthRefusal(error) ? this.#sessions.refused(session, error) : error;
      if (isAuthenticationFailedError(refused) || attempt + 1 >= MAX_ATTEMPTS || !isRetryable(refused)) {
        this.#fail(refused);
        return;
      }
      this.#lostAt ??= Date.now();
      this.#lostWhy ||= `registering failed: ${(refused as Error)?.message ?? String(refused)}`;
      this.#retry = setTimeout(() => void this.register(attempt + 1), backoffDelay(attempt + 1, BACKOFF));
    }
  }

  #onMessage(m: LiveMessage, session: UserSession): void {
    if (this.#stopped || session !== this.#session) return;
    if (m.action === "KILLED") {
      this.#lost(session, "the server killed the live query");
      return;
    }
    this.#subscriber.next(toChange(m, this.#request.diff));
  }

  /** The live query is gone with its session: the session is let go, and the query registered again. */
  #lost(session: UserSession, why: string): Promise<void> {
    if (this.#session !== session) return Promise.resolve();
    this.#unlisten?.();
    this.#unlisten = undefined;
    this.#live = undefined;
    this.#session = undefined;
    this.#lostAt = Date.now();
    this.#lostWhy = why;
    void this.#sessions.give(session, true, true);
    if (!this.#stopped) this.#retry = setTimeout(() => void this.register(1), backoffDelay(1, BACKOFF));
    return Promise.resolve();
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#request.signal?.removeEventListener("abort", this.#onAbort);
    this.#unlisten?.();
    const live = this.#live;
    const session = this.#session;
    this.#live = undefined;
    this.#session = undefined;
    if (session) {
      // Killed first, so the session goes back with nothing of this subscription left on it.
      const killing = live ? killWithin(live) : Promise.resolve();
      void killing.then(
        () => this.#sessions.give(session, false, false),
        () => this.#sessions.give(session, true, true),
      );
    }
  }

  /** Completes the stream (the pool shuts down, or the caller's signal fired). */
  end(): void {
    this.stop();
    this.#subscriber.complete();
  }

  #fail(error: unknown): void {
    this.stop();
    this.#subscriber.error(error);
  }
}

/** Errors worth registering again for: transient ones (a dropped socket, a timeout, no room now). */
function isRetryable(error: unknown): boolean {
  return classifyError(error).transient;
}
