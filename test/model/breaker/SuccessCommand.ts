import type { Command } from "fast-check";
import { assertAgrees, type BreakerModel, type BreakerReal, transition } from "./model.js";

/** A guarded call succeeded. */
export class SuccessCommand implements Command<BreakerModel, BreakerReal> {
  check(): boolean {
    return true;
  }

  run(m: BreakerModel, r: BreakerReal): void {
    r.breaker.recordSuccess();
    if (m.state === "closed") m.failures = 0;
    else if (m.state === "halfOpen") {
      m.failures = 0;
      transition(m, "closed");
    }
    assertAgrees(m, r);
  }

  toString(): string {
    return "success";
  }
}
