// The Tripwire fails exactly the calls still pending when it trips: a call that settled first keeps its
// outcome, a pending one gets the trip's error, a later one fails at once, and none is left behind.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Tripwire } from "../../src/util/Tripwire.js";

describe("Tripwire", () => {
  it("fails exactly the calls pending at the trip, in any order of settling and tripping", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.constantFrom("ok", "fail", "hang"), { maxLength: 12 }),
        async (s, calls) => {
          const wire = new Tripwire();
          const tripError = new Error("tripped");
          let trippedAt = -1;
          const settledBeforeTrip = new Set<number>();
          const outcomes = calls.map((kind, i) => {
            const call =
              kind === "hang"
                ? new Promise<number>(() => {})
                : s.schedule(Promise.resolve(i)).then((v) => {
                    if (trippedAt < 0) settledBeforeTrip.add(i);
                    if (kind === "fail") throw new Error(`call ${i}`);
                    return v;
                  });
            return wire.race(call).then(
              (v) => ({ ok: v }),
              (e: Error) => ({ error: e.message }),
            );
          });
          const trip = s.schedule(Promise.resolve()).then(() => {
            trippedAt = 1;
            wire.trip(tripError);
          });
          await s.waitFor(Promise.all([...outcomes, trip]));
          const got = await Promise.all(outcomes);
          got.forEach((outcome, i) => {
            const kind = calls[i];
            if (kind !== "hang" && settledBeforeTrip.has(i)) {
              expect(outcome).toEqual(kind === "ok" ? { ok: i } : { error: `call ${i}` });
            } else {
              expect(outcome).toEqual({ error: "tripped" });
            }
          });
          await expect(wire.race(Promise.resolve(1))).rejects.toBe(tripError);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("holds nothing of a call once it settled", async () => {
    const wire = new Tripwire();
    for (let i = 0; i < 1_000; i++) await wire.race(Promise.resolve(i));
    await wire.race(Promise.reject(new Error("x"))).catch(() => {});
    let release!: () => void;
    const pending = wire.race(new Promise<void>((r) => (release = r)));
    expect(wire.waiting).toBe(1);
    release();
    await pending;
    expect(wire.waiting).toBe(0);
  });
});
