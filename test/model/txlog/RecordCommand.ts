import type { AsyncCommand } from "fast-check";
import { expect } from "vitest";
import type { TransactionOperation } from "../../../src/events/TransactionOperation.js";
import { assertInvariants, type TxLogModel, type TxLogReal } from "./model.js";

/** Records an operation: a new pending entry at the end of the history. */
export class RecordCommand implements AsyncCommand<TxLogModel, TxLogReal> {
  constructor(readonly operation: TransactionOperation) {}

  check(): boolean {
    return true;
  }

  async run(model: TxLogModel, real: TxLogReal): Promise<void> {
    const id = real.session.recordTransaction(this.operation);
    model.statuses.push("pending");
    real.ids.push(id);
    const entry = real.session.transactionHistory().at(-1);
    // The log keeps the JSON form of what it was given (that is what it stores and replays).
    expect(entry).toMatchObject({
      id,
      status: "pending",
      operation: JSON.parse(JSON.stringify(this.operation)),
    });
    assertInvariants(model, real);
  }

  toString(): string {
    return `record(${JSON.stringify(this.operation)})`;
  }
}
