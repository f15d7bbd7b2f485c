// The public API. The README's "API" section lists every name exported here, one line each, and
// test/readme/apiList.test.ts fails when the two differ. A type a user only meets inside another
// (an event's member, a field of a result) is not exported: narrow or index the exported one.

export type { Logger } from "./config/Logger.js";
export type {
  CircuitBreakerOptions,
  ConnectionManagerOptions,
  ConnectionMode,
  CredentialsOption,
  LiveConfig,
  LoadBalancingStrategy,
  PoolOptions,
  RetryPolicy,
  UsersConfig,
} from "./config/options.js";
export { PoolConfig } from "./config/PoolConfig.js";
export type { ResolvedConfig } from "./config/resolveConfig.js";
export type { BreakerStatus } from "./core/breaker/CircuitBreaker.js";
export type { AcquireOptions, ShutdownReport } from "./core/ConnectionPool.js";
export type { DashboardOptions, DashboardServer } from "./dashboard/serveDashboard.js";
export { AcquireAbortedError, isAcquireAbortedError } from "./errors/AcquireAbortedError.js";
export { AcquireTimeoutError, isAcquireTimeoutError } from "./errors/AcquireTimeoutError.js";
export { ArgumentError, isArgumentError } from "./errors/ArgumentError.js";
export {
  AuthenticationFailedError,
  isAuthenticationFailedError,
} from "./errors/AuthenticationFailedError.js";
export { CircuitOpenError, isCircuitOpenError } from "./errors/CircuitOpenError.js";
export {
  CommitOutcomeUnknownError,
  isCommitOutcomeUnknownError,
} from "./errors/CommitOutcomeUnknownError.js";
export { ConfigError, isConfigError } from "./errors/ConfigError.js";
export { ConnectError, isConnectError } from "./errors/ConnectError.js";
export { isLeaseReleasedError, LeaseReleasedError } from "./errors/LeaseReleasedError.js";
export { isMissingDependencyError, MissingDependencyError } from "./errors/MissingDependencyError.js";
export { isOperationTimeoutError, OperationTimeoutError } from "./errors/OperationTimeoutError.js";
export { isPoolClosedError, PoolClosedError } from "./errors/PoolClosedError.js";
export { isPoolSaturatedError, PoolSaturatedError } from "./errors/PoolSaturatedError.js";
export { isRetriesExhaustedError, RetriesExhaustedError } from "./errors/RetriesExhaustedError.js";
export { isSurrealPoolError, SurrealPoolError } from "./errors/SurrealPoolError.js";
export type { PoolEvent, PoolEventOf, PoolEventType } from "./events/PoolEvent.js";
export { isLiveError, LiveError } from "./live/LiveError.js";
export type { LiveNotification } from "./live/LiveNotification.js";
export type { LiveOptions } from "./live/LiveOptions.js";
export {
  ConnectionManager,
  type CreateOptions,
  type EventsObserver,
  type ExecuteOptions,
  type QueryOptions,
} from "./manager/ConnectionManager.js";
export type { EndpointMetrics } from "./observers/EndpointMetrics.js";
export type { HealthStatus } from "./observers/healthStatus.js";
export type { MetricsReading } from "./observers/MetricsFold.js";
export { foldMetrics, type Histogram, histogramQuantile, type MetricsSnapshot } from "./observers/metrics.js";
export type { OtelExport, OtelMeter, OtelOptions } from "./observers/otel.js";
export type { PoolMetrics } from "./observers/PoolMetrics.js";
export type { PrometheusRegistry } from "./observers/prometheus.js";
export type { HedgeOptions } from "./operations/hedge.js";
export * from "./session/index.js";
export type { PooledDb } from "./surreal/Connector.js";
export type { Lease } from "./surreal/lease/Lease.js";
export { isSyncError, SyncError } from "./sync/SyncError.js";
export type { SyncReport } from "./sync/SyncReport.js";
export type { TransactionOptions } from "./transaction/runTransaction.js";
export type { UserHandle } from "./users/EndUser.js";
export { isUserSessionsFullError, UserSessionsFullError } from "./users/errors/UserSessionsFullError.js";
export { isUserTransactionError, UserTransactionError } from "./users/errors/UserTransactionError.js";
export type { RecordAccessIdentity, TokenIdentity, UserIdentity } from "./users/UserIdentity.js";
export type { UserLease } from "./users/UserLease.js";
