// The model and the real system of the agent-session properties: a live manager (mem://, 4 connections)
// and up to three agent sessions, each allowed 2 leases at once.
import { type AgentSession, ConnectionManager, type SessionLease } from "../../../src/index.js";
import { troubleSince } from "../trouble.js";

export const POOL_SIZE = 4;
export const PER_SESSION = 2;
export const SESSION_TIMEOUT_MS = 150;

export interface SessionModel {
  sessions: { open: boolean; held: number; txs: ("recorded" | "committed" | "aborted")[] }[];
  shutdown: boolean;
}

export interface SessionReal {
  manager: ConnectionManager;
  sessions: AgentSession[];
  held: SessionLease[][];
  released: SessionLease[];
  txIds: string[][];
}

export async function createSessionWorld(): Promise<{ model: SessionModel; real: SessionReal }> {
  const manager = await ConnectionManager.create({
    // The sessions' own acquireTimeoutMs bounds their waits; this also bounds opening the engine.
    pool: { minConnections: 1, maxConnections: POOL_SIZE, connectionTimeoutMs: 2_000 },
  });
  return {
    model: { sessions: [], shutdown: false },
    real: { manager, sessions: [], held: [], released: [], txIds: [] },
  };
}

export const heldInTotal = (m: SessionModel) => m.sessions.reduce((n, s) => n + s.held, 0);

/** Each session's and the pool's counts agree with the model. */
export function assertConsistent(m: SessionModel, r: SessionReal, after: string): void {
  const problems: string[] = [];
  m.sessions.forEach((s, i) => {
    const session = r.sessions[i]!;
    if (session.activeLeases !== s.held)
      problems.push(`session ${i} activeLeases ${session.activeLeases}, expected ${s.held}`);
    if (session.queuedAcquires !== 0) problems.push(`session ${i} queuedAcquires ${session.queuedAcquires}`);
  });
  if (!m.shutdown) {
    const h = r.manager.healthStatus();
    if (h.inUse !== heldInTotal(m)) problems.push(`pool inUse ${h.inUse}, expected ${heldInTotal(m)}`);
    if (h.waiting !== 0) problems.push(`pool waiting ${h.waiting}`);
  }
  if (problems.length > 0) throw new Error(`${after}: ${problems.join(", ")}`);
}

export async function finishSessions(m: SessionModel, r: SessionReal, mark: number): Promise<void> {
  for (const [i, leases] of r.held.entries()) {
    for (const lease of leases.splice(0)) await lease.release();
    if (m.sessions[i]) m.sessions[i]!.held = 0;
  }
  assertConsistent(m, r, "after releasing every lease");
  await r.manager.shutdown({ timeoutMs: 1_000 });
  await new Promise((resolve) => setTimeout(resolve, SESSION_TIMEOUT_MS + 50));
  const trouble = troubleSince(mark);
  if (trouble.length > 0) throw new Error(`escaped: ${trouble.join("; ")}`);
}
