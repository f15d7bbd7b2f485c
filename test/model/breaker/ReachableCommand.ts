import type { Command } from "fast-check";
import { assertAgrees, type BreakerModel, type BreakerReal, transition } from "./model.js";

/** The endpoint's probe found it listening again: an open breaker (not isolated) lets probes through now. */
export class ReachableCommand implements Command<BreakerModel, BreakerReal> {
  check(): boolean {
    return true;
  }

  run(m: BreakerModel, r: BreakerReal): void {
    r.breaker.reachable();
    if (m.state === "open" && !m.isolated) transition(m, "halfOpen");
    assertAgrees(m, r);
  }

  toString(): string {
    return "reachable";
  }
}
