/**
 * What the core knows of a pooled unit and of what opens units: enough to open, check, reset, close
 * and watch them. What a unit is (a SurrealDB session on a shared socket, a session of an embedded
 * engine, a socket of its own) is the SurrealDB layer's business, behind these interfaces.
 */

/** One open pooled unit. */
export interface Unit {
  /** Round trip that proves the unit answers; the machine puts a deadline on it. */
  ping(): Promise<void>;
  /** Puts the unit back as every borrower starts with it. `undo` says what changed. */
  reset(undo: readonly string[]): Promise<void>;
  close(): Promise<void>;
  /** Called at most once when the transport reports the unit dead (socket closed). */
  onBroken(listener: (error: Error) => void): void;
}

/** Opens pooled units against one endpoint. */
export interface UnitSource {
  /** The endpoint URL, as configured (used in events, logs and errors). */
  readonly endpoint: string;
  /** Opens one unit. Must honour `signal` by closing what it opened once aborted. */
  open(signal: AbortSignal): Promise<Unit>;
  /**
   * True when `dispose()` must wait for calls a lease gave up on that still run on its units: an
   * in-process engine must not close under a running query. Socket connectors dispose at once (a call
   * stuck on a silent socket would otherwise keep its socket, and the process, alive).
   */
  readonly disposeAfterCalls?: boolean;
  /**
   * Checks many of its units with one round trip, when they share one (sessions of an in-process
   * engine cannot fail one by one: there is no transport between them). Resolves with each unit's
   * verdict, in order: undefined when it is fine. Absent: each unit is pinged on its own.
   */
  pingAll?(units: readonly Unit[]): Promise<(Error | undefined)[]>;
  /** Releases what the source shares between units (an embedded engine, shared sockets). */
  dispose(): Promise<void>;
}
