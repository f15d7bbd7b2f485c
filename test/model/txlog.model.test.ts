import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { TransactionOperation } from "../../src/events/TransactionOperation.js";
import { AgentSession } from "../../src/session/AgentSession.js";
import { FakePool } from "../session/support/FakePool.js";
import { AbortCommand } from "./txlog/AbortCommand.js";
import { CommitCommand } from "./txlog/CommitCommand.js";
import type { TxLogModel, TxLogReal } from "./txlog/model.js";
import { RecordCommand } from "./txlog/RecordCommand.js";
import { ReplayCommand } from "./txlog/ReplayCommand.js";
import { RestartCommand } from "./txlog/RestartCommand.js";
import { SettleUnknownCommand } from "./txlog/SettleUnknownCommand.js";

// Model-based test of an agent's transaction log, durable sink included, against the real embedded
// SurrealDB engine: history only grows, the fold of the events is the history, an entry settles at most
// once, and the persisted events replay to the same history (also across a close + restore).

const text = fc.string({ minLength: 1, maxLength: 12 });
const operation: fc.Arbitrary<TransactionOperation> = fc.oneof(
  fc.record({ type: fc.constant("write" as const), path: text, contentHash: text }),
  fc.record({ type: fc.constant("read" as const), path: text }),
  fc.record({ type: fc.constant("delete" as const), path: text }),
  fc.record({ type: fc.constant("query" as const), text }),
  fc.record({ type: fc.constant("custom" as const), kind: text, data: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ type: fc.constant("custom" as const), kind: text }),
);

const commands = fc.commands(
  [
    operation.map((op) => new RecordCommand(op)),
    fc.nat().map((pick) => new CommitCommand(pick)),
    fc
      .tuple(fc.nat(), fc.option(text, { nil: undefined }))
      .map(([pick, reason]) => new AbortCommand(pick, reason)),
    fc
      .tuple(fc.constantFrom("commit" as const, "abort" as const), fc.uuid())
      .map(([verb, id]) => new SettleUnknownCommand(verb, id)),
    fc.constant(new ReplayCommand()),
    fc.constant(new RestartCommand()),
  ],
  { maxCommands: 30 },
);

let pool: FakePool;
let run = 0;

beforeAll(async () => {
  pool = await FakePool.create({ maxConnections: 4 });
});
afterAll(async () => {
  await pool.close();
});

describe("transaction log (model-based, fast-check)", () => {
  it("matches the model under any sequence of records, settles, replays and restarts", async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const agentId = `model-${++run}`;
        const session = await AgentSession.create(agentId, pool, `ns_${run}`, undefined, {
          sink: { flushIntervalMs: 50 },
        });
        const real: TxLogReal = { pool, session, ids: [], seen: [] };
        try {
          await fc.asyncModelRun(async () => ({ model: { statuses: [] } as TxLogModel, real }), cmds);
          await new ReplayCommand().run({ statuses: real.seen.map((e) => e.status) }, real);
        } finally {
          await real.session.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
