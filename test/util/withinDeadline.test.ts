import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { withinDeadline } from "../../src/util/withinDeadline.js";

describe("withinDeadline", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("settles when the work does, and leaves no timer behind", async () => {
    let finish!: () => void;
    const work = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const waited = withinDeadline(work, performance.now() + 1_000);
    finish();
    await waited;
    expect(vi.getTimerCount()).toBe(0);
  });

  it("settles (without rejecting) when the work rejects", async () => {
    await expect(withinDeadline(Promise.reject(new Error("boom")), performance.now() + 1_000)).resolves.toBe(
      undefined,
    );
    expect(vi.getTimerCount()).toBe(0);
  });

  it("settles at the deadline when the work never does, not before", async () => {
    let settled = false;
    void withinDeadline(new Promise(() => {}), performance.now() + 100).then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
  });

  it("settles at once when the deadline has passed", async () => {
    let settled = false;
    void withinDeadline(new Promise(() => {}), performance.now() - 1).then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
