import type { Command } from "fast-check";
import { assertAgrees, type BreakerModel, type BreakerReal, transition } from "./model.js";

/** An operator holds the breaker open by hand. */
export class IsolateCommand implements Command<BreakerModel, BreakerReal> {
  check(): boolean {
    return true;
  }

  run(m: BreakerModel, r: BreakerReal): void {
    r.breaker.isolate();
    m.isolated = true;
    // Already open (or isolated): no new transition, and `since` keeps the time the breaker opened.
    if (m.state !== "open") transition(m, "open");
    assertAgrees(m, r);
  }

  toString(): string {
    return "isolate";
  }
}
