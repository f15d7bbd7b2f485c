import type { Command } from "fast-check";
import { expect } from "vitest";
import { assertAgrees, type BreakerModel, type BreakerReal } from "./model.js";

/** A caller asks to pass (`tryPass`): closed lets through, open refuses, half-open counts probe slots. */
export class ProbeCommand implements Command<BreakerModel, BreakerReal> {
  check(): boolean {
    return true;
  }

  run(m: BreakerModel, r: BreakerReal): void {
    const passed = r.breaker.tryPass();
    const expected = m.state === "closed" || (m.state === "halfOpen" && m.probes < m.maxProbes);
    expect(passed).toBe(expected);
    if (passed && m.state === "halfOpen") m.probes++;
    assertAgrees(m, r);
  }

  toString(): string {
    return "probe";
  }
}
