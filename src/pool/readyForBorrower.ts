import { switchTo } from "../connection/switchTo.js";
import type { AcquireRequest } from "./acquireOptions.js";
import { connectionOf, type PooledLease } from "./PooledLease.js";

/**
 * A granted lease made ready for its borrower: the connection's sign-in renewed when it is (nearly)
 * expired, then the request's namespace/database applied, if it asks for one (the reset on return
 * switches back). The common lease needs neither and is returned as it is, with no promise in between.
 * A failure gives the connection up and rejects.
 */
export function readyForBorrower(
  lease: PooledLease,
  request: AcquireRequest,
  renewExpiring: (lease: PooledLease) => Promise<void>,
): PooledLease | Promise<PooledLease> {
  if (connectionOf(lease).raw!.auth?.due()) {
    return renewExpiring(lease).then(
      () => switchFor(lease, request),
      (error: unknown) => discardAndThrow(lease, error),
    );
  }
  return switchFor(lease, request);
}

function switchFor(lease: PooledLease, request: AcquireRequest): PooledLease | Promise<PooledLease> {
  if (request.namespace === undefined && request.database === undefined) return lease;
  const baseline = connectionOf(lease).raw!.baseline;
  return switchTo(lease.db, {
    namespace: request.namespace ?? baseline.namespace,
    database: request.database ?? baseline.database,
  }).then(
    () => lease,
    (error: unknown) => discardAndThrow(lease, error),
  );
}

async function discardAndThrow(lease: PooledLease, error: unknown): Promise<never> {
  await lease.discard();
  throw error;
}
