import { ConnectError } from "../../errors/ConnectError.js";
import type { AuthRenewed } from "../../events/LeaseSessionEvent.js";
import type { PoolEvent } from "../../events/PoolEvent.js";
import { asError } from "../../util/asError.js";
import { withDeadline } from "../../util/withDeadline.js";
import type { RawConnection } from "../Connector.js";

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

/**
 * The `auth.renewed` event of one renewal: a lease's, one a health ping made, or one of a shared
 * socket's default session (whose `connectionId` is the socket's id).
 */
export function authRenewed(
  target: { connectionId: string; endpoint: string },
  reason: "expiring" | "refused",
  durationMs: number,
): AuthRenewed {
  const { connectionId, endpoint } = target;
  return { type: "auth.renewed", ts: Date.now(), connectionId, endpoint, reason, durationMs };
}
