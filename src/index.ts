export type { LogFn, Logger, LoggerChildOptions } from "./config/Logger.js";
export type {
  CircuitBreakerOptions,
  ConnectionManagerOptions,
  ConnectionMode,
  Credentials,
  CredentialsOption,
  HybridMode,
  LiveConfig,
  LoadBalancingStrategy,
  LocalMode,
  PoolOptions,
  RemoteMode,
  RetryPolicy,
  TokenCredentials,
} from "./config/options.js";
export { PoolConfig } from "./config/PoolConfig.js";
export type { ResolvedConfig } from "./config/resolveConfig.js";
export type { PooledDb } from "./connection/Connector.js";
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
export { ConfigError, type ConfigIssue, isConfigError } from "./errors/ConfigError.js";
export { ConnectError, isConnectError } from "./errors/ConnectError.js";
export { isLeaseReleasedError, LeaseReleasedError } from "./errors/LeaseReleasedError.js";
export { isMissingDependencyError, MissingDependencyError } from "./errors/MissingDependencyError.js";
export { isOperationTimeoutError, OperationTimeoutError } from "./errors/OperationTimeoutError.js";
export { isPoolClosedError, PoolClosedError } from "./errors/PoolClosedError.js";
export { isPoolSaturatedError, PoolSaturatedError } from "./errors/PoolSaturatedError.js";
export { isRetriesExhaustedError, RetriesExhaustedError } from "./errors/RetriesExhaustedError.js";
export {
  isSurrealPoolError,
  SurrealPoolError,
  type SurrealPoolErrorCode,
} from "./errors/SurrealPoolError.js";
export type * from "./events/PoolEvent.js";
export type * from "./events/SyncEvent.js";
export { isLiveError, LiveError, type LiveFailure } from "./live/LiveError.js";
export type * from "./live/LiveEvent.js";
export type { LiveAction, LiveChange, LiveGap, LiveNotification } from "./live/LiveNotification.js";
export type { LiveOptions } from "./live/LiveOptions.js";
export type { LiveHealth } from "./live/LiveRoom.js";
export type { EndpointMetrics } from "./observers/EndpointMetrics.js";
export type { EndpointHealth, HealthStatus } from "./observers/healthStatus.js";
export type { AcquireFailureReason, MetricsReading } from "./observers/MetricsFold.js";
export {
  foldMetrics,
  type Histogram,
  histogramQuantile,
  type MetricsSnapshot,
  reuseRatio,
  type SyncRemoteMetrics,
} from "./observers/metrics.js";
export type { OtelExport, OtelMeter, OtelOptions } from "./observers/otel.js";
export type { PoolMetrics } from "./observers/PoolMetrics.js";
export type { PrometheusRegistry } from "./observers/prometheus.js";
export {
  ConnectionManager,
  type CreateOptions,
  type EventsObserver,
  type ExecuteOptions,
  type QueryOptions,
} from "./pool/ConnectionManager.js";
export type { AbandonedLease, AcquireOptions, ShutdownReport } from "./pool/ConnectionPool.js";
export type { Lease } from "./pool/Lease.js";
export * from "./session/index.js";
export { isSyncError, SyncError, type SyncStage } from "./sync/SyncError.js";
export type {
  RemoteSyncHealth,
  RemoteSyncResult,
  SyncHealth,
  SyncReport,
  UnsyncedRemote,
} from "./sync/SyncReport.js";
export type { TransactionOptions } from "./transaction/runTransaction.js";
