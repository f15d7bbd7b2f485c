import { type Actor, createActor, fromPromise, waitFor } from "xstate";
import { type AgentSessionEmitted, agentSessionMachine } from "../../machines/agentSession.machine.js";
import type { Logger } from "../config/Logger.js";
import type { SessionEvent } from "../events/SessionEvent.js";
import type { SessionCloseReport } from "./AgentSessionCalls.js";
import type { CloseSignal } from "./CloseSignal.js";
import { prepareDurableLog } from "./durableLog.js";
import { SessionClosedError } from "./errors/SessionClosedError.js";
import type { LeaseGate } from "./LeaseGate.js";
import type { ResolvedSessionOptions } from "./resolveSessionOptions.js";
import type { AgentSessionLease } from "./SessionLease.js";
import type { SessionPool } from "./SessionPool.js";
import type { SessionSetup } from "./sessionSetup.js";
import type { TransactionLog } from "./TransactionLog.js";
import type { TxLogSink } from "./TxLogSink.js";

/** What the agent session machine's effects do, for one session (the machine's `resource`). */
export interface SessionEffects {
  prepare(): Promise<void>;
  flushLog(): Promise<void>;
  abortQueuedAcquires(): void;
  releaseLeases(): void;
}

function effectsOf(holder: { resource?: unknown }): SessionEffects {
  return holder.resource as SessionEffects;
}

/**
 * The machine with its effects, provided once for every session: each effect calls the session's own
 * through the machine's `resource`.
 */
export const agentSessionLogic = agentSessionMachine.provide({
  actors: {
    prepare: fromPromise<void, { agentId: string; resource: unknown }>(({ input }) =>
      effectsOf(input).prepare(),
    ),
    flushLog: fromPromise<void, { agentId: string; resource: unknown }>(({ input }) =>
      effectsOf(input).flushLog(),
    ),
  },
  actions: {
    abortQueuedAcquires: ({ context }) => effectsOf(context).abortQueuedAcquires(),
    releaseLeases: ({ context }) => effectsOf(context).releaseLeases(),
  },
});

/** What one session's effects work on. */
export interface EffectParts {
  agentId: string;
  pool: SessionPool;
  options: ResolvedSessionOptions;
  /** Restored from a stored log (which it read already; a new one must not fork one). */
  restored: boolean;
  sink: TxLogSink | null;
  gate: LeaseGate;
  /** Aborts the agent's acquires waiting in the pool's queue. */
  closeSignal: CloseSignal;
  /** The agent's leases out now. */
  held: ReadonlySet<AgentSessionLease>;
  logger: Logger | undefined;
}

/**
 * One session's effects, as the machine calls them: methods, not closures, so a session holds one small
 * object for them.
 */
export class AgentSessionEffects implements SessionEffects {
  readonly #parts: EffectParts;

  constructor(parts: EffectParts) {
    this.#parts = parts;
  }

  async prepare(): Promise<void> {
    const { options, restored, pool, agentId } = this.#parts;
    if (options.sink && !restored) await prepareDurableLog(pool, options.sink, agentId);
  }

  async flushLog(): Promise<void> {
    await this.#parts.sink?.close();
  }

  abortQueuedAcquires(): void {
    const { agentId, gate, closeSignal } = this.#parts;
    const closed = new SessionClosedError(agentId, "acquire a connection", "closing");
    gate.rejectAll(closed);
    closeSignal.abort(closed);
  }

  releaseLeases(): void {
    const { held, logger } = this.#parts;
    // Runs again when a shutdown shortens the wait: only leases not yet released are news.
    const kept = [...held].filter((lease) => !lease.released);
    if (kept.length === 0) return;
    logger?.warn({ leases: kept.length }, "agent kept leases past closeTimeoutMs; releasing them");
    for (const lease of kept) {
      lease.forceRelease().catch((err: unknown) => logger?.error({ err }, "forced lease release failed"));
    }
  }
}

export interface AgentActorParts {
  setup: SessionSetup;
  /** Transactions the restored log left pending. */
  pendingTransactions: number;
  effects: EffectParts;
  /** Every event the machine emits, stamped, goes here (the session's `events$`). */
  publish(event: SessionEvent): void;
  /** The machine reached its final state. */
  completed(): void;
}

/** One session's machine, started: its emitted events published, its end reported. */
export function startAgentSessionActor(parts: AgentActorParts): Actor<typeof agentSessionLogic> {
  const { setup, effects } = parts;
  const { agentId, place, options } = setup;
  const actor = createActor(agentSessionLogic, {
    id: `agentSession:${agentId}`,
    input: {
      agentId,
      namespace: place.namespace,
      database: place.database,
      closeTimeoutMs: options.closeTimeoutMs,
      restoredEvents: setup.restored.length,
      pendingTransactions: parts.pendingTransactions,
      resource: new AgentSessionEffects(effects),
    },
    ...(setup.inspect ? { inspect: setup.inspect } : {}),
  });
  actor.on("*", (event: AgentSessionEmitted) =>
    parts.publish({ ...event, ts: options.now() } as SessionEvent),
  );
  actor.subscribe({
    complete: parts.completed,
    error: (error) => effects.logger?.error({ err: error }, "agent session machine crashed"),
  });
  actor.start();
  return actor;
}

/**
 * What a close reports, once the machine is done: its own sessions are detached first (`detach`), and a
 * failed close (the log could not be made durable) rejects with the machine's error.
 */
export async function closeReport(
  actor: Actor<typeof agentSessionLogic>,
  log: TransactionLog,
  detach: () => Promise<void>,
): Promise<SessionCloseReport> {
  const snapshot = await waitFor(actor, (s) => s.status !== "active");
  await detach();
  if (snapshot.matches("failed")) throw snapshot.context.error ?? new Error("agent session failed to close");
  return {
    agentId: snapshot.context.agentId,
    forcedReleases: snapshot.context.forcedReleases,
    pendingTransactions: snapshot.context.pendingTransactions,
    logEvents: log.lastSeq,
  };
}
