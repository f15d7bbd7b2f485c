import type { AsyncCommand } from "fast-check";
import { expect } from "vitest";
import { AgentSession } from "../../../src/session/AgentSession.js";
import { assertInvariants, type TxLogModel, type TxLogReal } from "./model.js";

/** Closes the session and restores it from SurrealDB: the same history, and the log goes on. */
export class RestartCommand implements AsyncCommand<TxLogModel, TxLogReal> {
  check(): boolean {
    return true;
  }

  async run(model: TxLogModel, real: TxLogReal): Promise<void> {
    const before = real.session;
    await before.close();
    const options = { sink: { flushIntervalMs: 50 } };
    if (before.logEvents().length === 0) {
      // Nothing stored, so nothing says where the agent worked: restore must be told.
      await expect(AgentSession.restore(before.agentId, real.pool, options)).rejects.toMatchObject({
        reason: "unknownAgent",
      });
      real.session = await AgentSession.restore(before.agentId, real.pool, {
        ...options,
        namespace: before.namespace,
      });
    } else {
      real.session = await AgentSession.restore(before.agentId, real.pool, options);
    }
    expect(real.session.namespace).toBe(before.namespace);
    expect(real.session.transactionHistory()).toEqual(before.transactionHistory());
    expect(real.session.logEvents()).toEqual(before.logEvents());
    assertInvariants(model, real);
  }

  toString(): string {
    return "restart";
  }
}
