import type { Command } from "fast-check";
import { assertAgrees, type BreakerModel, type BreakerReal } from "./model.js";

/** A call failed with an error that says nothing about the endpoint (the caller aborted). */
export class IgnoredFailureCommand implements Command<BreakerModel, BreakerReal> {
  check(): boolean {
    return true;
  }

  run(m: BreakerModel, r: BreakerReal): void {
    r.breaker.recordFailure(new DOMException("the caller gave up", "AbortError"));
    // It frees a probe slot when half-open, and changes nothing else.
    if (m.state === "halfOpen") m.probes = Math.max(0, m.probes - 1);
    assertAgrees(m, r);
  }

  toString(): string {
    return "ignoredFailure";
  }
}
