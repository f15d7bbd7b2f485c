// A bank: each client owns ACCOUNTS accounts (disjoint from every other client's: SurrealDB 3.0.2 itself
// loses conflicting updates of one record under concurrent transactions, so the pool's promise is tested
// where the engine keeps its own) and moves money between them through manager.transaction(), recording a
// transfer row in the same transaction. Now and then it reads its total.
import type { ConnectionManager } from "../../../../src/index.js";
import type { Random } from "../../prng.js";
import { ACCOUNTS } from "../config.js";
import type { History } from "../history.js";

export interface BankContext {
  manager: ConnectionManager;
  history: History;
  random: Random;
  running: () => boolean;
  timeoutMs: number;
  transferDeadlineMs: number;
  readDeadlineMs: number;
}

export async function runBank(c: number, ctx: BankContext, round: number): Promise<void> {
  for (let n = 0; ctx.running(); n++) {
    if (n % 5 === 4) {
      await readTotal(c, ctx);
      continue;
    }
    const from = ctx.random.int(0, ACCOUNTS - 1);
    const to = (from + ctx.random.int(1, ACCOUNTS - 1)) % ACCOUNTS;
    const amount = ctx.random.int(1, 20);
    const tid = `b${c}-${round}-${n}`;
    const op = ctx.history.invoke(`bank ${c}`, "transfer", { tid, from, to, amount }, ctx.transferDeadlineMs);
    try {
      await ctx.manager.transaction(
        async (tx) => {
          await tx.query(
            `UPDATE type::record('acct', $from) SET balance -= $amount;
             UPDATE type::record('acct', $to) SET balance += $amount;
             CREATE transfer SET tid = $tid, c = $c, from = $from, to = $to, amount = $amount;`,
            { from: `b${c}_${from}`, to: `b${c}_${to}`, amount, tid, c },
          );
        },
        { timeoutMs: ctx.timeoutMs },
      );
      op.ok();
    } catch (error) {
      op.info(error);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function readTotal(c: number, ctx: BankContext): Promise<void> {
  const op = ctx.history.invoke(`bank ${c}`, "read", {}, ctx.readDeadlineMs);
  try {
    const [total] = await ctx.manager.executeWithRetry(
      (db) => db.query<[number]>("RETURN math::sum((SELECT VALUE balance FROM acct WHERE c = $c))", { c }),
      { timeoutMs: ctx.timeoutMs },
    );
    op.ok(total);
  } catch (error) {
    op.fail(error);
  }
}
