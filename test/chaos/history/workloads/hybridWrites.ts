// Writers on a hybrid manager's local store (table `hyb`), shipped to its remote every 300 ms while the
// remote is killed, blackholed and reset. After the final sync at shutdown the remote must hold exactly
// what the local store holds.
import type { ConnectionManager } from "../../../../src/index.js";
import type { Random } from "../../prng.js";
import type { History } from "../history.js";

export interface HybridContext {
  manager: ConnectionManager;
  history: History;
  random: Random;
  running: () => boolean;
  timeoutMs: number;
  deadlineMs: number;
}

export async function runHybridWriter(w: number, ctx: HybridContext): Promise<void> {
  for (let n = 0; ctx.running(); n++) {
    const id = `w${w}_${ctx.random.int(0, 9)}`;
    const remove = ctx.random.next() < 0.1;
    const op = ctx.history.invoke(`hybrid ${w}`, remove ? "delete" : "write", { id, n }, ctx.deadlineMs);
    try {
      await ctx.manager.executeWithRetry(
        (db) =>
          db.query(
            remove ? "DELETE type::record('hyb', $id)" : "UPSERT type::record('hyb', $id) SET n = $n",
            {
              id,
              n,
            },
          ),
        { timeoutMs: ctx.timeoutMs },
      );
      op.ok();
    } catch (error) {
      op.info(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
