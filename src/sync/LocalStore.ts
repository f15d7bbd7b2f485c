import type { SurrealSession } from "surrealdb";
import { classifyError } from "../errors/classifyError.js";
import type { Connector, RawConnection } from "../surreal/Connector.js";
import { bounded } from "./bounded.js";
import { deadlineSignal } from "./deadlineSignal.js";
import { SyncError } from "./SyncError.js";

const CONFLICT_ATTEMPTS = 5;

/**
 * The sync's own session of the local store, outside the pool's slots (it never takes a lease from
 * the application). Opened through the pool's connector, so an embedded store is the SAME engine the
 * pool serves (a second open of a `surrealkv://` directory would hang, and a second `mem://` would be
 * another, empty, datastore). Every request has a deadline; a session that failed at connection level
 * is dropped and reopened on next use.
 */
export class LocalStore {
  readonly #connector: Connector;
  readonly #timeoutMs: number;
  #raw: Promise<RawConnection> | undefined;
  #closed = false;

  constructor(connector: Connector, timeoutMs: number) {
    this.#connector = connector;
    this.#timeoutMs = timeoutMs;
  }

  get endpoint(): string {
    return this.#connector.endpoint;
  }

  /**
   * Runs `fn` on the session, bounded by the deadline. A transaction conflict (several remotes storing
   * their points at once, or the application writing the same keys) is tried again a few times.
   */
  async run<T>(what: string, fn: (db: SurrealSession) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (this.#closed)
        throw new SyncError("", "stopped", "the local store is closed (the manager shut down)");
      const raw = await this.#session();
      try {
        return await bounded(fn(raw.db), this.#timeoutMs, `${what} on the local store`);
      } catch (error) {
        const { category } = classifyError(error);
        if (category === "connection" || category === "timeout") this.#drop();
        if (category !== "conflict" || attempt >= CONFLICT_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  }

  #session(): Promise<RawConnection> {
    if (!this.#raw) {
      const deadline = deadlineSignal(this.#timeoutMs);
      const opening = this.#connector.open(deadline.signal);
      void opening.finally(deadline.clear).catch(() => {});
      this.#raw = opening;
      opening.then(
        (raw) => raw.onBroken(() => this.#raw === opening && this.#drop()),
        () => {
          if (this.#raw === opening) this.#raw = undefined;
        },
      );
    }
    return this.#raw;
  }

  #drop(): void {
    const raw = this.#raw;
    this.#raw = undefined;
    void raw?.then((r) => r.close()).catch(() => {});
  }

  /** Closes the session; later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const raw = this.#raw;
    this.#raw = undefined;
    if (raw)
      await bounded(
        raw.then((r) => r.close()),
        2_000,
        "closing",
      ).catch(() => {});
  }
}
