import { isRetryableConflict, RecordId, type RetryOptions, type SurrealSession } from "surrealdb";
import type { TxLogEvent } from "../events/SessionEvent.js";
import type { TransactionOperation } from "../events/TransactionOperation.js";
import { SessionConflictError } from "./errors/SessionConflictError.js";
import { TransactionLogError } from "./errors/TransactionLogError.js";
import { deepFreeze } from "./normalizeOperation.js";

/**
 * The transaction log's table in SurrealDB, and the three things done with it: define it, append to
 * it, read one agent's log back. The table is append-only inside the database itself (FACTS.md): an
 * event refuses every UPDATE and DELETE, so not even a root user's stray query can rewrite the trail.
 *
 * One row per log event, id `table:[agentId, seq]`, so a row's place is fixed by the log and a second
 * writer of the same entry collides instead of interleaving.
 */

/** Where the agent works; stored with each row so `restore(agentId)` finds the namespace again. */
export interface SessionPlace {
  namespace: string;
  database: string;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws unless `table` is a plain SurrealQL identifier (it is spliced into DEFINE statements). */
export function assertTableName(table: string): void {
  if (!identifier.test(table)) {
    throw new TypeError(
      `txlog table name ${JSON.stringify(table)} is not a plain identifier (letters, digits, _)`,
    );
  }
}

/**
 * One agent's rows, read by record-id range: a row's id is `[agentId, seq]`, so the id itself keeps
 * (agentId, seq) unique and ordered. No index is defined: the embedded engine (SurrealDB 3.0.2) keeps a
 * process alive after close once any index exists in it (measured: the process never exits).
 */
function agentRange(table: string): string {
  return `${table}:[$agentId, 0]..=[$agentId, ${Number.MAX_SAFE_INTEGER}]`;
}

/** The statements that define the table; idempotent. */
export function txLogSchema(table: string): string {
  assertTableName(table);
  const t = table;
  return [
    `DEFINE TABLE IF NOT EXISTS ${t} SCHEMAFULL;`,
    `DEFINE FIELD IF NOT EXISTS agentId ON ${t} TYPE string;`,
    `DEFINE FIELD IF NOT EXISTS seq ON ${t} TYPE int;`,
    `DEFINE FIELD IF NOT EXISTS type ON ${t} TYPE string ASSERT $value IN ['txlog.recorded', 'txlog.committed', 'txlog.aborted'];`,
    `DEFINE FIELD IF NOT EXISTS txId ON ${t} TYPE string;`,
    `DEFINE FIELD IF NOT EXISTS ts ON ${t} TYPE number;`,
    `DEFINE FIELD IF NOT EXISTS at ON ${t} TYPE datetime;`,
    `DEFINE FIELD IF NOT EXISTS namespace ON ${t} TYPE string;`,
    `DEFINE FIELD IF NOT EXISTS database ON ${t} TYPE string;`,
    // Queryable copies for auditors (custom data only in payload); `payload` is what replay reads: exact JSON.
    `DEFINE FIELD IF NOT EXISTS operation ON ${t} TYPE option<object> FLEXIBLE;`,
    `DEFINE FIELD IF NOT EXISTS reason ON ${t} TYPE option<string>;`,
    `DEFINE FIELD IF NOT EXISTS payload ON ${t} TYPE string;`,
    `DEFINE EVENT IF NOT EXISTS no_change ON ${t} WHEN $event != 'CREATE' THEN { THROW 'append-only' };`,
  ].join("\n");
}

/**
 * Statements here are safe to re-send (DEFINE ... IF NOT EXISTS, INSERT IGNORE, reads), so they retry
 * transaction conflicts, which many sessions starting or flushing at once do cause (the first writes
 * into a namespace or table define it implicitly, and those catalog writes conflict). The SDK spots a
 * conflict by a structured detail that only SurrealDB >= 3.1 sends; the embedded 3.0 engine says it in
 * words, so match those too (the SDK documents this fallback).
 */
const conflictRetry: Partial<RetryOptions> = {
  attempts: 20,
  retryDelay: 2,
  retryDelayMax: 100,
  retryable: (error) =>
    isRetryableConflict(error) ||
    /transaction conflict|read or write conflict|can be retried/i.test(
      (error as Error | null)?.message ?? "",
    ),
};

export async function defineTxLogTable(db: SurrealSession, table: string): Promise<void> {
  await db.query(txLogSchema(table)).retry(conflictRetry);
}

function rowOf(table: string, event: TxLogEvent, place: SessionPlace): Record<string, unknown> {
  return {
    id: new RecordId(table, [event.agentId, event.seq]),
    agentId: event.agentId,
    seq: event.seq,
    type: event.type,
    txId: event.txId,
    ts: event.ts,
    at: new Date(event.ts),
    namespace: place.namespace,
    database: place.database,
    ...(event.type === "txlog.recorded" ? { operation: operationColumn(event.operation) } : {}),
    ...(event.type === "txlog.aborted" && event.reason !== undefined ? { reason: event.reason } : {}),
    payload: JSON.stringify(event),
  };
}

/**
 * The queryable copy of an operation: its kind and its string fields, without `custom.data`. Why: the
 * data is the agent's arbitrary JSON, and the SDK cannot send some JSON numbers (integers beyond 2^53,
 * e.g. 1e300, fail CBOR encoding); one such value in a column would make its row unwritable and wedge
 * the log behind it. The full operation is in `payload`, which is a string.
 */
function operationColumn(operation: TransactionOperation): Record<string, string> {
  if (operation.type !== "custom") return { ...operation };
  return { type: operation.type, kind: operation.kind };
}

/**
 * Appends events (all of one agent). Safe to retry after a lost answer: rows already there with the
 * same payload count as written; a row already there with another payload is a second writer, refused
 * with `SessionConflictError`.
 */
export async function appendTxLogEvents(
  db: SurrealSession,
  table: string,
  events: readonly TxLogEvent[],
  place: SessionPlace,
): Promise<void> {
  if (events.length === 0) return;
  assertTableName(table);
  const rows = events.map((e) => rowOf(table, e, place));
  // INSERT IGNORE creates the new rows and skips existing ids: an insert that is a CREATE for the
  // append-only event, never an UPDATE.
  const [created] = await db
    .query<[{ seq: number }[]]>(`INSERT IGNORE INTO ${table} $rows RETURN seq`, { rows })
    .retry(conflictRetry);
  if (created.length === events.length) return;
  const written = new Set(created.map((r) => r.seq));
  const skipped = events.filter((e) => !written.has(e.seq));
  const agentId = events[0]!.agentId;
  const [existing] = await db
    .query<[{ seq: number; payload: string }[]]>(
      `SELECT seq, payload FROM ${agentRange(table)} WHERE seq IN $seqs`,
      { agentId, seqs: skipped.map((e) => e.seq) },
    )
    .retry(conflictRetry);
  const stored = new Map(existing.map((r) => [r.seq, r.payload]));
  for (const event of skipped) {
    if (stored.get(event.seq) !== JSON.stringify(event)) {
      throw new SessionConflictError(
        agentId,
        `agent "${agentId}": log entry seq ${event.seq} already exists in table ${table} with other content: ` +
          "another session (maybe in another process) writes this agent's log. Keep one session per agent id; " +
          "continue a persisted log with AgentSession.restore().",
      );
    }
  }
}

/** Rows of one agent's log, as stored. */
export interface StoredTxLog {
  events: TxLogEvent[];
  /** Where the agent worked when it last wrote, or undefined for an empty log. */
  place: SessionPlace | undefined;
}

/** Reads one agent's log back, in `seq` order, as the exact events that were written (frozen). */
export async function loadTxLogEvents(
  db: SurrealSession,
  table: string,
  agentId: string,
): Promise<StoredTxLog> {
  assertTableName(table);
  const [rows] = await db
    .query<[{ seq: number; namespace: string; database: string; payload: string }[]]>(
      `SELECT seq, namespace, database, payload FROM ${agentRange(table)} ORDER BY seq`,
      { agentId },
    )
    .retry(conflictRetry);
  const events = rows.map((row) => {
    let event: TxLogEvent;
    try {
      event = JSON.parse(row.payload) as TxLogEvent;
    } catch (cause) {
      throw new TransactionLogError(
        "corruptLog",
        agentId,
        undefined,
        `agent "${agentId}": stored log row seq ${row.seq} in ${table} has an unreadable payload; nothing was restored.`,
        { cause },
      );
    }
    if (event.seq !== row.seq || event.agentId !== agentId) {
      throw new TransactionLogError(
        "corruptLog",
        agentId,
        event.txId,
        `agent "${agentId}": stored log row seq ${row.seq} in ${table} carries another event (seq ${event.seq}, ` +
          `agent ${JSON.stringify(event.agentId)}); nothing was restored.`,
      );
    }
    return deepFreeze(event);
  });
  const last = rows.at(-1);
  return { events, place: last ? { namespace: last.namespace, database: last.database } : undefined };
}

/** Number of events stored for one agent (0 when the table is empty or has none of its rows). */
export async function countTxLogEvents(db: SurrealSession, table: string, agentId: string): Promise<number> {
  assertTableName(table);
  const [rows] = await db
    .query<[{ n: number }[]]>(`SELECT count() AS n FROM ${agentRange(table)} GROUP ALL`, {
      agentId,
    })
    .retry(conflictRetry);
  return rows[0]?.n ?? 0;
}
