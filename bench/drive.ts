/**
 * Runs `workers` loops of `op` back to back for `durationMs` (and at most `maxOpsPerWorker` each: every
 * loop is bounded in count and time). Returns completed operations per second.
 */
export async function drive(
  workers: number,
  durationMs: number,
  op: (worker: number, i: number) => Promise<unknown>,
  maxOpsPerWorker = 10_000_000,
): Promise<number> {
  const start = performance.now();
  const deadline = start + durationMs;
  let done = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = 0; i < maxOpsPerWorker && performance.now() < deadline; i++) {
        await op(worker, i);
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1_000);
}

/**
 * Drives each subject for `roundMs` per round, `rounds` times, alternating the order every round (A B,
 * B A, ...): on this machine throughput drifts over seconds (engine and JIT warming, other processes),
 * and alternating spreads the drift evenly. Returns each subject's ops/s per round.
 */
export async function interleave(
  subjects: Record<string, (worker: number, i: number) => Promise<unknown>>,
  { workers, rounds, roundMs }: { workers: number; rounds: number; roundMs: number },
): Promise<Record<string, number[]>> {
  const names = Object.keys(subjects);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const name of order) samples[name]!.push(await drive(workers, roundMs, subjects[name]!));
  }
  return samples;
}
