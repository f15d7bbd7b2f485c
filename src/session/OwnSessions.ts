import type { HeldSession } from "./managerInternals.js";
import { OwnSession } from "./OwnSession.js";

type Opener = () => Promise<HeldSession> | undefined;

/**
 * An agent's own SurrealDB sessions: one for each of its leases out at once, never shared, so no lease
 * sees another's namespace, variables or auth. Opened on demand on the pool's shared transport (at most
 * the agent's `maxConcurrentLeases`: a session is taken after the agent's fairness gate and given back
 * before it), kept settled for the agent's next leases, detached when the agent closes.
 */
export class OwnSessions {
  readonly #open: Opener;
  /** Settled sessions no lease holds, most recently used last. */
  readonly #idle: OwnSession[] = [];
  /** The session being opened, if any, so closing the agent detaches it too (most agents open one, once). */
  #opening: Promise<OwnSession> | undefined;
  #closed = false;

  constructor(open: Opener) {
    this.#open = open;
  }

  /**
   * A session for one lease only: an idle one at once when there is one (the usual acquire does not
   * await), else a new one; undefined when the pool cannot give one now (every endpoint at its bound,
   * a server without sessions): that lease switches a pooled session to the agent's namespace instead.
   */
  take(): OwnSession | Promise<OwnSession | undefined> | undefined {
    if (this.#closed) return undefined;
    for (let idle = this.#idle.pop(); idle; idle = this.#idle.pop()) {
      if (idle.usable) return idle;
      void idle.close();
    }
    return this.#openOne();
  }

  /**
   * Its lease is over. `tainted`: calls of the lease may still run on it (cut off, or past their
   * deadline), so it is detached rather than settled and handed to another lease. `changed`: see
   * `OwnSession.settle`. Undefined (no promise) when it was settled at once.
   */
  give(session: OwnSession, tainted: boolean, changed = true): Promise<void> | undefined {
    if (tainted || this.#closed) return session.close();
    const settled = session.settle(changed);
    if (settled === true) {
      this.#idle.push(session);
      return undefined;
    }
    if (settled === false) return session.close();
    return settled.then((ok) => {
      if (!ok || this.#closed) return session.close();
      this.#idle.push(session);
      return undefined;
    });
  }

  /** Detaches every session not held by a lease (held ones are detached when given back). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const sessions = this.#idle.splice(0);
    const opening = await this.#opening?.catch(() => undefined);
    if (opening) sessions.push(opening);
    await Promise.all(sessions.map((s) => s.close()));
  }

  async #openOne(): Promise<OwnSession | undefined> {
    const raw = this.#open();
    if (!raw) return undefined;
    // Only the latest open is remembered: an earlier one still opening is detached by its own check
    // of `#closed` below when it arrives.
    const opening = raw.then((r) => new OwnSession(r));
    this.#opening = opening;
    try {
      const session = await opening;
      if (this.#closed) {
        await session.close();
        return undefined;
      }
      return session;
    } finally {
      if (this.#opening === opening) this.#opening = undefined;
    }
  }
}
