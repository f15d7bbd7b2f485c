/**
 * An AbortSignal that aborts after `ms` (with a `TimeoutError`) or when `parent` aborts; `clear()`
 * when the work is done. A plain timer held by us, not `AbortSignal.timeout()` combined with
 * `AbortSignal.any()`: on Node 20 such a combined signal can be collected before its timer fires, and
 * then it never aborts (seen here: a connect to a dead remote waited 30 s instead of 1 s).
 */
export function deadlineSignal(ms: number, parent?: AbortSignal): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason);
  const timer = setTimeout(
    () => controller.abort(Object.assign(new Error(`no answer within ${ms} ms`), { name: "TimeoutError" })),
    ms,
  );
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener("abort", onParentAbort, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onParentAbort);
    },
  };
}
