import { describe, expect, it } from "vitest";
import { anySignal } from "../../src/session/anySignal.js";

describe("anySignal", () => {
  it("is the one signal itself when only one is given (no controller, nothing to detach)", () => {
    const only = new AbortController();
    const { signal, dispose } = anySignal([undefined, only.signal]);
    expect(signal).toBe(only.signal);
    dispose();
    only.abort(new Error("closed"));
    expect(signal.aborted).toBe(true);
  });

  it("fires with the reason of whichever fires first, and detaches from the others on dispose", () => {
    const a = new AbortController();
    const b = new AbortController();
    const { signal, dispose } = anySignal([a.signal, b.signal]);
    b.abort(new Error("b first"));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe("b first");
    dispose();
    // A fresh pair: after dispose, the long-lived signal no longer reaches the combined one.
    const long = new AbortController();
    const short = new AbortController();
    const combined = anySignal([long.signal, short.signal]);
    combined.dispose();
    long.abort(new Error("later"));
    expect(combined.signal.aborted).toBe(false);
  });

  it("is aborted at once when a given signal already is", () => {
    const a = new AbortController();
    a.abort(new Error("already"));
    const { signal } = anySignal([a.signal, new AbortController().signal]);
    expect((signal.reason as Error).message).toBe("already");
  });
});
