// Leases that change their session and check what the next borrower gets. Each lease first records what
// it found (variables, namespace, database, whether it is signed in: it must be the pool's clean state),
// then sets a variable and switches to a namespace of its own, checks it sees exactly that, and sometimes
// signs out before it returns. The same for agents: each has a namespace of its own and two leases out at
// once, each with its own variable. The checker reads every lease's findings against its own actions.
import type { AgentSession, ConnectionManager } from "../../../../src/index.js";
import type { Random } from "../../prng.js";
import { DB, NS } from "../config.js";
import type { History } from "../history.js";

export interface IsolationContext {
  manager: ConnectionManager;
  history: History;
  random: Random;
  running: () => boolean;
  deadlineMs: number;
}

const SEEN = "RETURN [$who, session::ns(), session::db(), (SELECT VALUE ok FROM ONLY probe:1)]";

export async function runIsolation(c: number, ctx: IsolationContext): Promise<void> {
  for (let n = 0; ctx.running(); n++) {
    const token = `iso${c}-${n}`;
    const signOut = ctx.random.next() < 0.2;
    const op = ctx.history.invoke(
      `isolation ${c}`,
      "lease",
      { token, ns: `iso_${c}`, signOut },
      ctx.deadlineMs,
    );
    try {
      const lease = await ctx.manager.acquire();
      try {
        const [fresh] = await lease.db.query<[unknown[]]>(SEEN);
        await lease.db.set("who", token);
        await lease.db.use({ namespace: `iso_${c}`, database: "d" });
        const [own] = await lease.db.query<[unknown[]]>("RETURN [$who, session::ns(), session::db()]");
        if (signOut) await lease.db.invalidate();
        op.ok({
          fresh: fresh
            .slice(0, 3)
            .map(plain)
            .concat([fresh[3] ?? null]),
          own: own.map(plain),
        });
      } finally {
        await lease.release();
      }
    } catch (error) {
      op.info(error);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** One lease loop of an agent: its own variable, the agent's namespace, a log entry flushed. */
export async function runAgentLeases(
  agent: AgentSession,
  a: number,
  loop: number,
  ctx: IsolationContext,
): Promise<void> {
  for (let n = 0; ctx.running(); n++) {
    const token = `agent${a}.${loop}-${n}`;
    const op = ctx.history.invoke(
      `agent ${a}.${loop}`,
      "agentLease",
      { token, ns: `agent_${a}` },
      ctx.deadlineMs,
    );
    let txId: string;
    try {
      txId = agent.recordTransaction({ type: "write", path: `/${token}`, contentHash: token });
      op.op.value.txId = txId;
      const lease = await agent.acquire();
      let own: unknown[];
      try {
        await lease.db.set("who", token);
        [own] = await lease.db.query<[unknown[]]>("RETURN [$who, session::ns(), session::db()]");
        await lease.db.query("CREATE note SET who = $who");
      } finally {
        await lease.release();
      }
      const aborted = n % 7 === 3;
      if (aborted) agent.abortTransaction(txId, "a test abort");
      else agent.commitTransaction(txId);
      await agent.flush();
      op.ok({ own: own.map(plain), txId, status: aborted ? "aborted" : "committed" });
    } catch (error) {
      op.info(error);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** What the pool's clean state reads: no variable, its namespace and database, signed in. */
export const CLEAN = [null, NS, DB, true];

function plain(value: unknown): unknown {
  return value === undefined ? null : value;
}
