import type { SurrealSession } from "surrealdb";
import type { SessionBaseline } from "./sessionDrift.js";

/** What a borrower gets as `lease.db`: an SDK session (embedded) or a whole SDK client (ws://). */
export type PooledDb = SurrealSession;

/** One open pooled unit, as a connector made it. */
export interface RawConnection {
  readonly db: PooledDb;
  /** Namespace, database and token every borrower starts with. */
  readonly baseline: SessionBaseline;
  /** Round trip that proves the unit answers; the machine puts a deadline on it. */
  ping(): Promise<void>;
  /** Put the unit back to the pool's namespace/database, variables and auth. `undo` says what changed. */
  reset(undo: readonly string[]): Promise<void>;
  close(): Promise<void>;
  /** Called at most once when the transport reports the unit dead (socket closed). */
  onBroken(listener: (error: Error) => void): void;
}

/** Opens pooled units against one endpoint. */
export interface Connector {
  /** The endpoint URL, as configured (used in events, logs and errors). */
  readonly endpoint: string;
  /** Opens one unit. Must honour `signal` by closing what it opened once aborted. */
  open(signal: AbortSignal): Promise<RawConnection>;
  /** Releases what the connector shares between units (an embedded engine). */
  dispose(): Promise<void>;
}
