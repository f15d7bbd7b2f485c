import { MAX_TIMER_MS } from "../util/arguments.js";
import { SessionAcquireAbortedError } from "./errors/SessionAcquireAbortedError.js";
import { SessionAcquireTimeoutError } from "./errors/SessionAcquireTimeoutError.js";
import { LeaseGate } from "./LeaseGate.js";
import type { HeldSession } from "./managerInternals.js";
import type { OwnSession } from "./OwnSession.js";
import { OwnSessions } from "./OwnSessions.js";

/**
 * An agent's share of the pool: the slots of its fairness gate (at most `maxConcurrentLeases` of its
 * acquires at the pool at once) and, for each slot, a SurrealDB session of its own (its namespace set
 * once) when the pool can give one. A slot's session is taken after the gate and given back before
 * the slot, so the agent never holds more sessions than slots.
 */
export class AgentSlots {
  readonly gate: LeaseGate;
  /** Undefined when the manager cannot give sessions of their own (its leases then switch namespace). */
  readonly #sessions: OwnSessions | undefined;

  constructor(capacity: number, openSession: (() => Promise<HeldSession> | undefined) | undefined) {
    this.gate = new LeaseGate(capacity);
    this.#sessions = openSession && new OwnSessions(openSession);
  }

  /**
   * Takes a slot for one of agent `agentId`'s acquires: at once when one is free (undefined, no
   * promise), else in the agent's queue, FIFO, until `signal` fires or `timeoutMs` passes (typed errors).
   */
  enter(agentId: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<void> | undefined {
    if (this.gate.tryEnter()) return undefined;
    return this.gate.enter({
      signal,
      timeoutMs: Number.isFinite(timeoutMs) && timeoutMs <= MAX_TIMER_MS ? timeoutMs : undefined,
      onAbort: (reason) => new SessionAcquireAbortedError(agentId, reason),
      onTimeout: () => new SessionAcquireTimeoutError(agentId, timeoutMs, this.gate.capacity),
    });
  }

  /** A session of the agent's own for one lease, when the pool can give one now (see OwnSessions.take). */
  take(): OwnSession | Promise<OwnSession | undefined> | undefined {
    return this.#sessions?.take();
  }

  /**
   * A lease (or an acquire that failed) gives its slot back, and its session first. `tainted`: calls
   * may still run on that session, so it is detached rather than handed to the agent's next lease.
   * `changed`: the lease may have changed its session's state (see `OwnSession.settle`). Undefined (no
   * promise) when both are back at once, the usual return.
   */
  leave(own: OwnSession | undefined, tainted: boolean, changed = true): Promise<void> | undefined {
    const giving = own && this.#sessions!.give(own, tainted, changed);
    if (giving === undefined) {
      this.gate.leave();
      return undefined;
    }
    return giving.then(() => this.gate.leave());
  }

  /** Detaches the sessions no lease holds (the agent closed): its namespace, variables and auth go with them. */
  close(): Promise<void> {
    return this.#sessions?.close() ?? Promise.resolve();
  }
}
