export type {
  CircuitBreakerOptions,
  ConnectionManagerOptions,
  ConnectionMode,
  Credentials,
  CredentialsOption,
  HybridMode,
  LoadBalancingStrategy,
  LocalMode,
  PoolOptions,
  RemoteMode,
  RetryPolicy,
} from "./config/options.js";
export { PoolConfig } from "./config/PoolConfig.js";
export type { ResolvedConfig } from "./config/resolveConfig.js";
export type { PooledDb } from "./connection/Connector.js";
export { AcquireAbortedError, isAcquireAbortedError } from "./errors/AcquireAbortedError.js";
export { AcquireTimeoutError, isAcquireTimeoutError } from "./errors/AcquireTimeoutError.js";
export {
  AuthenticationFailedError,
  isAuthenticationFailedError,
} from "./errors/AuthenticationFailedError.js";
export { CircuitOpenError, isCircuitOpenError } from "./errors/CircuitOpenError.js";
export { ConfigError, type ConfigIssue, isConfigError } from "./errors/ConfigError.js";
export { ConnectError, isConnectError } from "./errors/ConnectError.js";
export { isLeaseReleasedError, LeaseReleasedError } from "./errors/LeaseReleasedError.js";
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
export type { EndpointHealth, HealthStatus } from "./observers/healthStatus.js";
export {
  foldMetrics,
  type Histogram,
  histogramQuantile,
  type MetricsSnapshot,
  reuseRatio,
  type SyncRemoteMetrics,
} from "./observers/metrics.js";
export type { PoolMetrics } from "./observers/PoolMetrics.js";
export { ConnectionManager, type ExecuteOptions } from "./pool/ConnectionManager.js";
export type { AbandonedLease, AcquireOptions, ShutdownReport } from "./pool/ConnectionPool.js";
export type { Lease } from "./pool/Lease.js";
export * from "./session/index.js";
export { isSyncError, SyncError, type SyncStage } from "./sync/SyncError.js";
export type * from "./sync/SyncEvent.js";
export type {
  RemoteSyncHealth,
  RemoteSyncResult,
  SyncHealth,
  SyncReport,
  UnsyncedRemote,
} from "./sync/SyncReport.js";
