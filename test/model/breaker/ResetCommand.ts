import type { Command } from "fast-check";
import { assertAgrees, type BreakerModel, type BreakerReal, transition } from "./model.js";

/** An operator closes the breaker by hand. */
export class ResetCommand implements Command<BreakerModel, BreakerReal> {
  check(): boolean {
    return true;
  }

  run(m: BreakerModel, r: BreakerReal): void {
    r.breaker.reset();
    m.failures = 0;
    m.isolated = false;
    if (m.state !== "closed") transition(m, "closed");
    assertAgrees(m, r);
  }

  toString(): string {
    return "reset";
  }
}
