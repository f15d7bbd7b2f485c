import { Tally } from "./Tally.js";

export interface WorkerOptions {
  workers: number;
  /** Operations per worker at most: with `durationMs`, every loop is bounded in count and in time. */
  maxOpsPerWorker: number;
  /** Wall-clock budget: no operation starts after it. */
  durationMs: number;
  /** Pause between a worker's operations (0: back to back). */
  pauseMs?: number;
  /** Stops the loops early (checked between operations). */
  signal?: AbortSignal;
}

/**
 * Runs `workers` loops of `op` and files every outcome in one tally. A failed operation does not stop
 * its worker: the scenario decides afterwards which failures were expected.
 */
export async function runWorkers(
  options: WorkerOptions,
  op: (worker: number, i: number) => Promise<unknown>,
): Promise<Tally> {
  const tally = new Tally();
  const deadline = performance.now() + options.durationMs;
  const pauseMs = options.pauseMs ?? 0;
  await Promise.all(
    Array.from({ length: options.workers }, async (_, worker) => {
      for (
        let i = 0;
        i < options.maxOpsPerWorker && performance.now() < deadline && !options.signal?.aborted;
        i++
      ) {
        try {
          await op(worker, i);
          tally.succeed();
        } catch (error) {
          tally.fail(error);
        }
        if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }),
  );
  return tally;
}

/** Runs `count` operations all at once (one burst) and files every outcome. */
export async function runConcurrently(count: number, op: (i: number) => Promise<unknown>): Promise<Tally> {
  const tally = new Tally();
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      op(i).then(
        () => tally.succeed(),
        (error: unknown) => tally.fail(error),
      ),
    ),
  );
  return tally;
}
