import type { Logger } from "../config/Logger.js";
import type { TxLogEvent } from "../events/SessionEvent.js";
import { optionsObject } from "../util/arguments.js";
import type { AgentSessionOptions, AgentSessionRestoreOptions } from "./AgentSessionOptions.js";
import { assertManager, createArguments } from "./createArguments.js";
import { loadDurableLog } from "./durableLog.js";
import { TransactionLogError } from "./errors/TransactionLogError.js";
import { assertAgentIdFree } from "./openSessions.js";
import {
  checkSessionNames,
  type ResolvedSessionOptions,
  type ResolvedSinkOptions,
  resolveSessionOptions,
} from "./resolveSessionOptions.js";
import type { SessionPool } from "./SessionPool.js";
import type { SessionPlace } from "./SurrealTxLogStore.js";

/** What an agent session opens with: its arguments checked, its options resolved, its stored log read. */
export interface SessionSetup {
  agentId: string;
  pool: SessionPool;
  place: SessionPlace;
  options: ResolvedSessionOptions;
  restored: readonly TxLogEvent[];
  inspect: AgentSessionOptions["inspect"];
  logger: Logger | undefined;
}

/** `AgentSession.create`'s arguments (one options object, or the positional form), checked. */
export function setupForCreate(args: unknown[]): SessionSetup {
  const { agentId, manager, namespace, database, options: o, namesChecked } = createArguments(args);
  const db = database ?? manager.config?.database;
  if (!namesChecked) checkSessionNames(agentId, namespace, db);
  const resolved = resolveSessionOptions(manager, o, false);
  return {
    agentId: agentId as string,
    pool: manager,
    place: { namespace: namespace as string, database: db as string },
    options: resolved,
    restored: [],
    inspect: o.inspect ?? (manager.config.inspect as AgentSessionOptions["inspect"]),
    logger: o.logger ?? manager.config.logger,
  };
}

/** `AgentSession.restore`'s arguments, checked, with the agent's stored log read. */
export async function setupForRestore(
  agentId: string,
  manager: SessionPool,
  restoreOptions?: AgentSessionRestoreOptions,
): Promise<SessionSetup> {
  assertManager("AgentSession.restore(agentId, manager)", manager);
  const options = optionsObject<AgentSessionRestoreOptions>(
    "AgentSession.restore(agentId, manager, options)",
    restoreOptions,
  );
  checkSessionNames(agentId, options.namespace, options.database, true);
  const resolved = resolveSessionOptions(manager, { ...options, sink: options.sink || true }, true);
  const sink = resolved.sink as ResolvedSinkOptions;
  // Checked again when the session claims the id; checked first so a busy agent is not read half-written.
  assertAgentIdFree(manager, agentId);
  const stored = await loadDurableLog(manager, sink, agentId);
  const namespace = options.namespace ?? stored.place?.namespace;
  if (namespace === undefined) {
    throw new TransactionLogError(
      "unknownAgent",
      agentId,
      undefined,
      `agent "${agentId}" has no stored log in ${sink.namespace}/${sink.database}.${sink.table}: start one with ` +
        `AgentSession.create({ id: "${agentId}", manager, namespace, sink: true }), or pass { namespace } to restore.`,
    );
  }
  const database = options.database ?? stored.place?.database ?? manager.config.database;
  return {
    agentId,
    pool: manager,
    place: { namespace, database },
    options: resolved,
    restored: stored.events,
    inspect: options.inspect ?? (manager.config.inspect as AgentSessionOptions["inspect"]),
    logger: options.logger ?? manager.config.logger,
  };
}
