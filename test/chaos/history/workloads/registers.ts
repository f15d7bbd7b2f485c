// Writers on the fed table `reg`: each writer owns its records and writes them one call at a time, with
// a version per record that only grows (an UPSERT of v, or now and then a DELETE), through
// executeWithRetry. A retry after an unknown outcome may commit the same write twice: the store's change
// feed, read afterwards, is the record of what committed.
import type { ConnectionManager } from "../../../../src/index.js";
import type { Random } from "../../prng.js";
import type { History } from "../history.js";

export interface WriterContext {
  manager: ConnectionManager;
  history: History;
  random: Random;
  running: () => boolean;
  records: number;
  timeoutMs: number;
  /** A whole call's deadline (attempts, backoff, slack). */
  deadlineMs: number;
}

export async function runWriter(w: number, ctx: WriterContext): Promise<void> {
  const version = new Map<number, number>();
  const exists = new Set<number>();
  while (ctx.running()) {
    const k = ctx.random.int(0, ctx.records - 1);
    const id = `w${w}_${k}`;
    const v = (version.get(k) ?? 0) + 1;
    version.set(k, v);
    const remove = exists.has(k) && ctx.random.next() < 0.1;
    const op = ctx.history.invoke(`writer ${w}`, remove ? "delete" : "write", { id, v }, ctx.deadlineMs);
    try {
      await ctx.manager.executeWithRetry(
        (db) =>
          db.query(
            remove ? "DELETE type::record('reg', $id)" : "UPSERT type::record('reg', $id) SET w = $w, v = $v",
            { id, w, v },
          ),
        { timeoutMs: ctx.timeoutMs },
      );
      op.ok();
      if (remove) exists.delete(k);
      else exists.add(k);
    } catch (error) {
      // It may have committed (the answer was lost): the feed says.
      op.info(error);
      exists.add(k); // unknown: a later delete of a missing record is harmless
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
