// The model and the real system of the transaction-log model test, and the invariants checked after
// every command. The model is deliberately tiny: one status per recorded transaction, by index.
import { expect } from "vitest";
import type { AgentSession } from "../../../src/session/AgentSession.js";
import { foldTransactionLog } from "../../../src/session/foldTransactionLog.js";
import type { TransactionEntry, TransactionStatus } from "../../../src/session/TransactionEntry.js";
import type { FakePool } from "../../session/support/FakePool.js";

export interface TxLogModel {
  statuses: TransactionStatus[];
}

export interface TxLogReal {
  pool: FakePool;
  session: AgentSession;
  /** Ids in recording order (the model addresses transactions by index). */
  ids: string[];
  /** The history at the previous check, to prove the history only grows. */
  seen: TransactionEntry[];
}

/** What must hold after every command. */
export function assertInvariants(model: TxLogModel, real: TxLogReal): void {
  const history = real.session.transactionHistory();
  const events = real.session.logEvents();

  // The log agrees with the model.
  expect(history.map((e) => e.status)).toEqual(model.statuses);
  expect(history.map((e) => e.id)).toEqual(real.ids);

  // History only grows: earlier entries keep their place, id, operation and time; a status only ever
  // leaves "pending", once.
  for (const [i, before] of real.seen.entries()) {
    const now = history[i]!;
    expect(now.id).toBe(before.id);
    expect(now.operation).toEqual(before.operation);
    expect(now.recordedAt).toBe(before.recordedAt);
    if (before.status !== "pending") expect(now).toEqual(before);
  }

  // The history is the fold of the events.
  expect(foldTransactionLog(events)).toEqual(history);

  // The log is gap-free, and each entry settles at most once.
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  const settles = new Map<string, number>();
  for (const e of events)
    if (e.type !== "txlog.recorded") settles.set(e.txId, (settles.get(e.txId) ?? 0) + 1);
  for (const count of settles.values()) expect(count).toBe(1);

  real.seen = history;
}

/** Runs `fn`, which must throw a TransactionLogError with `reason`, and proves the log did not change. */
export function expectRefused(real: TxLogReal, reason: string, fn: () => void): void {
  const before = real.session.logEvents();
  expect(fn).toThrow(expect.objectContaining({ code: "TRANSACTION_LOG", reason }));
  expect(real.session.logEvents()).toEqual(before);
}
