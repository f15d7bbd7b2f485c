import type { AsyncCommand } from "fast-check";
import { expect } from "vitest";
import { assertInvariants, expectRefused, type TxLogModel, type TxLogReal } from "./model.js";

/** Commits the `pick`-th recorded transaction: allowed once, and only while pending. */
export class CommitCommand implements AsyncCommand<TxLogModel, TxLogReal> {
  constructor(readonly pick: number) {}

  check(model: Readonly<TxLogModel>): boolean {
    return model.statuses.length > 0;
  }

  async run(model: TxLogModel, real: TxLogReal): Promise<void> {
    const index = this.pick % model.statuses.length;
    const id = real.ids[index]!;
    const status = model.statuses[index];
    if (status === "pending") {
      real.session.commitTransaction(id);
      model.statuses[index] = "committed";
      expect(real.session.transaction(id)?.committedAt).toEqual(expect.any(Number));
    } else {
      expectRefused(real, status === "committed" ? "alreadyCommitted" : "alreadyAborted", () =>
        real.session.commitTransaction(id),
      );
    }
    assertInvariants(model, real);
  }

  toString(): string {
    return `commit(#${this.pick})`;
  }
}
