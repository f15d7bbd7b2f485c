import type { SurrealSession } from "surrealdb";
import type { RawConnection } from "../connection/Connector.js";
import { sessionDrift } from "../connection/sessionDrift.js";

type Opener = () => Promise<RawConnection> | undefined;

/**
 * An agent session's own SurrealDB session: opened on first use in the agent's namespace/database (on
 * the pool's shared sockets, or the embedded engine), so an agent's lease never switches namespace. It
 * is opened again after its socket dropped or a reset failed; closing the agent detaches it.
 */
export class OwnSession {
  readonly #open: Opener;
  #raw: Promise<RawConnection> | undefined;
  /** What `#raw` resolved with, once it did: the usual acquire takes it without awaiting. */
  #opened: RawConnection | undefined;
  #broken = false;
  #closed = false;
  /** Told when the session's transport drops while the agent holds it. */
  #onBroken: () => void;

  constructor(open: Opener, onBroken: () => void) {
    this.#open = open;
    this.#onBroken = onBroken;
  }

  /** The session when it is open and usable now, without a wait; else undefined (ask `session()`). */
  ready(): SurrealSession | undefined {
    const raw = this.#opened;
    return raw && !this.#broken && !this.#closed && raw.db.isValid ? raw.db : undefined;
  }

  /**
   * The session, opened (again) when needed; undefined when the pool cannot give one (a server without
   * sessions), and then never asked again.
   */
  async session(): Promise<SurrealSession | undefined> {
    if (this.#closed) return undefined;
    const current = this.#raw ? await this.#raw.catch(() => undefined) : undefined;
    if (current && !this.#broken && current.db.isValid) return current.db;
    if (current) void current.close().catch(() => {});
    const opening = this.#open();
    if (!opening) {
      this.#closed = true; // no sessions here: the agent uses the pool's leases as they are
      return undefined;
    }
    this.#broken = false;
    this.#raw = opening;
    this.#opened = undefined;
    const raw = await opening.catch((error: unknown) => {
      this.#raw = undefined;
      throw error;
    });
    if (this.#raw === opening) this.#opened = raw;
    raw.onBroken(() => {
      if (this.#raw !== opening) return;
      this.#broken = true;
      this.#onBroken();
    });
    return raw.db;
  }

  /** Undoes what the agent's leases changed on it (dirty bits); a failed reset opens it anew next time. */
  async settle(): Promise<void> {
    const raw = this.#raw ? await this.#raw.catch(() => undefined) : undefined;
    if (!raw || this.#broken || !raw.db.isValid) return;
    const undo = sessionDrift(raw.db, raw.baseline);
    if (undo.length === 0) return;
    try {
      await raw.reset(undo);
    } catch {
      this.#broken = true;
    }
  }

  /** Detaches it (idempotent). */
  async close(): Promise<void> {
    this.#closed = true;
    const raw = this.#raw ? await this.#raw.catch(() => undefined) : undefined;
    this.#raw = undefined;
    this.#opened = undefined;
    await raw?.close().catch(() => {});
  }
}
