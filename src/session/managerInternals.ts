import type { HeldUnit } from "../core/HeldUnits.js";
import { ArgumentError } from "../errors/ArgumentError.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import type { RawConnection } from "../surreal/Connector.js";

/** An agent's own session, as its endpoint holds it. */
export type HeldSession = HeldUnit<RawConnection>;

/**
 * What the library's own parts (agent sessions, sync, dashboard) may reach inside a manager without
 * it being public API. Keyed by the manager object; nothing here is exported from the package.
 */
export interface ManagerInternals {
  publish(event: PoolEvent): void;
  /** The pool's state: agent sessions refuse new work once it is not "running". */
  state?(): "starting" | "running" | "draining" | "closed";
  /**
   * An acquire for the library's own work that must finish during shutdown (an agent's log flushing
   * while its session closes): served while the manager refuses every other acquire, until the drain.
   */
  acquireOwn?(options?: {
    namespace?: string;
    database?: string;
  }): Promise<import("../surreal/lease/PooledLease.js").PooledLease>;
  /**
   * Runs `hook` at the start of the manager's shutdown, before the pool drains (agent sessions close
   * there, so their logs flush while connections still exist). Returns a function that unregisters it.
   */
  beforeShutdown?(hook: (timeoutMs: number) => Promise<void>): () => void;
  /**
   * A SurrealDB session of its own for an agent, in `place`, on the pool's shared transport (not one of
   * the pool's sessions), held by its endpoint under the endpoint's bound; undefined when no endpoint
   * can give one now (every one at its bound, or a server without sessions).
   */
  openSession?(place: { namespace: string; database: string }): Promise<HeldSession> | undefined;
}

const registry = new WeakMap<object, ManagerInternals>();

export function registerInternals(manager: object, internals: ManagerInternals): void {
  registry.set(manager, internals);
}

export function internalsOf(manager: object): ManagerInternals {
  const internals = registry.get(manager);
  if (!internals) {
    throw new ArgumentError(
      "manager",
      "is not a surreal-pool ConnectionManager; pass the one ConnectionManager.create() returned",
    );
  }
  return internals;
}
