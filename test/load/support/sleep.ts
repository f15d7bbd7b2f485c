export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `predicate` until it holds; throws after `timeoutMs` (every wait in a load test is bounded). */
export async function until(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (predicate()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(10);
  }
}
