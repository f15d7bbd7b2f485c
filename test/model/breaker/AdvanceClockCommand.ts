import type { Command } from "fast-check";
import { assertAgrees, type BreakerModel, type BreakerReal, openMs, transition } from "./model.js";

/** Simulated time passes. */
export class AdvanceClockCommand implements Command<BreakerModel, BreakerReal> {
  constructor(readonly ms: number) {}

  check(): boolean {
    return true;
  }

  run(m: BreakerModel, r: BreakerReal): void {
    r.clock.increment(this.ms);
    const cooledAt = m.since + openMs(m);
    m.now += this.ms;
    if (m.state === "open" && !m.isolated && m.now >= cooledAt) transition(m, "halfOpen");
    assertAgrees(m, r);
  }

  toString(): string {
    return `advance(${this.ms})`;
  }
}
