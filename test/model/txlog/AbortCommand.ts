import type { AsyncCommand } from "fast-check";
import { expect } from "vitest";
import { assertInvariants, expectRefused, type TxLogModel, type TxLogReal } from "./model.js";

/** Aborts the `pick`-th recorded transaction: allowed once, and only while pending. */
export class AbortCommand implements AsyncCommand<TxLogModel, TxLogReal> {
  constructor(
    readonly pick: number,
    readonly reason: string | undefined,
  ) {}

  check(model: Readonly<TxLogModel>): boolean {
    return model.statuses.length > 0;
  }

  async run(model: TxLogModel, real: TxLogReal): Promise<void> {
    const index = this.pick % model.statuses.length;
    const id = real.ids[index]!;
    const status = model.statuses[index];
    if (status === "pending") {
      real.session.abortTransaction(id, this.reason);
      model.statuses[index] = "aborted";
      expect(real.session.transaction(id)?.abortReason).toBe(this.reason);
    } else {
      expectRefused(real, status === "committed" ? "alreadyCommitted" : "alreadyAborted", () =>
        real.session.abortTransaction(id, this.reason),
      );
    }
    assertInvariants(model, real);
  }

  toString(): string {
    return `abort(#${this.pick}, ${JSON.stringify(this.reason)})`;
  }
}
