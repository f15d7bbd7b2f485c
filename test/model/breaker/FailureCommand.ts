import type { Command } from "fast-check";
import { assertAgrees, type BreakerModel, type BreakerReal, transition } from "./model.js";

/** A guarded call failed with an error that counts against the endpoint (a dropped connection). */
export class FailureCommand implements Command<BreakerModel, BreakerReal> {
  check(): boolean {
    return true;
  }

  run(m: BreakerModel, r: BreakerReal): void {
    r.breaker.recordFailure(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
    if (m.state === "closed") {
      m.failures++;
      if (m.failures >= m.threshold) transition(m, "open");
    } else if (m.state === "halfOpen") {
      m.failures++;
      transition(m, "open");
    }
    assertAgrees(m, r);
  }

  toString(): string {
    return "failure";
  }
}
