import type { Observable } from "rxjs";
import { type Actor, waitFor } from "xstate";
import type { AgentSessionMachineEvent } from "../../machines/agentSession.machine.js";
import type { Logger } from "../config/Logger.js";
import { PoolClosedError } from "../errors/PoolClosedError.js";
import { EventBus } from "../events/EventBus.js";
import type { SessionEvent, TxLogEvent } from "../events/SessionEvent.js";
import type { TransactionOperation } from "../events/TransactionOperation.js";
import { withinDeadline } from "../util/withinDeadline.js";
import {
  type AgentSessionState,
  acquireArguments,
  closeArguments,
  type SessionAcquireOptions,
  type SessionCloseOptions,
  type SessionCloseReport,
} from "./AgentSessionCalls.js";
import type { AgentSessionCreateOptions } from "./AgentSessionCreateOptions.js";
import type { AgentSessionOptions, AgentSessionRestoreOptions } from "./AgentSessionOptions.js";
import { AgentSlots } from "./AgentSlots.js";
import { type agentSessionLogic, closeReport, startAgentSessionActor } from "./agentSessionLogic.js";
import { anySignal } from "./anySignal.js";
import { CloseSignal } from "./CloseSignal.js";
import { createDurableSink } from "./durableLog.js";
import { SessionClosedError } from "./errors/SessionClosedError.js";
import { internalsOf, type ManagerInternals } from "./managerInternals.js";
import type { OwnSession } from "./OwnSession.js";
import { claimAgentId, releaseAgentId } from "./openSessions.js";
import type { ResolvedSessionOptions } from "./resolveSessionOptions.js";
import { AgentSessionLease, type SessionLease } from "./SessionLease.js";
import type { PoolLease, SessionPool } from "./SessionPool.js";
import { type SessionSetup, setupForCreate, setupForRestore } from "./sessionSetup.js";
import type { TransactionEntry } from "./TransactionEntry.js";
import { TransactionLog } from "./TransactionLog.js";
import type { TxLogSink } from "./TxLogSink.js";

const LEASE_RETURNED = { type: "lease.returned" } as const;

export type {
  AgentSessionState,
  SessionAcquireOptions,
  SessionCloseOptions,
  SessionCloseReport,
} from "./AgentSessionCalls.js";

/**
 * One AI agent's session on a shared pool: its own namespace/database, a fair share of the pool, and an
 * auditable append-only transaction log (optionally durable in SurrealDB). Its life is the
 * `agentSession` machine; every transition and every log change is an event on `session.events$` and
 * on the manager's `events$`.
 */
export class AgentSession {
  readonly agentId: string;
  readonly namespace: string;
  readonly database: string;
  readonly #pool: SessionPool;
  readonly #internals: ManagerInternals;
  readonly #unhookShutdown: (() => void) | undefined;
  readonly #options: ResolvedSessionOptions;
  /** Made when someone first asks for `events$`: an agent nobody watches holds no stream. */
  #bus: EventBus<SessionEvent> | undefined;
  readonly #log: TransactionLog;
  readonly #sink: TxLogSink | null;
  /** The agent's share of the pool: its fairness gate, and a session of its own per slot. */
  readonly #slots: AgentSlots;
  readonly #held = new Set<AgentSessionLease>();
  /** Aborts the agent's acquires that are in the pool's queue when the session closes. */
  readonly #closeSignal = new CloseSignal();
  readonly #actor: Actor<typeof agentSessionLogic>;
  readonly #logger: Logger | undefined;
  #closing: Promise<SessionCloseReport> | undefined;

  /**
   * Opens a session for agent `id` working in `namespace` (and `database`, default the manager's) on
   * `manager`'s pool. Resolves once the session is active. With a sink, refuses (`SessionConflictError`)
   * an agent whose log is already stored: continue that one with `restore`. Bad arguments are refused
   * (`ArgumentError`, bad option values `ConfigError`) before anything changes.
   *
   * ```ts
   * const agent = await AgentSession.create({ id: "planner", manager, namespace: "planning" });
   * ```
   */
  static create(options: AgentSessionCreateOptions): Promise<AgentSession>;
  /**
   * @deprecated Pass one options object instead:
   * `AgentSession.create({ id, manager, namespace, database, ...options })`. This positional form stays
   * for one version.
   */
  static create(
    agentId: string,
    manager: SessionPool,
    namespace: string,
    database?: string,
    options?: AgentSessionOptions,
  ): Promise<AgentSession>;
  static async create(...args: unknown[]): Promise<AgentSession> {
    return AgentSession.#open(setupForCreate(args));
  }

  /**
   * Reopens an agent's session from its durable log: replays the stored events into the identical
   * history and continues the same log. Works in the namespace/database stored with the log unless
   * `options` say otherwise. The sink is on (its options say where the log is).
   */
  static async restore(
    agentId: string,
    manager: SessionPool,
    restoreOptions?: AgentSessionRestoreOptions,
  ): Promise<AgentSession> {
    return AgentSession.#open(await setupForRestore(agentId, manager, restoreOptions));
  }

  static async #open(setup: SessionSetup): Promise<AgentSession> {
    // A manager that is shutting down takes no new sessions, as it takes no new acquires.
    const state = internalsOf(setup.pool).state?.();
    if (state === "draining" || state === "closed") throw new PoolClosedError(state);
    const session = new AgentSession(setup);
    const snapshot = await waitFor(session.#actor, (s) => !s.matches("creating"));
    if (snapshot.matches("active")) return session;
    releaseAgentId(setup.pool, setup.agentId, session);
    void session.#sink?.close(); // stops its timer; nothing was logged
    throw snapshot.context.error ?? new Error(`agent "${setup.agentId}": session failed to open`);
  }

  private constructor(setup: SessionSetup) {
    const { agentId, pool, place, options } = setup;
    this.agentId = agentId;
    this.namespace = place.namespace;
    this.database = place.database;
    this.#pool = pool;
    this.#internals = internalsOf(pool);
    this.#options = options;
    this.#logger = setup.logger?.child({ component: "agent-session", agentId });
    this.#log = new TransactionLog({ agentId, events: setup.restored, now: options.now });
    const openSession = this.#internals.openSession;
    this.#slots = new AgentSlots(options.maxConcurrentLeases, openSession && (() => openSession(place)));
    claimAgentId(pool, agentId, this);
    // A manager shutting down closes its open sessions first, so their logs flush while it can.
    this.#unhookShutdown = this.#internals.beforeShutdown?.((timeoutMs) => this.#closeForShutdown(timeoutMs));
    this.#sink = options.sink
      ? createDurableSink({
          agentId,
          pool,
          acquireOwn: this.#internals.acquireOwn,
          sink: options.sink,
          place,
          durableSeq: this.#log.lastSeq,
          now: options.now,
          publish: (event) => this.#publish(event),
          logger: this.#logger,
        })
      : null;

    this.#actor = startAgentSessionActor({
      setup,
      pendingTransactions: this.#log.pending,
      effects: {
        agentId,
        pool,
        options,
        restored: setup.restored.length > 0,
        sink: this.#sink,
        gate: this.#slots.gate,
        closeSignal: this.#closeSignal,
        held: this.#held,
        logger: this.#logger,
      },
      publish: (event) => this.#publish(event),
      completed: () => {
        this.#releaseAgentIdIfDone();
        this.#bus?.complete();
      },
    });
  }

  /**
   * This session's events (`session.*`, `txlog.*`). Hot: a subscriber sees what happens after it
   * subscribes (so not `session.created`, which precedes `create()` resolving; the manager's `events$`
   * has it). Completes when the session is closed or failed.
   */
  get events$(): Observable<SessionEvent> {
    if (this.#bus === undefined) {
      this.#bus = new EventBus<SessionEvent>();
      // Asked for after the end: a stream that has completed already, as it would have.
      if (this.#actor.getSnapshot().status === "done") this.#bus.complete();
    }
    return this.#bus.events$;
  }

  /** The machine's top-level state. */
  get state(): AgentSessionState {
    const value = this.#actor.getSnapshot().value;
    return (typeof value === "string" ? value : Object.keys(value)[0]) as AgentSessionState;
  }

  /** The cap on this session's concurrent acquires (see `AgentSessionOptions.maxConcurrentLeases`). */
  get maxConcurrentLeases(): number {
    return this.#slots.gate.capacity;
  }

  /** Leases the agent holds now. */
  get activeLeases(): number {
    return this.#held.size;
  }

  /** `acquire()` calls waiting in the session's own queue (not yet at the pool). */
  get queuedAcquires(): number {
    return this.#slots.gate.waiting;
  }

  /** Log events not yet durable (0 without a sink). */
  get bufferedLogEvents(): number {
    return this.#sink?.buffered ?? 0;
  }

  /**
   * A pooled connection switched to this session's namespace/database (reset by the pool on return).
   * Waits in the session's queue while `maxConcurrentLeases` of its acquires are out, then in the pool's.
   */
  async acquire(acquireOptions?: SessionAcquireOptions): Promise<SessionLease> {
    // Every argument is checked before the session's queue is touched: a bad one costs no slot.
    const { signal: callerSignal, timeoutMs } = acquireArguments(
      acquireOptions,
      this.#options.acquireTimeoutMs,
    );
    const startedAt = this.#options.now();
    const started = performance.now();
    // The manager is shutting down: refused now, like the pool's own acquires, not after a wait here.
    const poolState = this.#internals.state?.();
    if (poolState === "draining" || poolState === "closed") throw new PoolClosedError(poolState);
    this.#assertActive("acquire a connection");
    const entering = this.#slots.enter(this.agentId, callerSignal, timeoutMs);
    if (entering) await entering;
    // From here the session holds a gate slot: every path out gives it back exactly once, after the
    // lease's own session (so the agent never has more sessions than slots).
    let lease: PoolLease;
    let own: OwnSession | undefined;
    const closeSignal = this.#closeSignal.signal;
    const { signal, dispose } = anySignal([callerSignal, closeSignal]);
    try {
      this.#assertActive("acquire a connection");
      // A session of the agent's own for this lease alone, when the pool can give one: the pool's lease
      // is then only the agent's share of the pool (its fair slot), and never switches namespace.
      const taking = this.#slots.take();
      own = taking instanceof Promise ? await taking : taking;
      // One budget over both queues; at least 1 ms so the pool still gets a chance at an idle connection.
      // Within a millisecond of the call, the whole budget: the same timeout as the agent's other
      // acquires, so they share one deadline timer in the pool instead of arming one each.
      const elapsedMs = performance.now() - started;
      const budgetMs = elapsedMs < 1 ? timeoutMs : Math.max(1, timeoutMs - elapsedMs);
      lease = await this.#pool.acquire(
        own
          ? { signal, timeoutMs: budgetMs }
          : { signal, timeoutMs: budgetMs, namespace: this.namespace, database: this.database },
      );
    } catch (error) {
      await this.#slots.leave(own, false);
      if (closeSignal.aborted && !callerSignal?.aborted) {
        throw new SessionClosedError(this.agentId, "acquire a connection", this.state, { cause: error });
      }
      throw error;
    } finally {
      dispose();
    }
    if (!this.#isActive()) {
      // Closing began while the pool was finding a connection: hand it straight back.
      await lease.release().catch(() => {});
      await this.#slots.leave(own, false);
      throw new SessionClosedError(this.agentId, "acquire a connection", this.state);
    }
    const sessionLease: AgentSessionLease = new AgentSessionLease(
      this.agentId,
      lease,
      startedAt,
      (forced) => this.#returnLease(sessionLease, lease, own, forced),
      own && lease.guard ? lease.guard(own.db) : own?.db,
    );
    own?.hold(sessionLease);
    // Counted here, where the lease lives: no machine transition while the session stays active (a
    // close reads the count), and the event is published as it is.
    this.#held.add(sessionLease);
    this.#publish(sessionLease.acquiredEvent(this.#options.now(), performance.now() - started));
    return sessionLease;
  }

  /** Appends a pending entry for `operation` to the log and returns its id. Never waits for I/O. */
  recordTransaction(operation: TransactionOperation): string {
    this.#assertCan({ type: "txlog.record" }, "record a transaction");
    const event = this.#log.prepareRecord(operation);
    this.#append(event, { type: "txlog.record" });
    return event.txId;
  }

  /** Marks a pending entry committed. Throws `TransactionLogError` (log unchanged) for an unknown or settled id. */
  commitTransaction(txId: string): void {
    this.#assertCan({ type: "txlog.settle" }, "commit a transaction");
    this.#append(this.#log.prepareCommit(txId), { type: "txlog.settle" });
  }

  /** Marks a pending entry aborted. Throws `TransactionLogError` (log unchanged) for an unknown or settled id. */
  abortTransaction(txId: string, reason?: string): void {
    this.#assertCan({ type: "txlog.settle" }, "abort a transaction");
    this.#append(this.#log.prepareAbort(txId, reason), { type: "txlog.settle" });
  }

  /** Every transaction in recording order with status and times: the fold of the log's events. */
  transactionHistory(): TransactionEntry[] {
    return this.#log.history();
  }

  /** One entry, or undefined. */
  transaction(txId: string): TransactionEntry | undefined {
    return this.#log.entry(txId);
  }

  /** The log itself: its `txlog.*` events in order. */
  logEvents(): TxLogEvent[] {
    return this.#log.events();
  }

  /** Resolves when every log event so far is durable in SurrealDB (at once without a sink). */
  async flush(): Promise<void> {
    await this.#sink?.flush();
    this.#releaseAgentIdIfDone();
  }

  /**
   * Stops taking work, aborts the agent's waiting acquires, waits for its leases (releasing them itself
   * after the timeout), makes the log durable. Idempotent. Rejects with the flush error if the log could
   * not be written; the events stay buffered and `flush()` retries them.
   */
  close(closeOptions?: SessionCloseOptions): Promise<SessionCloseReport> {
    let options: SessionCloseOptions;
    try {
      options = closeArguments(closeOptions);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#close(options.timeoutMs);
  }

  /**
   * Every close: the first one starts it, a later one may only shorten its wait for the agent's leases
   * (a shutdown's budget is shorter than a close under way). `reason`: why a session still being
   * created never opens; its `create()` rejects with it.
   */
  #close(timeoutMs: number | undefined, reason?: Error): Promise<SessionCloseReport> {
    if (this.#actor.getSnapshot().status === "active") {
      this.#actor.send({
        type: "session.close",
        activeLeases: this.#held.size,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(reason ? { reason } : {}),
      });
    }
    this.#closing ??= closeReport(this.#actor, this.#log, () => this.#slots.close());
    return this.#closing;
  }

  /**
   * The manager's shutdown closes the session within `budgetMs`: the agent's leases may finish for three
   * quarters of it, as the pool's own leases may (the last quarter is for releasing and the log's
   * flush), and the shutdown never waits for the session longer than the budget. A session still being
   * created never opens: its `create()` rejects with `PoolClosedError`.
   */
  #closeForShutdown(budgetMs: number): Promise<void> {
    const closing = this.#close(Math.floor((budgetMs * 3) / 4), new PoolClosedError("draining"));
    return withinDeadline(closing, performance.now() + budgetMs);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A lease is handed out only while the machine is `active` (the chart's rule; no transition). */
  #isActive(): boolean {
    const snapshot = this.#actor.getSnapshot();
    return snapshot.status === "active" && snapshot.value === "active";
  }

  /** Past `active` and not yet done: the machine counts the leases that come back. */
  #isClosing(): boolean {
    const snapshot = this.#actor.getSnapshot();
    return snapshot.status === "active" && typeof snapshot.value === "object";
  }

  #assertActive(what: string): void {
    if (!this.#isActive()) throw new SessionClosedError(this.agentId, what, this.state);
  }

  #assertCan(event: AgentSessionMachineEvent, what: string): void {
    if (!this.#actor.getSnapshot().can(event)) throw new SessionClosedError(this.agentId, what, this.state);
  }

  /** Appends a prepared log event everywhere at once, after the last check that can refuse it. */
  #append(event: TxLogEvent, machineEvent: AgentSessionMachineEvent): void {
    this.#sink?.reserve();
    const appended = this.#log.append(event);
    this.#actor.send(machineEvent);
    this.#sink?.offer(appended);
    this.#publish(appended);
  }

  async #returnLease(
    lease: AgentSessionLease,
    inner: PoolLease,
    own: OwnSession | undefined,
    forced: boolean,
  ): Promise<void> {
    // Calls of the lease that may still run on its session (cut off by this release, or past their
    // deadline): that session is detached, not handed to the agent's next lease.
    let tainted = (inner.callsInFlight ?? 0) > 0 || inner.timedOut === true;
    // Every use of the agent's own session went through the pool lease's guard: its dirty bit says
    // whether there is anything to undo (read before the release ends the lease).
    const changed = inner.sessionChanged ?? true;
    try {
      // First: the pool's lease ends what the borrower left running or open on it (live queries,
      // transactions), then the session is settled.
      await inner.release();
    } catch (error) {
      tainted = true;
      throw error;
    } finally {
      const leaving = this.#slots.leave(own, tainted, changed);
      if (leaving) await leaving;
      // Held until its own session and slot are back: a close waits for exactly these.
      this.#held.delete(lease);
      this.#publish(lease.releasedEvent(this.#options.now(), forced));
      // Only a closing session waits for its leases; an active one learns their count at close.
      if (this.#isClosing()) this.#actor.send(LEASE_RETURNED);
    }
  }

  /**
   * Frees the agent id for a new session once this one is over, but not while its log still has events
   * to write (a failed close): a restore would read the log without them, and both would write after it.
   */
  #releaseAgentIdIfDone(): void {
    if (this.#actor.getSnapshot().status === "done" && (this.#sink?.buffered ?? 0) === 0) {
      releaseAgentId(this.#pool, this.agentId, this);
      this.#unhookShutdown?.();
    }
  }

  #publish(event: SessionEvent): void {
    this.#bus?.emit(event);
    this.#internals.publish(event);
  }
}
