import type { Connector, PooledDb, RawConnection } from "../../src/surreal/Connector.js";
import { resetSession } from "../../src/surreal/resetSession.js";
import type { SessionBaseline } from "../../src/surreal/sessionDrift.js";

/**
 * A fake `Connector` for pool tests. The database is not the subject of those tests, so every pooled
 * unit is an in-memory stand-in that records what the pool did to it. Behaviour is switchable at any
 * time (open latency, failures, hangs, ping/reset/close failures, broken transports), and every effect
 * can be routed through `gate` so a `fc.scheduler()` decides when it completes.
 */

/** What one effect does: succeed, fail, or never settle (FACTS: a dead ws:// connect never settles). */
export type FakeOutcome = "ok" | "fail" | "hang";

export type FakeEffect = "open" | "ping" | "reset" | "close";

export interface FakeConnectorOptions {
  endpoint?: string;
  namespace?: string;
  database?: string;
  /** Delay of a successful or failing open, in ms (0: settles in a microtask). */
  openLatencyMs?: number;
  pingLatencyMs?: number;
  resetLatencyMs?: number;
  closeLatencyMs?: number;
  /** Awaited before every effect settles; a scheduler test hands in `s.schedule(...)` here. */
  gate?: (effect: FakeEffect, connectionId: number) => Promise<unknown>;
}

/** One recorded call on a fake session. */
export interface FakeCall {
  method: string;
  args: unknown[];
}

/** The fake `db` a lease hands out: the SDK session fields the pool reads, and calls it records. */
export class FakeDb {
  namespace: string | undefined;
  database: string | undefined;
  accessToken: string | undefined;
  readonly parameters: Record<string, unknown> = {};
  isValid = true;
  readonly calls: FakeCall[] = [];
  /** When set, `query()` rejects with it. */
  queryError: Error | undefined;

  constructor(namespace: string, database: string) {
    this.namespace = namespace;
    this.database = database;
  }

  async use(what?: { namespace?: string | null; database?: string | null }) {
    this.calls.push({ method: "use", args: [what] });
    if (what?.namespace !== undefined && what.namespace !== null) this.namespace = what.namespace;
    if (what?.database !== undefined && what.database !== null) this.database = what.database;
    return { namespace: this.namespace, database: this.database };
  }

  async set(name: string, value: unknown): Promise<void> {
    this.calls.push({ method: "set", args: [name, value] });
    this.parameters[name] = value;
  }

  async unset(name: string): Promise<void> {
    this.calls.push({ method: "unset", args: [name] });
    delete this.parameters[name];
  }

  async reset(): Promise<void> {
    this.calls.push({ method: "reset", args: [] });
    for (const name of Object.keys(this.parameters)) delete this.parameters[name];
    this.namespace = undefined;
    this.database = undefined;
    this.accessToken = undefined;
  }

  async query(text: string, vars?: Record<string, unknown>): Promise<unknown[]> {
    this.calls.push({ method: "query", args: [text, vars] });
    if (this.queryError) throw this.queryError;
    return [null];
  }

  async closeSession(): Promise<void> {
    this.calls.push({ method: "closeSession", args: [] });
    this.isValid = false;
  }

  /** Calls of one method, in order. */
  callsOf(method: string): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }
}

export class FakeConnection implements RawConnection {
  readonly id: number;
  readonly fake: FakeDb;
  baseline: SessionBaseline;
  pings = 0;
  readonly resets: string[][] = [];
  closes = 0;
  #brokenListener: ((error: Error) => void) | undefined;
  #brokenFired = false;
  readonly #connector: FakeConnector;

  constructor(id: number, connector: FakeConnector, namespace: string, database: string) {
    this.id = id;
    this.#connector = connector;
    this.fake = new FakeDb(namespace, database);
    this.baseline = { namespace, database, accessToken: undefined };
  }

  get db(): PooledDb {
    return this.fake as unknown as PooledDb;
  }

  get closed(): boolean {
    return this.closes > 0;
  }

  async ping(): Promise<void> {
    this.pings++;
    await this.#connector.effect(
      "ping",
      this.id,
      this.#connector.outcome.ping,
      this.#connector.pingLatencyMs,
    );
  }

  async reset(undo: readonly string[]): Promise<void> {
    this.resets.push([...undo]);
    await this.#connector.effect(
      "reset",
      this.id,
      this.#connector.outcome.reset,
      this.#connector.resetLatencyMs,
    );
    this.baseline = await resetSession(this.db, undo, this.baseline, undefined);
  }

  async close(): Promise<void> {
    this.closes++;
    this.#connector.closedIds.push(this.id);
    await this.#connector.effect(
      "close",
      this.id,
      this.#connector.outcome.close,
      this.#connector.closeLatencyMs,
    );
    this.fake.isValid = false;
  }

  onBroken(listener: (error: Error) => void): void {
    this.#brokenListener = listener;
  }

  /** The transport reports the unit dead (at most once, like a socket's close event). */
  breakTransport(error = new Error(`fake socket ${this.id} closed`)): void {
    if (this.#brokenFired || !this.#connector.brokenNotifications) return;
    this.#brokenFired = true;
    this.#brokenListener?.(error);
  }
}

export class FakeConnector implements Connector {
  readonly endpoint: string;
  readonly namespace: string;
  readonly database: string;

  // --- behaviour, switchable at any time ------------------------------------------------------------
  /** What each effect does from now on. */
  readonly outcome: Record<FakeEffect, FakeOutcome> = { open: "ok", ping: "ok", reset: "ok", close: "ok" };
  /** Opens left to fail before `open` applies again (counts down on each open). */
  failNextOpens = 0;
  /** Whether `breakTransport()` reaches the pool (false: the transport dies silently). */
  brokenNotifications = true;
  /** The error a failing open rejects with. */
  openError: () => Error = () => new Error("fake connect refused (ECONNREFUSED)");
  openLatencyMs: number;
  pingLatencyMs: number;
  resetLatencyMs: number;
  closeLatencyMs: number;

  // --- what happened --------------------------------------------------------------------------------
  /** Every open() call (performance.now() when called). */
  readonly openCalls: number[] = [];
  /** Every unit opened successfully, in order. */
  readonly connections: FakeConnection[] = [];
  /** Ids of units whose close() was called, in order. */
  readonly closedIds: number[] = [];
  /** Opens whose promise is still pending (hung or slow). */
  inFlightOpens = 0;
  disposed = 0;

  readonly #gate: FakeConnectorOptions["gate"];
  #seq = 0;

  constructor(options: FakeConnectorOptions = {}) {
    this.endpoint = options.endpoint ?? "fake://db";
    this.namespace = options.namespace ?? "test_ns";
    this.database = options.database ?? "test_db";
    this.openLatencyMs = options.openLatencyMs ?? 0;
    this.pingLatencyMs = options.pingLatencyMs ?? 0;
    this.resetLatencyMs = options.resetLatencyMs ?? 0;
    this.closeLatencyMs = options.closeLatencyMs ?? 0;
    this.#gate = options.gate;
  }

  get opens(): number {
    return this.openCalls.length;
  }

  async open(signal: AbortSignal): Promise<RawConnection> {
    this.openCalls.push(performance.now());
    const id = ++this.#seq;
    let outcome = this.outcome.open;
    if (this.failNextOpens > 0) {
      this.failNextOpens--;
      outcome = "fail";
    }
    this.inFlightOpens++;
    try {
      await this.effect("open", id, outcome, this.openLatencyMs);
    } finally {
      this.inFlightOpens--;
    }
    const connection = new FakeConnection(id, this, this.namespace, this.database);
    if (signal.aborted) {
      // Honour the contract: close what was opened once aborted.
      void connection.close();
      throw signal.reason;
    }
    this.connections.push(connection);
    return connection;
  }

  async dispose(): Promise<void> {
    this.disposed++;
  }

  /** Units opened and not closed. */
  live(): FakeConnection[] {
    return this.connections.filter((c) => !c.closed);
  }

  /** The unit behind a lease's `db`. */
  byDb(db: unknown): FakeConnection | undefined {
    return this.connections.find((c) => c.fake === db);
  }

  /** Runs one effect with the configured outcome and latency, through the gate when there is one. */
  async effect(kind: FakeEffect, id: number, outcome: FakeOutcome, latencyMs: number): Promise<void> {
    if (outcome === "hang") return new Promise<void>(() => {});
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (this.#gate) await this.#gate(kind, id);
    if (outcome === "fail") {
      throw kind === "open" ? this.openError() : new Error(`fake ${kind} of unit ${id} failed`);
    }
  }
}
