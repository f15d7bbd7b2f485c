import type { Logger } from "../config/Logger.js";
import type { SessionEvent } from "../events/SessionEvent.js";
import { SessionConflictError } from "./errors/SessionConflictError.js";
import type { ManagerInternals } from "./managerInternals.js";
import type { ResolvedSinkOptions } from "./resolveSessionOptions.js";
import type { SessionPool } from "./SessionPool.js";
import {
  appendTxLogEvents,
  countTxLogEvents,
  defineTxLogTable,
  loadTxLogEvents,
  type SessionPlace,
  type StoredTxLog,
} from "./SurrealTxLogStore.js";
import { TxLogSink } from "./TxLogSink.js";
import { withLease } from "./withLease.js";

/**
 * How an agent session reaches its durable log through the pool: every database step takes a lease in
 * the log's namespace/database (not the agent's), so the log table is shared by all agents and found
 * again by agent id alone.
 */

/** Makes sure the table exists and that a new session would not fork a log already stored. */
export async function prepareDurableLog(
  pool: SessionPool,
  sink: ResolvedSinkOptions,
  agentId: string,
): Promise<void> {
  const stored = await withLease(pool, sink, async (db) => {
    await defineTxLogTable(db, sink.table);
    return countTxLogEvents(db, sink.table, agentId);
  });
  if (stored > 0) {
    throw new SessionConflictError(
      agentId,
      `agent "${agentId}" already has ${stored} log events stored in ${sink.namespace}/${sink.database}.` +
        `${sink.table}; a new session would fork that log. Continue it with AgentSession.restore("${agentId}", manager).`,
    );
  }
}

/** Reads an agent's stored log (defining the table first: reading a missing table is an error). */
export function loadDurableLog(
  pool: SessionPool,
  sink: ResolvedSinkOptions,
  agentId: string,
): Promise<StoredTxLog> {
  return withLease(pool, sink, async (db) => {
    await defineTxLogTable(db, sink.table);
    return loadTxLogEvents(db, sink.table, agentId);
  });
}

export interface DurableSinkSetup {
  agentId: string;
  pool: SessionPool;
  /**
   * The manager's acquire for the library's own work: the log's writes still get connections while a
   * shutdown refuses every other acquire, so a session closing inside shutdown() can flush.
   */
  acquireOwn?: ManagerInternals["acquireOwn"];
  sink: ResolvedSinkOptions;
  /** Where the agent works, stored with each row. */
  place: SessionPlace;
  /** `seq` already durable (the restored log's last). */
  durableSeq: number;
  now(): number;
  publish(event: SessionEvent): void;
  logger: Logger | undefined;
}

/** The batching sink, writing through the pool and reporting its progress as session events. */
export function createDurableSink(setup: DurableSinkSetup): TxLogSink {
  const { agentId, sink, place, now, publish, logger, acquireOwn } = setup;
  const pool: SessionPool = acquireOwn
    ? { acquire: (o) => acquireOwn(o), events$: setup.pool.events$, config: setup.pool.config }
    : setup.pool;
  return new TxLogSink(
    {
      agentId,
      flushIntervalMs: sink.flushIntervalMs,
      maxBatchSize: sink.maxBatchSize,
      maxBufferedEvents: sink.maxBufferedEvents,
      write: (events) => withLease(pool, sink, (db) => appendTxLogEvents(db, sink.table, events, place)),
      onFlushed: (info) => publish({ type: "session.logFlushed", ts: now(), agentId, ...info }),
      onFlushFailed: (info) => {
        logger?.warn(
          { err: info.error, events: info.events },
          "writing the transaction log failed; will retry",
        );
        publish({ type: "session.logFlushFailed", ts: now(), agentId, ...info });
      },
    },
    setup.durableSeq,
  );
}
