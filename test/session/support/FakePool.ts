// A stand-in for ConnectionManager, just enough of its contract (SessionPool) for agent-session tests
// until the real pool lands: one embedded engine, up to maxConnections SurrealDB sessions of it, a FIFO
// wait queue with timeout and AbortSignal, leases switched to the namespace asked for and reset on return.
// It also counts what the tests assert on (peak leases, acquisitions per namespace).
import { createNodeEngines } from "@surrealdb/node";
import { Subject } from "rxjs";
import { Surreal, type SurrealSession } from "surrealdb";
import { SurrealPoolError } from "../../../src/errors/SurrealPoolError.js";
import type { PoolEvent } from "../../../src/events/PoolEvent.js";
import { registerInternals } from "../../../src/session/managerInternals.js";
import type { PoolAcquireOptions, PoolLease, SessionPool } from "../../../src/session/SessionPool.js";
import { switchTo } from "../../../src/surreal/switchTo.js";

interface Waiter {
  resolve(db: SurrealSession): void;
  reject(error: unknown): void;
}

export interface FakePoolOptions {
  maxConnections: number;
  namespace?: string;
  database?: string;
  connectionTimeoutMs?: number;
}

export class FakePool implements SessionPool {
  readonly #subject = new Subject<PoolEvent>();
  readonly events$ = this.#subject.asObservable();
  readonly config: SessionPool["config"];
  readonly engine: Surreal;
  readonly #idle: SurrealSession[] = [];
  readonly #waiters: Waiter[] = [];
  #open = 0;
  #nextId = 1;
  inUse = 0;
  peakInUse = 0;
  acquisitions = 0;
  /** When set, acquire() rejects with it (a pool that is down). */
  failWith: Error | null = null;

  static async create(options: FakePoolOptions): Promise<FakePool> {
    const engine = new Surreal({ engines: createNodeEngines() });
    await engine.connect("mem://");
    return new FakePool(engine, options);
  }

  private constructor(engine: Surreal, options: FakePoolOptions) {
    this.engine = engine;
    this.config = {
      namespace: options.namespace ?? "pool_ns",
      database: options.database ?? "pool_db",
      pool: {
        maxConnections: options.maxConnections,
        connectionTimeoutMs: options.connectionTimeoutMs ?? 5_000,
      },
    };
    registerInternals(this, { publish: (event) => this.#subject.next(event) });
  }

  async acquire(options: PoolAcquireOptions = {}): Promise<PoolLease> {
    if (this.failWith) throw this.failWith;
    const db = await this.#take(options);
    try {
      // As the pool does: concurrent first switches to a new namespace conflict, and are tried again.
      await switchTo(db, {
        namespace: options.namespace ?? this.config.namespace,
        database: options.database ?? this.config.database,
      });
    } catch (error) {
      this.#give(db);
      throw error;
    }
    this.acquisitions++;
    this.inUse++;
    this.peakInUse = Math.max(this.peakInUse, this.inUse);
    let released: Promise<void> | undefined;
    const release = () => {
      released ??= (async () => {
        this.inUse--;
        await db.reset();
        this.#give(db);
      })();
      return released;
    };
    return {
      db,
      connectionId: `c${this.#nextId++}`,
      endpoint: "mem://",
      release,
      [Symbol.asyncDispose]: release,
    };
  }

  async close(): Promise<void> {
    this.#subject.complete();
    // The embedded engine's close can keep the process busy after some statements (FACTS: bound it).
    await Promise.race([this.engine.close(), new Promise((r) => setTimeout(r, 2_000))]);
  }

  async #take(options: PoolAcquireOptions): Promise<SurrealSession> {
    if (options.signal?.aborted)
      throw new SurrealPoolError("ACQUIRE_ABORTED", "aborted", { cause: options.signal.reason });
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#open < this.config.pool.maxConnections) {
      this.#open++;
      return this.engine.newSession();
    }
    return new Promise<SurrealSession>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.config.pool.connectionTimeoutMs ?? 5_000;
      const done = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
      };
      const waiter: Waiter = {
        resolve: (db) => {
          done();
          resolve(db);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      const onAbort = () =>
        waiter.reject(
          new SurrealPoolError("ACQUIRE_ABORTED", "acquire aborted", { cause: options.signal?.reason }),
        );
      const timer = setTimeout(
        () => waiter.reject(new SurrealPoolError("ACQUIRE_TIMEOUT", `no connection within ${timeoutMs} ms`)),
        timeoutMs,
      );
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #give(db: SurrealSession): void {
    const next = this.#waiters[0];
    if (next) next.resolve(db);
    else this.#idle.push(db);
  }
}
