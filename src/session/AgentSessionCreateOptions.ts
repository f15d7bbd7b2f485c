import type { AgentSessionOptions } from "./AgentSessionOptions.js";
import type { SessionPool } from "./SessionPool.js";

/** What `AgentSession.create({ ... })` takes: who the agent is, whose pool, where it works, and how. */
export interface AgentSessionCreateOptions extends AgentSessionOptions {
  /** The agent's id: one open session per id on a manager, and the key of its log. */
  id: string;
  /** The `ConnectionManager` whose pool the agent shares. */
  manager: SessionPool;
  /** The namespace the agent works in (its sessions are switched to it once). */
  namespace: string;
  /** The database it works in. Default: the manager's. */
  database?: string;
}

/** Every key `AgentSession.create({ ... })` knows: any other is refused, so a misspelt one is not ignored. */
export const CREATE_OPTION_KEYS: ReadonlySet<string> = new Set<keyof AgentSessionCreateOptions>([
  "id",
  "manager",
  "namespace",
  "database",
  "maxConcurrentLeases",
  "closeTimeoutMs",
  "acquireTimeoutMs",
  "sink",
  "now",
  "inspect",
  "logger",
]);
