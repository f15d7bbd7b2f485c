import { describe, expect, it, vi } from "vitest";
import { anySignal } from "../../src/session/anySignal.js";
import { CloseSignal } from "../../src/session/CloseSignal.js";
import { optionalSignal } from "../../src/util/arguments.js";

describe("CloseSignal", () => {
  it("passes the pool's signal check, and calls each listener still attached once, with itself as target", () => {
    const close = new CloseSignal();
    expect(optionalSignal("acquire(options).signal", close.signal)).toBe(close.signal);
    const kept = vi.fn();
    const removed = vi.fn();
    close.signal.addEventListener("abort", kept, { once: true });
    close.signal.addEventListener("abort", removed, { once: true });
    close.signal.removeEventListener("abort", removed);
    const reason = new Error("closing");
    close.abort(reason);
    close.abort(new Error("again"));
    expect(kept).toHaveBeenCalledTimes(1);
    expect(kept.mock.calls[0]![0].target).toBe(close);
    expect(removed).not.toHaveBeenCalled();
    expect(close.signal.aborted).toBe(true);
    expect(close.signal.reason).toBe(reason);
    // Aborted: a late listener is never called (the pool checks `aborted` first).
    const late = vi.fn();
    close.signal.addEventListener("abort", late);
    close.abort(reason);
    expect(late).not.toHaveBeenCalled();
  });

  it("combines with a caller's AbortSignal: either one fires the combined signal, with its reason", () => {
    const close = new CloseSignal();
    const caller = new AbortController();
    const both = anySignal([caller.signal, close.signal]);
    const reason = new Error("closing");
    close.abort(reason);
    expect(both.signal.aborted).toBe(true);
    expect(both.signal.reason).toBe(reason);
    both.dispose();
    const other = new CloseSignal();
    const byCaller = anySignal([new AbortController().signal, other.signal]);
    const controller = new AbortController();
    const third = anySignal([controller.signal, other.signal]);
    controller.abort("caller");
    expect(third.signal.reason).toBe("caller");
    expect(byCaller.signal.aborted).toBe(false);
  });
});
