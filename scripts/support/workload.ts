import type { ConnectionManager } from "../../src/manager/ConnectionManager.js";

export interface WorkloadOptions {
  /** Stop starting new operations after this long. */
  durationMs: number;
  /** Concurrent workers. Default 20, as in `npm start`. */
  workers?: number;
  /** Stops early. */
  signal?: AbortSignal;
  /** Pause between a worker's operations (ms), so a watched pool changes at a visible pace. Default 0. */
  pauseMs?: number;
}

export interface WorkloadResult {
  done: number;
  failed: number;
  /** `Name: message` -> count. */
  failures: Map<string, number>;
  elapsedMs: number;
}

/**
 * The demo's mixed CRUD workload (src/demo/main.ts, `npm start`) as a function, for the scripts and
 * tests that watch a pool work: each worker upserts, reads through executeWithRetry, updates and now
 * and then deletes its own notes.
 */
export async function runWorkload(
  manager: ConnectionManager,
  options: WorkloadOptions,
): Promise<WorkloadResult> {
  // Twenty first writes that each define the table implicitly would conflict with one another.
  await manager.executeWithRetry((db) => db.query("DEFINE TABLE IF NOT EXISTS note SCHEMALESS"));
  const started = performance.now();
  const deadline = started + options.durationMs;
  const result: WorkloadResult = { done: 0, failed: 0, failures: new Map(), elapsedMs: 0 };
  const running = () => performance.now() < deadline && !options.signal?.aborted;
  const worker = async (id: number) => {
    for (let i = 0; running(); i++) {
      try {
        await operation(manager, id, i);
        result.done++;
      } catch (error) {
        result.failed++;
        const key = `${(error as Error).name}: ${(error as Error).message}`;
        result.failures.set(key, (result.failures.get(key) ?? 0) + 1);
      }
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: options.workers ?? 20 }, (_, id) => worker(id)));
  result.elapsedMs = performance.now() - started;
  return result;
}

async function operation(manager: ConnectionManager, id: number, i: number): Promise<void> {
  const key = `w${id}_${i % 25}`;
  switch (i % 5) {
    case 0:
    case 1: {
      const lease = await manager.acquire();
      try {
        await lease.db.query("UPSERT type::record('note', $key) SET worker = $id, body = $body, v = $i", {
          key,
          id,
          i,
          body: `note ${i} of worker ${id}`,
        });
      } finally {
        await lease.release();
      }
      return;
    }
    case 2:
      await manager.executeWithRetry((db) => db.query("SELECT * FROM type::record('note', $key)", { key }));
      return;
    case 3: {
      const lease = await manager.acquire();
      try {
        await lease.db.query("UPDATE note SET v += 1 WHERE worker = $id", { id });
      } finally {
        await lease.release();
      }
      return;
    }
    default: {
      const lease = await manager.acquire();
      try {
        await lease.db.query("DELETE type::record('note', $key)", { key });
      } finally {
        await lease.release();
      }
    }
  }
}
