// The model and the real system of the lease-misuse properties: a live manager on an embedded mem://
// store with a small pool, and what the model expects of it (leases held, shut down or not).
import { ConnectionManager, type Lease } from "../../../src/index.js";
import { type Outcome, show } from "../outcome.js";
import { troubleSince } from "../trouble.js";

export const MAX_CONNECTIONS = 3;
/** Short, so an acquire on a full pool times out quickly (the timeout is then the expected outcome). */
export const ACQUIRE_TIMEOUT_MS = 150;
/** The pool's own acquire wait, for acquires that give no timeoutMs. */
export const POOL_TIMEOUT_MS = 2_000;

export interface LeaseModel {
  held: number;
  shutdown: boolean;
}

export interface LeaseReal {
  manager: ConnectionManager;
  held: Lease[];
  released: Lease[];
}

export async function createLeaseWorld(): Promise<{ model: LeaseModel; real: LeaseReal }> {
  const manager = await ConnectionManager.create({
    pool: {
      minConnections: 1,
      maxConnections: MAX_CONNECTIONS,
      // Also bounds opening the engine, which takes longer than an acquire's short wait on a busy machine.
      connectionTimeoutMs: POOL_TIMEOUT_MS,
      retryPolicy: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 5, multiplier: 2 },
    },
  });
  return { model: { held: 0, shutdown: false }, real: { manager, held: [], released: [] } };
}

/** The pool's own counts agree with the model: nothing leaked, nothing left waiting. */
export function assertConsistent(model: LeaseModel, real: LeaseReal, after: string): void {
  const h = real.manager.healthStatus();
  if (model.shutdown) {
    if (h.state === "running") throw new Error(`${after}: still running after shutdown()`);
    return;
  }
  const problems: string[] = [];
  if (h.inUse !== model.held) problems.push(`inUse ${h.inUse}, expected ${model.held}`);
  if (h.waiting !== 0) problems.push(`waiting ${h.waiting}, expected 0`);
  if (h.poolSize > MAX_CONNECTIONS) problems.push(`poolSize ${h.poolSize} > max ${MAX_CONNECTIONS}`);
  if (h.availableConnections + h.inUse > h.poolSize) {
    problems.push(`available ${h.availableConnections} + inUse ${h.inUse} > poolSize ${h.poolSize}`);
  }
  if (problems.length > 0) throw new Error(`${after}: ${problems.join(", ")}`);
}

/**
 * As assertConsistent, once the pool has had `withinMs` to catch up: a hedged call resolves with the first
 * answer while the other attempt still holds its lease until it finishes (README, "hedged reads").
 */
export async function assertConsistentSoon(
  model: LeaseModel,
  real: LeaseReal,
  after: string,
  withinMs = 2_000,
): Promise<void> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    try {
      assertConsistent(model, real, after);
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

export function expectOutcome(ok: boolean, what: string, outcome: Outcome): void {
  if (!ok) throw new Error(`${what}: ${show(outcome)}`);
}

/** Ends a run: returns every held lease, checks nothing leaked, shuts down, checks nothing escaped. */
export async function finish(model: LeaseModel, real: LeaseReal, mark: number): Promise<void> {
  for (const lease of real.held.splice(0)) await lease.release();
  model.held = 0;
  assertConsistent(model, real, "after releasing every lease");
  await real.manager.shutdown({ timeoutMs: 1_000 });
  // Timers the run armed (acquire timeouts) fire by now; anything they throw shows up.
  await new Promise((resolve) => setTimeout(resolve, ACQUIRE_TIMEOUT_MS + 50));
  const trouble = troubleSince(mark);
  if (trouble.length > 0) throw new Error(`escaped: ${trouble.join("; ")}`);
}
