import genericPool from "generic-pool";
import tarn from "tarn";
import { type Row, ratioRow, timeLoop } from "./measure.js";
import { ConnectionManager } from "./pool.js";

/**
 * acquire+release of an idle connection with no I/O: the pool's own overhead. All three pools hold
 * one ready resource and are driven by the same awaited loop, in interleaved rounds.
 */
export async function acquireRelease(quick: boolean): Promise<Row[]> {
  const iterations = quick ? 20_000 : 100_000;
  const rounds = quick ? 5 : 9;

  const manager = await ConnectionManager.create({
    pool: { minConnections: 1, maxConnections: 1, validateAfterIdleMs: 60_000 },
  });
  const tarnPool = new tarn.Pool({ create: () => ({}), destroy: () => {}, min: 1, max: 1 });
  const generic = genericPool.createPool(
    { create: async () => ({}), destroy: async () => {} },
    { min: 1, max: 1 },
  );
  await generic.ready();

  const subjects = {
    "surreal-pool": async (n: number) => {
      for (let i = 0; i < n; i++) {
        const lease = await manager.acquire();
        await lease.release();
      }
    },
    tarn: async (n: number) => {
      for (let i = 0; i < n; i++) {
        const resource = await tarnPool.acquire().promise;
        tarnPool.release(resource);
      }
    },
    "generic-pool": async (n: number) => {
      for (let i = 0; i < n; i++) {
        const resource = await generic.acquire();
        await generic.release(resource);
      }
    },
  };
  const perOp = await timeLoop(subjects, iterations, rounds);
  await manager.shutdown();
  await tarnPool.destroy();
  await generic.drain();
  await generic.clear();

  return ["tarn", "generic-pool"].map((baseline) =>
    ratioRow({
      bench: "acquire-release",
      baseline,
      unit: "us/op",
      subjectValue: perOp["surreal-pool"]! * 1_000,
      baselineValue: perOp[baseline]! * 1_000,
      target: "ratio <= 1.0",
      meets: (r) => r <= 1.0,
    }),
  );
}
