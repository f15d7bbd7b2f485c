import type { SurrealSession } from "surrealdb";

/** The state a pooled unit must be in when the next borrower gets it. */
export interface SessionBaseline {
  namespace: string;
  database: string;
  /** The access token the pool signed in with, or undefined when it did not sign in. */
  accessToken: string | undefined;
}

/**
 * What a borrower changed on a session, read from the SDK's own record of its session state (the SDK
 * keeps namespace, database, parameters and token locally). Costs a few property reads, so a clean
 * return needs no round trip: resetting every session on every return would halve throughput (FACTS).
 * Returns an empty array when nothing changed.
 */
export function sessionDrift(db: SurrealSession, baseline: SessionBaseline): string[] {
  const undo: string[] = [];
  if (db.namespace !== baseline.namespace || db.database !== baseline.database) undo.push("use");
  for (const _ in db.parameters) {
    undo.push("vars");
    break;
  }
  if (db.accessToken !== baseline.accessToken) undo.push("auth");
  return undo;
}
