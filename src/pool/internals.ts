import type { PoolEvent } from "../events/PoolEvent.js";

/**
 * What the library's own parts (agent sessions, sync, dashboard) may reach inside a manager without
 * it being public API. Keyed by the manager object; nothing here is exported from the package.
 */
export interface ManagerInternals {
  publish(event: PoolEvent): void;
  /**
   * Runs `hook` at the start of the manager's shutdown, before the pool drains (agent sessions close
   * there, so their logs flush while connections still exist). Returns a function that unregisters it.
   */
  beforeShutdown?(hook: (timeoutMs: number) => Promise<void>): () => void;
}

const registry = new WeakMap<object, ManagerInternals>();

export function registerInternals(manager: object, internals: ManagerInternals): void {
  registry.set(manager, internals);
}

export function internalsOf(manager: object): ManagerInternals {
  const internals = registry.get(manager);
  if (!internals) throw new TypeError("not a surreal-pool ConnectionManager");
  return internals;
}
