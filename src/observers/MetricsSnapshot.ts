import type { AuthTotals } from "../surreal/credentials/authMetrics.js";
import type { TransactionTotals } from "../transaction/transactionMetrics.js";
import type { Histogram } from "./Histogram.js";
import type { LiveTotals } from "./liveMetrics.js";
import type { SyncTotals } from "./syncMetrics.js";
import type { UserTotals } from "./userMetrics.js";

/**
 * Everything the pool counts. Every field is a fold over `events$` (replaying the events rebuilds it),
 * and every counter or gauge that an endpoint also has is the sum of the endpoints' numbers
 * (`metrics().byEndpoint()`): there is one fold, and this is its total. The `sync*` fields (hybrid
 * mode; zero and empty in the others) come from `SyncTotals`; the `transactions*` and `callTimeouts`
 * fields from `TransactionTotals`; `authRenewals` and `authFailures` from `AuthTotals`; the `live*`
 * fields from `LiveTotals`; the `user*` fields (end users' sessions, `manager.as()`) from `UserTotals`.
 */
export interface MetricsSnapshot extends SyncTotals, TransactionTotals, AuthTotals, LiveTotals, UserTotals {
  // --- the seed's counters ---
  connectionsCreated: number;
  connectionsReused: number;
  acquisitions: number;
  retries: number;
  successes: number;
  errors: number;
  healthChecksPassed: number;
  healthChecksFailed: number;
  // --- more counters ---
  acquireTimeouts: number;
  acquireAborts: number;
  /** Acquires refused: pool saturated (maxWaitingClients), closed, or no endpoint available. */
  acquireRejections: number;
  releases: number;
  connectionsClosed: number;
  connectFailures: number;
  resets: number;
  resetFailures: number;
  leaksDetected: number;
  breakerOpens: number;
  /** Hedged reads that started a second attempt. */
  hedges: number;
  /** Events folded, of every type. */
  events: number;
  // --- gauges ---
  /** Open connections (leased, idle, being checked, or closing). */
  size: number;
  /** Connections still connecting. */
  pending: number;
  inUse: number;
  /** Open connections neither leased, nor being checked or reset, nor closing. */
  idle: number;
  waiting: number;
  /** Pings and resets in flight. */
  checking: number;
  /** Connections closing. */
  retiring: number;
  /** Agent sessions created and not yet closed. */
  sessionsActive: number;
  // --- distributions ---
  acquireWaitMs: Histogram;
}
