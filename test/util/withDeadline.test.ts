// withDeadline on shared timers: every call keeps its own outcome, the calls left unanswered (and only
// those) fail with their own timeout error, a slow call behind thousands of fast ones still times out,
// and a signal wins when it fires first.
import { describe, expect, it } from "vitest";
import { withDeadline } from "../../src/util/withDeadline.js";

const never = () => new Promise<number>(() => {});

describe("withDeadline", () => {
  it("fails exactly the unanswered calls, each with its own error, whatever the order", async () => {
    const started = performance.now();
    const calls = Array.from({ length: 200 }, (_, i) =>
      withDeadline(
        i % 2 ? never() : Promise.resolve(i),
        30 + (i % 3) * 10,
        () => new Error(`late ${i}`),
      ).then(
        (v) => `ok ${v}`,
        (e: Error) => e.message,
      ),
    );
    const got = await Promise.all(calls);
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => (i % 2 ? `late ${i}` : `ok ${i}`)));
    expect(performance.now() - started).toBeGreaterThanOrEqual(49);
  });

  it("times out a slow call behind thousands that settled out of order", async () => {
    const slow = withDeadline(never(), 60, () => new Error("slow call timed out"));
    const fast = await Promise.all(
      Array.from({ length: 5_000 }, (_, i) => withDeadline(Promise.resolve(i), 60, () => new Error("no"))),
    );
    expect(fast.length).toBe(5_000);
    await expect(slow).rejects.toThrow("slow call timed out");
  });

  it("rejects with the signal's reason when it fires first, and at once when it already has", async () => {
    const controller = new AbortController();
    const call = withDeadline(never(), 10_000, () => new Error("timeout"), controller.signal);
    controller.abort(new Error("stopped"));
    await expect(call).rejects.toThrow("stopped");
    await expect(
      withDeadline(never(), 10_000, () => new Error("timeout"), controller.signal),
    ).rejects.toThrow("stopped");
  });

  it("a call that settles first keeps its value and leaves no listener on the signal", async () => {
    const controller = new AbortController();
    await expect(
      withDeadline(Promise.resolve(7), 10_000, () => new Error("t"), controller.signal),
    ).resolves.toBe(7);
    await expect(
      withDeadline(Promise.reject(new Error("own")), 10_000, () => new Error("t")),
    ).rejects.toThrow("own");
    // Aborting afterwards changes nothing (its listener is gone).
    controller.abort(new Error("late abort"));
  });
});
