import { setMaxListeners } from "node:events";
import type { Observable } from "rxjs";
import { type Actor, createActor, fromPromise, waitFor } from "xstate";
import {
  type AgentSessionEmitted,
  type AgentSessionMachineEvent,
  agentSessionMachine,
} from "../../machines/agentSession.machine.js";
import type { Logger } from "../config/Logger.js";
import { PoolClosedError } from "../errors/PoolClosedError.js";
import { EventBus } from "../events/EventBus.js";
import type { SessionEvent, TxLogEvent } from "../events/SessionEvent.js";
import type { TransactionOperation } from "../events/TransactionOperation.js";
import { internalsOf, type ManagerInternals } from "../pool/internals.js";
import { MAX_TIMER_MS, optionalDuration, optionalSignal, optionsObject } from "../util/arguments.js";
import { withinDeadline } from "../util/withinDeadline.js";
import type { AgentSessionCreateOptions } from "./AgentSessionCreateOptions.js";
import type { AgentSessionOptions, AgentSessionRestoreOptions } from "./AgentSessionOptions.js";
import { anySignal } from "./anySignal.js";
import { assertManager, createArguments } from "./createArguments.js";
import { createDurableSink, loadDurableLog, prepareDurableLog } from "./durableLog.js";
import { SessionAcquireAbortedError } from "./errors/SessionAcquireAbortedError.js";
import { SessionAcquireTimeoutError } from "./errors/SessionAcquireTimeoutError.js";
import { SessionClosedError } from "./errors/SessionClosedError.js";
import { TransactionLogError } from "./errors/TransactionLogError.js";
import { LeaseGate } from "./LeaseGate.js";
import type { OwnSession } from "./OwnSession.js";
import { OwnSessions } from "./OwnSessions.js";
import { assertAgentIdFree, claimAgentId, releaseAgentId } from "./openSessions.js";
import {
  checkSessionNames,
  type ResolvedSessionOptions,
  type ResolvedSinkOptions,
  resolveSessionOptions,
} from "./resolveSessionOptions.js";
import { AgentSessionLease, type SessionLease } from "./SessionLease.js";
import type { PoolLease, SessionPool } from "./SessionPool.js";
import type { SessionPlace } from "./SurrealTxLogStore.js";
import type { TransactionEntry } from "./TransactionEntry.js";
import { TransactionLog } from "./TransactionLog.js";
import type { TxLogSink } from "./TxLogSink.js";

/** Options of `session.acquire()`. */
export interface SessionAcquireOptions {
  /** Abandons the acquire when it fires, in the session's queue or the pool's. */
  signal?: AbortSignal;
  /** Longest wait over both queues. Default: the session's `acquireTimeoutMs`. */
  timeoutMs?: number;
}

/** Options of `session.close()`. */
export interface SessionCloseOptions {
  /** Overrides the session's `closeTimeoutMs` for this close. */
  timeoutMs?: number;
}

/** What `close()` reports. */
export interface SessionCloseReport {
  agentId: string;
  /** Leases closing released itself because the agent had not within the timeout. */
  forcedReleases: number;
  /** Transactions left pending; they stay pending in the (durable) log. */
  pendingTransactions: number;
  /** Log events in total, all durable when a sink is configured. */
  logEvents: number;
}

/** Where an agent session is in its life (the machine's top-level state). */
export type AgentSessionState = "creating" | "active" | "closing" | "closed" | "failed";

interface SessionSetup {
  agentId: string;
  pool: SessionPool;
  place: SessionPlace;
  options: ResolvedSessionOptions;
  restored: readonly TxLogEvent[];
  inspect: AgentSessionOptions["inspect"];
  logger: Logger | undefined;
}

/** What the agent session machine's effects do, for one session (the machine's `resource`). */
interface SessionEffects {
  prepare(): Promise<void>;
  flushLog(): Promise<void>;
  abortQueuedAcquires(): void;
  releaseLeases(): void;
}

function effectsOf(holder: { resource?: unknown }): SessionEffects {
  return holder.resource as SessionEffects;
}

/**
 * The machine with its effects, provided once for every session: each effect calls the session's own
 * through the machine's `resource`.
 */
const agentSessionLogic = agentSessionMachine.provide({
  actors: {
    prepare: fromPromise<void, { agentId: string; resource: unknown }>(({ input }) =>
      effectsOf(input).prepare(),
    ),
    flushLog: fromPromise<void, { agentId: string; resource: unknown }>(({ input }) =>
      effectsOf(input).flushLog(),
    ),
  },
  actions: {
    abortQueuedAcquires: ({ context }) => effectsOf(context).abortQueuedAcquires(),
    releaseLeases: ({ context }) => effectsOf(context).releaseLeases(),
  },
});

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
  /**
   * This session's events (`session.*`, `txlog.*`). Hot: a subscriber sees what happens after it
   * subscribes (so not `session.created`, which precedes `create()` resolving; the manager's `events$`
   * has it). Completes when the session is closed or failed.
   */
  readonly events$: Observable<SessionEvent>;

  readonly #pool: SessionPool;
  readonly #internals: ManagerInternals;
  readonly #unhookShutdown: (() => void) | undefined;
  readonly #options: ResolvedSessionOptions;
  readonly #bus = new EventBus<SessionEvent>();
  readonly #log: TransactionLog;
  readonly #sink: TxLogSink | null;
  readonly #gate: LeaseGate;
  readonly #held = new Set<AgentSessionLease>();
  /** Aborts the agent's acquires that are in the pool's queue when the session closes. */
  readonly #closeController = new AbortController();
  readonly #actor: Actor<typeof agentSessionLogic>;
  readonly #logger: Logger | undefined;
  /**
   * The agent's own SurrealDB sessions (its namespace set once), one per lease out at once; undefined
   * when the pool has none to give.
   */
  readonly #sessions: OwnSessions | undefined;
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
    const { agentId, manager, namespace, database, options: o, namesChecked } = createArguments(args);
    const db = database ?? manager.config?.database;
    if (!namesChecked) checkSessionNames(agentId, namespace, db);
    const resolved = resolveSessionOptions(manager, o, false);
    return AgentSession.#open({
      agentId: agentId as string,
      pool: manager,
      place: { namespace: namespace as string, database: db as string },
      options: resolved,
      restored: [],
      inspect: o.inspect ?? (manager.config.inspect as AgentSessionOptions["inspect"]),
      logger: o.logger ?? manager.config.logger,
    });
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
    assertManager("AgentSession.restore(agentId, manager)", manager);
    const options = optionsObject<AgentSessionRestoreOptions>(
      "AgentSession.restore(agentId, manager, options)",
      restoreOptions,
    );
    checkSessionNames(agentId, options.namespace, options.database, true);
    const resolved = resolveSessionOptions(manager, { ...options, sink: options.sink || true }, true);
    const sink = resolved.sink as ResolvedSinkOptions;
    // Checked again when the session claims the id; checked first so a busy agent is not read half-written.
    assertAgentIdFree(manager, agentId);
    const stored = await loadDurableLog(manager, sink, agentId);
    const namespace = options.namespace ?? stored.place?.namespace;
    if (namespace === undefined) {
      throw new TransactionLogError(
        "unknownAgent",
        agentId,
        undefined,
        `agent "${agentId}" has no stored log in ${sink.namespace}/${sink.database}.${sink.table}: start one with ` +
          `AgentSession.create({ id: "${agentId}", manager, namespace, sink: true }), or pass { namespace } to restore.`,
      );
    }
    const database = options.database ?? stored.place?.database ?? manager.config.database;
    return AgentSession.#open({
      agentId,
      pool: manager,
      place: { namespace, database },
      options: resolved,
      restored: stored.events,
      inspect: options.inspect ?? (manager.config.inspect as AgentSessionOptions["inspect"]),
      logger: options.logger ?? manager.config.logger,
    });
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
    // Each of the agent's acquires waiting in the pool's queue listens on it: up to its cap, not a leak.
    setMaxListeners(0, this.#closeController.signal);
    const { agentId, pool, place, options } = setup;
    this.agentId = agentId;
    this.namespace = place.namespace;
    this.database = place.database;
    this.events$ = this.#bus.events$;
    this.#pool = pool;
    this.#internals = internalsOf(pool);
    this.#options = options;
    this.#logger = setup.logger?.child({ component: "agent-session", agentId });
    this.#log = new TransactionLog({ agentId, events: setup.restored, now: options.now });
    this.#gate = new LeaseGate(options.maxConcurrentLeases);
    const openSession = this.#internals.openSession;
    this.#sessions = openSession ? new OwnSessions(() => openSession(place)) : undefined;
    claimAgentId(pool, agentId, this);
    // A manager shutting down closes its open sessions first, so their logs flush while it can.
    this.#unhookShutdown = this.#internals.beforeShutdown?.((timeoutMs) => this.#closeForShutdown(timeoutMs));
    // The log's writes are the library's own work: they still get connections while a shutdown
    // refuses every other acquire, so a session closing inside shutdown() can flush.
    const acquireOwn = this.#internals.acquireOwn;
    const logPool: SessionPool = acquireOwn
      ? { acquire: (o) => acquireOwn(o), events$: pool.events$, config: pool.config }
      : pool;
    this.#sink = options.sink
      ? createDurableSink({
          agentId,
          pool: logPool,
          sink: options.sink,
          place,
          durableSeq: this.#log.lastSeq,
          now: options.now,
          publish: (event) => this.#publish(event),
          logger: this.#logger,
        })
      : null;

    const effects: SessionEffects = {
      // A restored session read its stored log already; a new one must not fork one.
      prepare: async () => {
        if (options.sink && setup.restored.length === 0) await prepareDurableLog(pool, options.sink, agentId);
      },
      flushLog: async () => {
        await this.#sink?.close();
      },
      abortQueuedAcquires: () => {
        const closed = new SessionClosedError(agentId, "acquire a connection", "closing");
        this.#gate.rejectAll(closed);
        this.#closeController.abort(closed);
      },
      releaseLeases: () => {
        // Runs again when a shutdown shortens the wait: only leases not yet released are news.
        const kept = [...this.#held].filter((lease) => !lease.released);
        if (kept.length === 0) return;
        this.#logger?.warn({ leases: kept.length }, "agent kept leases past closeTimeoutMs; releasing them");
        for (const lease of kept) {
          lease
            .forceRelease()
            .catch((err: unknown) => this.#logger?.error({ err }, "forced lease release failed"));
        }
      },
    };
    this.#actor = createActor(agentSessionLogic, {
      id: `agentSession:${agentId}`,
      input: {
        agentId,
        namespace: place.namespace,
        database: place.database,
        closeTimeoutMs: options.closeTimeoutMs,
        restoredEvents: setup.restored.length,
        pendingTransactions: this.#log.pending,
        resource: effects,
      },
      ...(setup.inspect ? { inspect: setup.inspect } : {}),
    });
    this.#actor.on("*", (event: AgentSessionEmitted) =>
      this.#publish({ ...event, ts: options.now() } as SessionEvent),
    );
    this.#actor.subscribe({
      complete: () => {
        this.#releaseAgentIdIfDone();
        this.#bus.complete();
      },
      error: (error) => this.#logger?.error({ err: error }, "agent session machine crashed"),
    });
    this.#actor.start();
  }

  /** The machine's top-level state. */
  get state(): AgentSessionState {
    const value = this.#actor.getSnapshot().value;
    return (typeof value === "string" ? value : Object.keys(value)[0]) as AgentSessionState;
  }

  /** The cap on this session's concurrent acquires (see `AgentSessionOptions.maxConcurrentLeases`). */
  get maxConcurrentLeases(): number {
    return this.#gate.capacity;
  }

  /** Leases the agent holds now. */
  get activeLeases(): number {
    return this.#held.size;
  }

  /** `acquire()` calls waiting in the session's own queue (not yet at the pool). */
  get queuedAcquires(): number {
    return this.#gate.waiting;
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
    const options = optionsObject<SessionAcquireOptions>("session.acquire(options)", acquireOptions);
    const callerSignal = optionalSignal("session.acquire(options).signal", options.signal);
    const timeoutMs =
      optionalDuration("session.acquire(options).timeoutMs", options.timeoutMs, true) ??
      this.#options.acquireTimeoutMs;
    const startedAt = this.#options.now();
    const started = performance.now();
    // The manager is shutting down: refused now, like the pool's own acquires, not after a wait here.
    const poolState = this.#internals.state?.();
    if (poolState === "draining" || poolState === "closed") throw new PoolClosedError(poolState);
    this.#assertActive("acquire a connection");
    await this.#gate.enter({
      signal: callerSignal,
      timeoutMs: Number.isFinite(timeoutMs) && timeoutMs <= MAX_TIMER_MS ? timeoutMs : undefined,
      onAbort: (reason) => new SessionAcquireAbortedError(this.agentId, reason),
      onTimeout: () => new SessionAcquireTimeoutError(this.agentId, timeoutMs, this.#gate.capacity),
    });
    // From here the session holds a gate slot: every path out gives it back exactly once, after the
    // lease's own session (so the agent never has more sessions than slots).
    let lease: PoolLease;
    let own: OwnSession | undefined;
    const { signal, dispose } = anySignal([callerSignal, this.#closeController.signal]);
    try {
      this.#assertActive("acquire a connection");
      // A session of the agent's own for this lease alone, when the pool can give one: the pool's lease
      // is then only the agent's share of the pool (its fair slot), and never switches namespace.
      const taking = this.#sessions?.take();
      own = taking instanceof Promise ? await taking : taking;
      lease = await this.#pool.acquire({
        signal,
        // One budget over both queues; at least 1 ms so the pool still gets a chance at an idle connection.
        timeoutMs: Math.max(1, timeoutMs - (performance.now() - started)),
        ...(own ? {} : { namespace: this.namespace, database: this.database }),
      });
    } catch (error) {
      if (own) await this.#sessions!.give(own, false);
      this.#gate.leave();
      if (this.#closeController.signal.aborted && !callerSignal?.aborted) {
        throw new SessionClosedError(this.agentId, "acquire a connection", this.state, { cause: error });
      }
      throw error;
    } finally {
      dispose();
    }
    const granted = this.#granted(lease.connectionId, lease.endpoint, performance.now() - started);
    if (!this.#isActive()) {
      // Closing began while the pool was finding a connection: hand it straight back.
      await lease.release().catch(() => {});
      if (own) await this.#sessions!.give(own, false);
      this.#gate.leave();
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
    this.#held.add(sessionLease);
    this.#actor.send(granted);
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
      const o = optionsObject<SessionCloseOptions>("session.close(options)", closeOptions);
      options = { timeoutMs: optionalDuration("session.close(options).timeoutMs", o.timeoutMs, true) };
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
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(reason ? { reason } : {}),
      });
    }
    this.#closing ??= (async () => {
      const snapshot = await waitFor(this.#actor, (s) => s.status !== "active");
      // Detached: the agent's namespace/database, variables and auth go with them.
      await this.#sessions?.close();
      if (snapshot.matches("failed"))
        throw snapshot.context.error ?? new Error("agent session failed to close");
      return {
        agentId: this.agentId,
        forcedReleases: snapshot.context.forcedReleases,
        pendingTransactions: snapshot.context.pendingTransactions,
        logEvents: this.#log.lastSeq,
      };
    })();
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

  #granted(connectionId: string, endpoint: string, waitMs: number): AgentSessionMachineEvent {
    return { type: "lease.granted", connectionId, endpoint, waitMs };
  }

  /**
   * The machine takes `lease.granted` exactly while `active` (the event has no guard): reading the state
   * is the same answer as `can()` without computing a whole transition, twice per acquire.
   */
  #isActive(): boolean {
    const snapshot = this.#actor.getSnapshot();
    return snapshot.status === "active" && snapshot.value === "active";
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
    try {
      // First: the pool's lease ends what the borrower left running or open on it (live queries,
      // transactions), then the session is settled.
      await inner.release();
    } catch (error) {
      tainted = true;
      throw error;
    } finally {
      if (own) await this.#sessions!.give(own, tainted);
      this.#held.delete(lease);
      this.#gate.leave();
      this.#actor.send({
        type: "lease.returned",
        connectionId: lease.connectionId,
        endpoint: lease.endpoint,
        heldMs: this.#options.now() - lease.acquiredAt,
        forced,
      });
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
    this.#bus.emit(event);
    this.#internals.publish(event);
  }
}
