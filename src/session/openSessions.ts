import { SessionConflictError } from "./errors/SessionConflictError.js";

/**
 * Open sessions per manager, by agent id. An agent's log has one writer: two open sessions of one
 * agent would interleave its `seq` (and, with a sink, collide in the table).
 */
const open = new WeakMap<object, Map<string, object>>();

/** Throws `SessionConflictError` if a session holds `agentId` on `manager`. */
export function assertAgentIdFree(manager: object, agentId: string): void {
  if (open.get(manager)?.has(agentId)) {
    throw new SessionConflictError(
      agentId,
      `agent "${agentId}" already has a session on this manager: close it first, or, if its close failed to ` +
        "write the log, await its flush() (an agent's log has one writer).",
    );
  }
}

/** Claims `agentId` on `manager` for `session`; throws `SessionConflictError` if another holds it. */
export function claimAgentId(manager: object, agentId: string, session: object): void {
  assertAgentIdFree(manager, agentId);
  let sessions = open.get(manager);
  if (!sessions) {
    sessions = new Map();
    open.set(manager, sessions);
  }
  sessions.set(agentId, session);
}

/** Gives `agentId` up, if `session` holds it. */
export function releaseAgentId(manager: object, agentId: string, session: object): void {
  const sessions = open.get(manager);
  if (sessions?.get(agentId) === session) sessions.delete(agentId);
}
