const NOTHING_TO_DETACH = () => {};

/**
 * A signal that fires when any of `signals` does (with that one's reason), and a `dispose` that detaches
 * it. `AbortSignal.any` needs Node 20.3; this works on every Node 20 and does not leak listeners on
 * long-lived signals (a session's close signal outlives thousands of acquires). With one signal given,
 * that signal itself: the common acquire (no signal of the caller's) makes no controller.
 */
export function anySignal(signals: readonly (AbortSignal | undefined)[]): {
  signal: AbortSignal;
  dispose(): void;
} {
  // The usual acquire gives one signal: that one, without an array made to find it.
  let only: AbortSignal | undefined;
  let count = 0;
  for (const s of signals) {
    if (s === undefined) continue;
    only = s;
    count++;
  }
  if (count === 1) return { signal: only!, dispose: NOTHING_TO_DETACH };
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  const controller = new AbortController();
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  const dispose = () => {
    for (const s of present) s.removeEventListener("abort", onAbort);
  };
  for (const s of present) {
    if (s.aborted) {
      controller.abort(s.reason);
      dispose();
      break;
    }
    s.addEventListener("abort", onAbort, { once: true });
  }
  return { signal: controller.signal, dispose };
}
