import type { AsyncCommand } from "fast-check";
import { expect } from "vitest";
import { foldTransactionLog } from "../../../src/session/foldTransactionLog.js";
import { loadTxLogEvents } from "../../../src/session/SurrealTxLogStore.js";
import { assertInvariants, type TxLogModel, type TxLogReal } from "./model.js";

/** Flushes, reads the persisted events back from SurrealDB: they are the log, and their fold is the history. */
export class ReplayCommand implements AsyncCommand<TxLogModel, TxLogReal> {
  check(): boolean {
    return true;
  }

  async run(model: TxLogModel, real: TxLogReal): Promise<void> {
    await real.session.flush();
    const lease = await real.pool.acquire();
    try {
      const stored = await loadTxLogEvents(lease.db, "txlog", real.session.agentId);
      expect(stored.events).toEqual(real.session.logEvents());
      expect(foldTransactionLog(stored.events)).toEqual(real.session.transactionHistory());
    } finally {
      await lease.release();
    }
    assertInvariants(model, real);
  }

  toString(): string {
    return "replay";
  }
}
