import type { SurrealSession } from "surrealdb";
import type { RawConnection } from "../surreal/Connector.js";
import { sessionDrift } from "../surreal/sessionDrift.js";
import type { HeldSession } from "./managerInternals.js";

/** What holds a session: a lease that can be ended from outside. */
interface Holder {
  cutOff(): Promise<void>;
}

/**
 * One of an agent's own SurrealDB sessions, in the agent's namespace/database, outside the pool's
 * sessions: held by one of the agent's leases at a time, and settled (what that lease changed undone)
 * before the next one gets it.
 */
export class OwnSession {
  readonly #held: HeldSession;
  readonly #raw: RawConnection;
  #broken = false;
  #closed = false;
  /** The lease holding it: cut off when the transport drops meanwhile. */
  #holder: Holder | undefined;

  constructor(held: HeldSession) {
    this.#held = held;
    const raw = held.unit;
    this.#raw = raw;
    raw.onBroken(() => {
      this.#broken = true;
      void this.#holder?.cutOff().catch(() => {});
    });
  }

  get db(): SurrealSession {
    return this.#raw.db;
  }

  /** Open and usable: its transport is up and nobody closed it. */
  get usable(): boolean {
    return !this.#broken && !this.#closed && this.#raw.db.isValid;
  }

  /**
   * A lease holds it now. If the transport drops meanwhile, the calls still running on it would never
   * settle: the lease is cut off (its calls fail, and a retry runs on a new session).
   */
  hold(lease: Holder): void {
    this.#holder = lease;
    // It dropped while the lease was being granted: nothing will tell the lease later.
    if (this.#broken) void lease.cutOff().catch(() => {});
  }

  /**
   * Its lease is over: undoes what the lease changed (dirty bits, no round trip when nothing changed).
   * False when it cannot serve another lease (broken, closed, or the reset failed). `changed`: false
   * when the lease's guard saw no call that changes session state, so there is nothing to read; then it
   * answers at once, without a promise (the usual return).
   */
  settle(changed = true): boolean | Promise<boolean> {
    this.#holder = undefined;
    if (!this.usable) return false;
    if (!changed) return true;
    const undo = sessionDrift(this.#raw.db, this.#raw.baseline);
    if (undo.length === 0) return true;
    return this.#raw.reset(undo).then(
      () => this.usable,
      () => false,
    );
  }

  /**
   * Detaches it (idempotent): its namespace/database, variables and auth go with it, and its place
   * under the endpoint's bound is free again.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#holder = undefined;
    await this.#held.close();
  }
}
