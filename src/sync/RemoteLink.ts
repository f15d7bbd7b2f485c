import type { SurrealSession } from "surrealdb";
import type { CredentialsOption } from "../config/options.js";
import { classifyError } from "../errors/classifyError.js";
import { isSurrealPoolError } from "../errors/SurrealPoolError.js";
import type { RawConnection } from "../surreal/Connector.js";
import { WebSocketConnector } from "../surreal/WebSocketConnector.js";
import { bounded } from "./bounded.js";
import type { Batch } from "./coalesce.js";
import { deadlineSignal } from "./deadlineSignal.js";
import { SyncError } from "./SyncError.js";

export interface RemoteLinkOptions {
  remote: string;
  namespace: string;
  database: string;
  credentials?: CredentialsOption;
  /** Deadline of opening the connection (TCP, WebSocket, sign-in, use). */
  connectTimeoutMs: number;
  /** Deadline of one request (a batch, a ping, a snapshot page). */
  requestTimeoutMs: number;
  /** `pool.allowExitOnIdle`: the connection, idle between passes, does not keep the process alive. */
  allowExitOnIdle?: boolean;
}

/**
 * Applies a batch in one transaction: whole records by id (UPSERT .. CONTENT replaces the record, so
 * a field removed locally is removed remotely) and deletions by id. Running it twice changes nothing.
 * A delete in a table the remote does not have is skipped: SurrealDB 3 fails any statement on a
 * missing table, and such a record is not there anyway (a batch holds each id once, so no upsert in
 * the same batch can have created it).
 */
const APPLY = `BEGIN TRANSACTION;
LET $tables = (INFO FOR DB).tables;
FOR $r IN $upserts { UPSERT $r.id CONTENT $r; };
FOR $d IN $deletes { IF $tables[record::tb($d)] != NONE { DELETE $d; }; };
COMMIT TRANSACTION;`;

/**
 * The sync's connection to one remote: one WebSocket client (the pool's `WebSocketConnector`, so the
 * same credentials, TCP pre-probe and bounded connect), opened on demand and kept between passes.
 * Every request has a deadline; after a timeout or a connection-level error the client is dropped
 * (a stuck socket is never reused) and the next pass opens a new one.
 */
export class RemoteLink {
  readonly remote: string;
  readonly #options: RemoteLinkOptions;
  readonly #connector: WebSocketConnector;
  #raw: RawConnection | undefined;
  #broken = false;

  constructor(options: RemoteLinkOptions) {
    this.remote = options.remote;
    this.#options = options;
    this.#connector = new WebSocketConnector({
      endpoint: options.remote,
      namespace: options.namespace,
      database: options.database,
      credentials: options.credentials,
      allowExitOnIdle: options.allowExitOnIdle === true,
    });
  }

  /** Applies one batch on the remote in one transaction. */
  apply(batch: Batch, signal: AbortSignal): Promise<void> {
    return this.run("apply", "applying a batch", signal, async (db) => {
      await db.query(APPLY, { upserts: batch.upserts, deletes: batch.deletes });
    });
  }

  /** Proves the remote answers (a pass with nothing to ship still checks that the remote is there). */
  ping(signal: AbortSignal): Promise<void> {
    return this.run("apply", "a ping", signal, async (db) => {
      await db.query("RETURN 1");
    });
  }

  /** Runs `fn` on the connection, opening it first if needed; errors become `SyncError`s. */
  async run<T>(
    stage: "apply",
    what: string,
    signal: AbortSignal,
    fn: (db: SurrealSession) => Promise<T>,
  ): Promise<T> {
    const raw = await this.#connect(signal);
    try {
      return await bounded(fn(raw.db), this.#options.requestTimeoutMs, `${what} on ${this.remote}`, signal);
    } catch (error) {
      const { category } = classifyError(error);
      if (category === "connection" || category === "timeout" || category === "aborted" || signal.aborted) {
        this.#drop();
      }
      throw new SyncError(this.remote, stage, `${what} on ${this.remote} failed: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  async #connect(signal: AbortSignal): Promise<RawConnection> {
    if (this.#raw && !this.#broken) return this.#raw;
    this.#drop();
    const timeoutMs = this.#options.connectTimeoutMs;
    const deadline = deadlineSignal(timeoutMs, signal);
    try {
      const raw = await this.#connector.open(deadline.signal);
      if (signal.aborted) {
        void raw.close().catch(() => {});
        throw signal.reason;
      }
      this.#raw = raw;
      this.#broken = false;
      raw.onBroken(() => {
        if (this.#raw === raw) this.#broken = true;
      });
      return raw;
    } catch (error) {
      const why =
        (error as { name?: unknown })?.name === "TimeoutError"
          ? `no connection to ${this.remote} within ${timeoutMs} ms`
          : isSurrealPoolError(error)
            ? error.message // already names the remote and says what went wrong
            : `cannot connect to ${this.remote}: ${describe(error)}`;
      throw new SyncError(
        this.remote,
        "connect",
        `${why}; its changes stay queued in the local store and are retried`,
        { cause: error },
      );
    } finally {
      deadline.clear();
    }
  }

  #drop(): void {
    const raw = this.#raw;
    this.#raw = undefined;
    this.#broken = false;
    // close() of a half-open socket may never settle (FACTS): fire and forget.
    if (raw) void bounded(raw.close(), 1_000, "close").catch(() => {});
  }

  close(): void {
    this.#drop();
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message;
  }
  return String(error);
}
