import { filter, type Observable } from "rxjs";
import {
  isSessionEvent,
  type SessionEvent,
  type SessionEventType,
  type TxLogEventType,
} from "../events/SessionEvent.js";
import type { SessionPool } from "./SessionPool.js";

/** Which agent-session events `agentLog$` passes on. */
export interface AgentLogFilter<T extends SessionEventType = SessionEventType> {
  /** Only this agent's events, or these agents'. Default every agent. */
  agentId?: string | readonly string[];
  /** Only these event types. Default every `session.*` and `txlog.*` event. */
  types?: readonly T[];
}

/** The three event types a transaction log consists of, for `agentLog$(manager, { types: TXLOG_EVENT_TYPES })`. */
export const TXLOG_EVENT_TYPES: readonly TxLogEventType[] = Object.freeze([
  "txlog.recorded",
  "txlog.committed",
  "txlog.aborted",
]);

/**
 * Every agent session's events on one manager, filtered: the global audit stream. Hot, like the
 * manager's `events$` it is derived from: a subscriber sees the events that happen after it subscribes.
 * For the past of one agent's log, read `session.transactionHistory()` or restore it from the sink.
 */
export function agentLog$<T extends SessionEventType = SessionEventType>(
  manager: Pick<SessionPool, "events$">,
  options: AgentLogFilter<T> = {},
): Observable<Extract<SessionEvent, { type: T }>> {
  const agents = options.agentId === undefined ? null : new Set([options.agentId].flat());
  const types = options.types === undefined ? null : new Set<string>(options.types);
  return manager.events$.pipe(
    filter(
      (event): event is Extract<SessionEvent, { type: T }> =>
        isSessionEvent(event) &&
        (agents === null || agents.has(event.agentId)) &&
        (types === null || types.has(event.type)),
    ),
  );
}
