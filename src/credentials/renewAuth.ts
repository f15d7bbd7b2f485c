import type { RawConnection } from "../connection/Connector.js";
import { ConnectError } from "../errors/ConnectError.js";
import type { PoolEvent } from "../events/PoolEvent.js";
import { asError } from "../util/asError.js";
import { withDeadline } from "../util/withDeadline.js";

/** Which connection is being renewed, for the event. */
export interface RenewTarget {
  connectionId: string;
  endpoint: string;
  raw: RawConnection;
}

/**
 * Signs one connection in again within `timeoutMs`, publishing `auth.renewed` or `auth.failed`. A
 * refusal rejects with `AuthenticationFailedError` (never retried); the caller discards the connection.
 */
export async function renewAuth(
  target: RenewTarget,
  reason: "expiring" | "refused",
  timeoutMs: number,
  publish: (event: PoolEvent) => void,
): Promise<void> {
  const { connectionId, endpoint, raw } = target;
  const started = performance.now();
  try {
    await withDeadline(
      raw.renewAuth!(),
      timeoutMs,
      () =>
        new ConnectError(endpoint, `re-authenticating on ${endpoint} did not finish within ${timeoutMs} ms`),
    );
  } catch (error) {
    publish({ type: "auth.failed", ts: Date.now(), connectionId, endpoint, reason, error: asError(error) });
    throw error;
  }
  publish(authRenewed(target, reason, performance.now() - started));
}

/** The `auth.renewed` event of one connection's renewal (a lease's, or one a health ping made). */
export function authRenewed(
  target: { connectionId: string; endpoint: string },
  reason: "expiring" | "refused",
  durationMs: number,
): PoolEvent {
  const { connectionId, endpoint } = target;
  return { type: "auth.renewed", ts: Date.now(), connectionId, endpoint, reason, durationMs };
}
