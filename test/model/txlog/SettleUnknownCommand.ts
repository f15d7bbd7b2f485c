import type { AsyncCommand } from "fast-check";
import { assertInvariants, expectRefused, type TxLogModel, type TxLogReal } from "./model.js";

/** Commits or aborts an id the log never issued: refused, log unchanged. */
export class SettleUnknownCommand implements AsyncCommand<TxLogModel, TxLogReal> {
  constructor(
    readonly verb: "commit" | "abort",
    readonly id: string,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: TxLogModel, real: TxLogReal): Promise<void> {
    if (real.ids.includes(this.id)) return; // not unknown after all (vanishingly unlikely)
    expectRefused(real, "unknownTransaction", () =>
      this.verb === "commit"
        ? real.session.commitTransaction(this.id)
        : real.session.abortTransaction(this.id),
    );
    assertInvariants(model, real);
  }

  toString(): string {
    return `${this.verb}Unknown(${JSON.stringify(this.id)})`;
  }
}
