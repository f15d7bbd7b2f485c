import type { CoreLease } from "../../core/CoreLease.js";
import type { PooledConnection } from "../../core/PooledConnection.js";
import type { LeaseOwner } from "../../core/UnitHooks.js";
import { type LeaseEnd, LeaseReleasedError } from "../../errors/LeaseReleasedError.js";
import { OperationTimeoutError } from "../../errors/OperationTimeoutError.js";
import { Deadlines, type Expiring } from "../../util/Deadlines.js";
import type { PooledDb, RawConnection } from "../Connector.js";
import { rawOf } from "../rawOf.js";
import type { Lease } from "./Lease.js";
import { callTimedOut, leaseLiveKilled, transactionsAbandoned } from "./leaseEvents.js";
import { LeaseLive } from "./leaseLive.js";
import { OpenTransactions } from "./OpenTransactions.js";
import { type CallGuard, revocable } from "./revocable.js";

/** Bound on cancelling a borrower's abandoned transactions at release (a stuck socket is discarded). */
const ABANDONED_CANCEL_MS = 5_000;

/** Session methods by which a borrower takes the session's auth over. */
const BORROWER_AUTH = new Set<PropertyKey>(["signin", "signup", "authenticate", "invalidate", "reset"]);

/** A call through `db` the lease waits for; its deadline is kept on the shared timers below. */
class InFlight implements Expiring {
  settled = false;
  deadline = 0;
  group: Expiring["group"] = undefined;

  constructor(
    readonly lease: PooledLease,
    /** The SDK's own call, which keeps running after the lease stops waiting for it. */
    readonly call: PromiseLike<unknown>,
    readonly reject: (error: Error) => void,
    readonly method: string | undefined,
  ) {}
}

/**
 * Every lease call's deadline on a few shared timers (one per distinct `queryTimeoutMs`) instead of a
 * timer per call; unref'd, as what a call runs on keeps the process alive while it runs.
 */
let callDeadlines: Deadlines<InFlight>;

/** The connection a lease holds: for the library's own files, never exported from the package. */
export let connectionOf: (lease: PooledLease) => PooledConnection;

/** Signs a lease's unit in again (before use when expiring, or after the server refused a call as expired). */
export type Reauthenticate = (lease: PooledLease, reason?: "expiring" | "refused") => Promise<void>;

/**
 * A lease of a SurrealDB unit: the revocable handle, the calls in flight through `db`, what the
 * borrower changed or left open. Handed out typed as the public `Lease` (./Lease.ts), which shows none
 * of this.
 */
export class PooledLease implements CoreLease, Lease, CallGuard {
  /** Private: a property would let a kept lease reach the unit after release (`lease.connection.raw.db`). */
  readonly #connection: PooledConnection;
  /** performance.now() when handed out. */
  readonly acquiredAt: number;
  /** Stack of the acquire() call, when leak detection is on. */
  readonly acquiredStack: string | undefined;

  static {
    connectionOf = (lease) => lease.#connection;
    callDeadlines = new Deadlines<InFlight>((entry) => entry.lease.#timedOutCall(entry), { unref: true });
  }
  /** Deadline of each call through `db`, ms; undefined: none. */
  readonly queryTimeoutMs: number | undefined;
  readonly #owner: LeaseOwner;
  #ended: LeaseEnd | undefined;
  #endedError: Error | undefined;
  #done: Promise<void> | undefined;
  #db: PooledDb | undefined;
  /** Made on the first call: most leases in a benchmark never call, and every lease is the hot path. */
  #inFlight: Set<InFlight> | undefined;
  /** A call ran past its deadline: the socket may be stuck, so the connection is discarded. */
  #timedOut = false;
  #sessionChanged = false;
  /** The borrower changed the session's auth itself (see `noteSessionChange`). */
  #authTaken = false;
  /** Transactions begun through `db` and still open; made on the first one. */
  #transactions: OpenTransactions | undefined;
  /** Live queries the borrower started: made on the first one (src/surreal/lease/leaseLive.ts). */
  #live: LeaseLive | undefined;

  /** Absent: the pool does not sign its units in, so there is nothing to renew. */
  readonly #reauthenticate: Reauthenticate | undefined;

  constructor(
    connection: PooledConnection,
    owner: LeaseOwner,
    acquiredAt: number,
    acquiredStack?: string,
    queryTimeoutMs?: number,
    reauthenticate?: Reauthenticate,
  ) {
    this.#connection = connection;
    this.acquiredAt = acquiredAt;
    this.acquiredStack = acquiredStack;
    this.#owner = owner;
    this.queryTimeoutMs = queryTimeoutMs;
    this.#reauthenticate = reauthenticate;
  }

  /** The unit under the lease (read when needed: most leases never call, and every lease is the hot path). */
  #raw(): RawConnection {
    return rawOf(this.#connection);
  }

  /** The SurrealDB SDK session to query with (`lease.db.query(...)`), as a revocable handle. */
  get db(): PooledDb {
    if (this.#ended) throw this.endedError();
    this.#db ??= revocable(this.#raw().db, this);
    return this.#db;
  }

  /**
   * `target` (another session of the same borrower, e.g. an agent's own) behind this lease's guard: its
   * calls end with the lease and count toward its deadline, like calls through `db`.
   */
  guard<T extends object>(target: T): T {
    return revocable(target, this);
  }

  get released(): boolean {
    return this.#ended !== undefined;
  }

  /** Calls through `db` still running. */
  get callsInFlight(): number {
    return this.#inFlight?.size ?? 0;
  }

  /**
   * True once a method that changes session state (`use`, `set`, `signin`, ...) was called through
   * `db`: only then does the return compare the session with its baseline.
   */
  get sessionChanged(): boolean {
    return this.#sessionChanged;
  }

  /** True when a call ran past `queryTimeoutMs` (the connection is then discarded at release). */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** Returns the connection to the pool (reset first if the borrower changed its session). */
  release(): Promise<void> {
    return this.#end("released", false);
  }

  /** Gives the connection up instead of returning it (use when you know it is broken). */
  discard(): Promise<void> {
    return this.#end("released", true);
  }

  /**
   * Ends the lease because a session behind its guard (another of the borrower's: an end user's) lost
   * its transport: calls still running, and every use after, fail with `LeaseReleasedError` "broken"
   * (transient: a retry runs elsewhere). The pooled connection itself goes back as on release.
   */
  endBroken(cause?: Error): Promise<void> {
    if (this.#done) return this.#done;
    this.#endedError = new LeaseReleasedError(this.connectionId, "broken", cause ? { cause } : undefined);
    return this.#end("broken", false);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }

  /**
   * Ends the lease from the pool's side (shutdown took it back, its connection broke). Every use after
   * it, and every call still running, fails with `LeaseReleasedError` (its `cause`: the transport's
   * error, when the connection broke); "broken" counts as transient, so a retry runs elsewhere.
   */
  get connectionId(): string {
    return this.#connection.id;
  }

  get endpoint(): string {
    return this.#connection.endpoint;
  }

  revoke(reason: Exclude<LeaseEnd, "released">, cause?: Error): void {
    if (this.#ended) return;
    this.#ended = reason;
    this.#endedError = new LeaseReleasedError(this.connectionId, reason, cause ? { cause } : undefined);
    this.#done = Promise.resolve();
    this.#interrupt(this.#endedError);
  }

  // --- CallGuard: what the revocable handle asks ---------------------------------------------------

  noteLive(subscription: { kill(): Promise<void> } | undefined): void {
    this.#live ??= new LeaseLive();
    this.#live.note(subscription);
  }

  endedError(): Error | undefined {
    if (this.#ended === undefined) return undefined;
    // Made when first needed: an Error captures a stack, too dear for every release.
    this.#endedError ??= new LeaseReleasedError(this.connectionId, this.#ended);
    return this.#endedError;
  }

  noteSessionChange(method: PropertyKey): void {
    this.#sessionChanged = true;
    // The borrower signed in, out or reset on its own: the session's auth is theirs for the rest of the
    // lease, and a refusal is theirs to see, not an expiry of the pool's sign-in to renew.
    if (BORROWER_AUTH.has(method)) this.#authTaken = true;
  }

  transactionBegan(transaction: object): void {
    this.#transactions ??= new OpenTransactions();
    this.#transactions.began(transaction);
  }

  transactionEnded(transaction: object): void {
    this.#transactions?.ended(transaction);
  }

  /** Transactions begun through `db` and not yet committed or cancelled. */
  get openTransactions(): number {
    return this.#transactions?.size ?? 0;
  }

  get renews(): boolean {
    return !this.#authTaken && this.#raw().auth !== undefined && this.#reauthenticate !== undefined;
  }

  track<T>(call: PromiseLike<T>, method?: string, redo?: () => PromiseLike<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = new InFlight(this, call, reject, method);
      const timeoutMs = this.queryTimeoutMs;
      if (timeoutMs !== undefined) callDeadlines.add(entry, timeoutMs, performance.now());
      this.#inFlight ??= new Set();
      this.#inFlight.add(entry);
      call.then(
        (value) => {
          if (this.#settle(entry)) resolve(value);
        },
        (error: unknown) => {
          if (!this.#settle(entry)) return;
          // The pool's own sign-in expired under the call (refused, so it did not run): renew once and
          // send it again, as a call of its own (a release meanwhile cuts it off like any other).
          if (redo && this.#raw().auth?.expiredRefusal(error)) {
            resolve(this.track(this.#renewThen(redo), method));
          } else reject(error);
        },
      );
    });
  }

  async #renewThen<T>(redo: () => PromiseLike<T>): Promise<T> {
    await this.#reauthenticate!(this);
    const ended = this.endedError();
    if (ended) throw ended;
    return redo();
  }

  #settle(entry: InFlight): boolean {
    if (!this.#inFlight?.delete(entry)) return false; // already rejected: revoked or timed out
    entry.settled = true;
    callDeadlines.remove(entry);
    return true;
  }

  /** A call outlived `queryTimeoutMs`: it fails, and the connection is discarded at release. */
  #timedOutCall(entry: InFlight): void {
    if (!this.#settle(entry)) return;
    this.#timedOut = true;
    const timeoutMs = this.queryTimeoutMs!;
    entry.reject(new OperationTimeoutError(timeoutMs, this.endpoint));
    this.#owner.publish(callTimedOut(this, String(entry.method ?? "call"), timeoutMs));
  }

  #interrupt(error: Error): void {
    const inFlight = this.#inFlight;
    if (!inFlight || inFlight.size === 0) return;
    const calls: PromiseLike<unknown>[] = [];
    for (const entry of inFlight) {
      entry.settled = true;
      callDeadlines.remove(entry);
      calls.push(entry.call);
      entry.reject(error);
    }
    inFlight.clear();
    this.#owner.cutOff(calls);
  }

  #end(reason: LeaseEnd, discard: boolean): Promise<void> {
    if (this.#done) return this.#done;
    this.#ended = reason;
    // Calls the borrower left running would finish on the next borrower's session: cut them off here,
    // and give the connection up (what they do to the session cannot be undone).
    const interrupted = this.callsInFlight > 0;
    if (interrupted) this.#interrupt(this.endedError()!);
    const giveUp = discard || interrupted || this.#timedOut;
    // What the borrower left running (live queries) or open (transactions) is ended first, so none of it
    // reaches the next borrower; the common lease has neither and is released at once.
    this.#done =
      this.#live !== undefined || this.openTransactions > 0
        ? this.#cleanUp().then((mustDiscard) =>
            this.#owner.release(this.#connection, this, giveUp || mustDiscard),
          )
        : this.#owner.release(this.#connection, this, giveUp);
    return this.#done;
  }

  /** Kills the borrower's live queries, then cancels its open transactions; true: give the connection up. */
  async #cleanUp(): Promise<boolean> {
    let mustDiscard = false;
    if (this.#live) {
      const { killed, discard } = await this.#live.kill();
      this.#owner.publish(leaseLiveKilled(this, killed));
      mustDiscard ||= discard;
    }
    if (this.openTransactions > 0 && !(await this.#cancelAbandoned())) mustDiscard = true;
    return mustDiscard;
  }

  /**
   * Cancels what the borrower left open, before the connection can reach anyone else; true when all
   * were cancelled. Done even when the connection is discarded: sessions of an embedded engine share
   * one engine connection, so closing the session would not end its transactions.
   */
  async #cancelAbandoned(): Promise<boolean> {
    const outcome = await this.#transactions!.cancelAll(
      Math.min(this.queryTimeoutMs ?? ABANDONED_CANCEL_MS, ABANDONED_CANCEL_MS),
    );
    this.#owner.publish(transactionsAbandoned(this, outcome));
    return outcome.error === undefined;
  }
}
