/** Events of `manager.live()` subscriptions and of live queries borrowers start on leases. */

interface LiveBase {
  ts: number;
  /** The subscription, unique within the manager. */
  subscriptionId: string;
}

/** The LIVE SELECT was registered (the first time, and after every resubscribe: see `live.resubscribed`). */
export interface LiveSubscribed extends LiveBase {
  type: "live.subscribed";
  endpoint: string;
  connectionId: string;
  /** The table, for a table subscription; undefined for LIVE SELECT text. */
  table: string | undefined;
}
/** The live query stopped delivering: its socket dropped, its keepalive ping missed its deadline, ... */
export interface LiveLost extends LiveBase {
  type: "live.lost";
  endpoint: string;
  connectionId: string;
  error: Error;
}
/** Registered again after a loss, back-fill included. */
export interface LiveResubscribed extends LiveBase {
  type: "live.resubscribed";
  endpoint: string;
  connectionId: string;
  /** From the loss to the first notification delivered after it could be. */
  durationMs: number;
  /** Changes read from the change feed and delivered (0 when there was none or a gap was put in). */
  backfilled: number;
  attempts: number;
}
/** A gap notification was put in the stream. */
export interface LiveGapEvent extends LiveBase {
  type: "live.gap";
  from: number;
  to: number;
  reason: string;
}
/** Notifications handed to the subscriber since the last such event (one per delivery batch). */
export interface LiveNotified extends LiveBase {
  type: "live.notified";
  count: number;
}
export type LiveKillReason = "unsubscribed" | "aborted" | "overflow" | "failed" | "shutdown" | "lease";
/** A live query was killed on the server (or, with reason "failed", given up on). */
export interface LiveKilled extends LiveBase {
  type: "live.killed";
  reason: LiveKillReason;
  /** It had been registered (a `live.subscribed` came before): the subscriptions gauge counts it down. */
  subscribed: boolean;
  /** For reason "lease": the connection whose borrower left live queries running. */
  connectionId?: string;
  /** For reason "lease": how many live queries of that borrower were killed. */
  count?: number;
  error?: Error;
}

export type LiveEvent =
  | LiveSubscribed
  | LiveLost
  | LiveResubscribed
  | LiveGapEvent
  | LiveNotified
  | LiveKilled;
