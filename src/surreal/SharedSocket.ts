import { CallTerminatedError, type Surreal } from "surrealdb";
import { Tripwire } from "../util/Tripwire.js";
import type { SessionAuth } from "./credentials/SessionAuth.js";
import { withRenewal } from "./credentials/withRenewal.js";
import { closeWithin, onSocketDrop, type SocketClient } from "./socketClient.js";

const RENEWED = Promise.resolve();

/**
 * One WebSocket that many pooled SurrealDB sessions share. Its default session is never leased: it
 * serves `manager.query()`'s stateless fast path (a query's own `LET` and `USE` do not outlive it in
 * SurrealDB 3), many calls in flight at once. When the socket drops, every listener hears it once.
 */
export class SharedSocket {
  readonly id: string;
  readonly client: SocketClient;
  /** Pooled sessions placed on it (attached, or being attached). */
  sessions = 0;
  /** Fast-path queries running on its default session. */
  inFlight = 0;
  /** A ping of it is running to decide whether it hangs (see SessionConnector.suspectSocket). */
  suspected = false;
  /** An attach on it went unanswered: it keeps its sessions but takes no new one (see SessionConnector). */
  closedToNew = false;
  #dropped: Error | undefined;
  #closed = false;
  readonly #listeners = new Set<(error: Error) => void>();
  /** Trips when it drops or closes: calls still waiting on it then fail instead of hanging. */
  readonly #gone = new Tripwire();
  readonly #renewed: ((reason: "expiring" | "refused", durationMs: number) => void) | undefined;

  /** `renewed` is told of each renewal of the default session's sign-in (why, how long it took). */
  constructor(
    id: string,
    endpoint: string,
    client: SocketClient,
    onDrop: (error: Error) => void,
    renewed?: (reason: "expiring" | "refused", durationMs: number) => void,
  ) {
    this.id = id;
    this.client = client;
    this.#renewed = renewed;
    onSocketDrop(client.db, endpoint, (error) => {
      if (this.#closed) return; // the pool closed it: not a drop
      this.#dropped = error;
      // What the SDK itself rejects a call with when its connection closes: a retry runs elsewhere.
      this.#gone.trip(Object.assign(new CallTerminatedError(), { cause: error }));
      onDrop(error);
      for (const listener of [...this.#listeners]) listener(error);
      this.#listeners.clear();
    });
  }

  /** The socket's default session (signed in, in the pool's namespace/database). */
  get db(): Surreal {
    return this.client.db;
  }

  /** Open and not closing: new sessions and fast-path queries may use it. */
  get usable(): boolean {
    return this.#dropped === undefined && !this.#closed;
  }

  /** Tells `listener` once when the socket drops (at once, asynchronously, when it already has). */
  onDrop(listener: (error: Error) => void): () => void {
    const dropped = this.#dropped;
    if (dropped) {
      queueMicrotask(() => listener(dropped));
      return () => {};
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Settles like `call`, or rejects once the socket drops or closes: the SDK (its reconnect off) leaves
   * a call it sent on a socket that closed pending for ever.
   */
  whileOpen<T>(call: Promise<T>): Promise<T> {
    return this.#gone.race(call);
  }

  /**
   * Runs one stateless call on the default session, counted as load while it runs. The default session's
   * sign-in is renewed when it is expiring, and a call refused because it expired runs once more after
   * the renewal (one renewal for every call that hit the expiry together).
   */
  run<T>(work: (db: Surreal) => Promise<T>): Promise<T> {
    const auth = this.client.auth;
    // The common call: no sign-in to renew first. One promise in between, not two async frames.
    if (!auth?.due()) {
      this.inFlight++;
      const sentAfter = this.#renewals;
      return this.#gone.race(work(this.client.db)).then(
        (value) => {
          this.inFlight--;
          return value;
        },
        (error: unknown) => {
          this.inFlight--;
          if (!auth?.expiredRefusal(error)) throw error;
          return this.#afterRefusal(work, auth, sentAfter);
        },
      );
    }
    return this.#runRenewing(work);
  }

  /**
   * A call refused because the default session's sign-in expired: renewed (one renewal for every call
   * refused together; none when one finished after it was sent), then sent once more.
   */
  async #afterRefusal<T>(
    work: (db: Surreal) => Promise<T>,
    auth: SessionAuth,
    sentAfter: number,
  ): Promise<T> {
    this.inFlight++;
    try {
      await (this.#renewals > sentAfter ? RENEWED : this.#renew(auth, "refused"));
      return await this.whileOpen(work(this.client.db));
    } finally {
      this.inFlight--;
    }
  }

  /** `run` when the sign-in is due: renewed first, and again after a refusal (see withRenewal). */
  async #runRenewing<T>(work: (db: Surreal) => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      const auth = this.client.auth;
      let sentAfter = this.#renewals;
      return await withRenewal(
        auth,
        // A call refused as expired that was sent before a renewal finished needs no renewal of its own.
        (reason) =>
          reason === "refused" && this.#renewals > sentAfter ? RENEWED : this.#renew(auth!, reason),
        () => {
          sentAfter = this.#renewals;
          return this.whileOpen(work(this.client.db));
        },
      );
    } finally {
      this.inFlight--;
    }
  }

  #renewing: Promise<unknown> | undefined;
  /** Renewals of the default session's sign-in that finished. */
  #renewals = 0;

  /** One sign-in for every call that needs it meanwhile, reported once. */
  #renew(auth: SessionAuth, reason: "expiring" | "refused"): Promise<unknown> {
    if (!this.#renewing) {
      const started = performance.now();
      this.#renewing = this.whileOpen(auth.signIn())
        .then(() => {
          this.#renewals++;
          this.#renewed?.(reason, performance.now() - started);
        })
        .finally(() => {
          this.#renewing = undefined;
        });
    }
    return this.#renewing;
  }

  /** Cuts the TCP socket: its drop retires its sessions (a socket that stopped answering). */
  destroy(): void {
    this.client.tap.destroy();
  }

  /** Gives the client up without closing it (it becomes a unit of its own); no drop is reported after. */
  handOver(): SocketClient {
    this.#closed = true;
    this.#listeners.clear();
    return this.client;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#gone.trip(new CallTerminatedError());
    await closeWithin(this.client.db, this.client.tap);
  }
}
