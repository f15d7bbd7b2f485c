import { cpuSince, readCpu } from "./cpuClock.js";

/** One timed round of one subject: its throughput and the client CPU each operation cost. */
export interface RoundCost {
  opsPerSecond: number;
  /** Process CPU (user + system) over the round / operations completed, in µs. */
  cpuUsPerOp: number;
  /** The JS thread's CPU over the round / operations, in µs; undefined where it cannot be read. */
  jsThreadUsPerOp?: number;
}

/**
 * Runs `workers` loops of `op` back to back for `durationMs` (and at most `maxOpsPerWorker` each: every
 * loop is bounded in count and time). Returns completed operations per second and CPU per operation:
 * on a loaded machine throughput swings with what else runs, while CPU per operation stays steady.
 */
export async function driveCosted(
  workers: number,
  durationMs: number,
  op: (worker: number, i: number) => Promise<unknown>,
  maxOpsPerWorker = 10_000_000,
): Promise<RoundCost> {
  const cpu = readCpu();
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
  const elapsedMs = performance.now() - start;
  const used = cpuSince(cpu);
  const ops = Math.max(done, 1);
  return {
    opsPerSecond: done / (elapsedMs / 1_000),
    cpuUsPerOp: used.processUs / ops,
    ...(used.jsThreadUs === undefined ? {} : { jsThreadUsPerOp: used.jsThreadUs / ops }),
  };
}

/** `driveCosted`'s throughput alone: operations per second. */
export async function drive(
  workers: number,
  durationMs: number,
  op: (worker: number, i: number) => Promise<unknown>,
  maxOpsPerWorker = 10_000_000,
): Promise<number> {
  return (await driveCosted(workers, durationMs, op, maxOpsPerWorker)).opsPerSecond;
}

/**
 * Drives each subject for `roundMs` per round, `rounds` times, alternating the order every round (A B,
 * B A, ...): on this machine throughput drifts over seconds (engine and JIT warming, other processes),
 * and alternating spreads the drift evenly. Returns each subject's rounds, throughput and CPU per op.
 */
export async function interleaveCosted(
  subjects: Record<string, (worker: number, i: number) => Promise<unknown>>,
  { workers, rounds, roundMs }: { workers: number; rounds: number; roundMs: number },
): Promise<Record<string, RoundCost[]>> {
  const names = Object.keys(subjects);
  const samples: Record<string, RoundCost[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const name of order) samples[name]!.push(await driveCosted(workers, roundMs, subjects[name]!));
  }
  return samples;
}

/** `interleaveCosted`'s throughput alone: each subject's ops/s per round. */
export async function interleave(
  subjects: Record<string, (worker: number, i: number) => Promise<unknown>>,
  options: { workers: number; rounds: number; roundMs: number },
): Promise<Record<string, number[]>> {
  const costed = await interleaveCosted(subjects, options);
  return Object.fromEntries(
    Object.entries(costed).map(([name, rounds]) => [name, rounds.map((r) => r.opsPerSecond)]),
  );
}

/** A subject's interleaved rounds, and the latency of every operation of them (ms). */
export interface TimedRounds {
  rounds: RoundCost[];
  latencies: number[];
}

/**
 * `interleaveCosted` with each operation timed too (for percentiles): one warm-up round of each
 * subject first (not kept), then `rounds` interleaved ones. Every subject pays the same two clock
 * reads and an array push per operation.
 */
export async function interleaveTimed(
  subjects: Record<string, (worker: number, i: number) => Promise<unknown>>,
  { workers, rounds, roundMs, warmMs }: { workers: number; rounds: number; roundMs: number; warmMs: number },
): Promise<Record<string, TimedRounds>> {
  const latencies: Record<string, number[]> = {};
  const timed: Record<string, (worker: number, i: number) => Promise<unknown>> = {};
  for (const [name, op] of Object.entries(subjects)) {
    latencies[name] = [];
    timed[name] = async (worker, i) => {
      const start = performance.now();
      await op(worker, i);
      latencies[name]!.push(performance.now() - start);
    };
  }
  await interleaveCosted(timed, { workers, rounds: 1, roundMs: warmMs });
  for (const name of Object.keys(latencies)) latencies[name] = [];
  const costs = await interleaveCosted(timed, { workers, rounds, roundMs });
  return Object.fromEntries(
    Object.keys(subjects).map((name) => [name, { rounds: costs[name]!, latencies: latencies[name]! }]),
  );
}
