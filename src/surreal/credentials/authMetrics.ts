import type { FoldCases } from "../../events/FoldCases.js";
import type { AuthEvent } from "../../events/LeaseSessionEvent.js";

/** The re-authentication counters of the snapshot: a fold of the `auth.*` events. */
export interface AuthTotals {
  /** Connections signed in again (before use as their sign-in neared expiry, or after a refusal). */
  authRenewals: number;
  /** Re-authentications that failed (refused credentials, a revoked user); each connection is discarded. */
  authFailures: number;
}

export function emptyAuthTotals(): AuthTotals {
  return { authRenewals: 0, authFailures: 0 };
}

/** The fold's cases of the `auth.*` events. */
export const AUTH_CASES: FoldCases<AuthTotals, AuthEvent> = {
  "auth.renewed": (t) => {
    t.authRenewals++;
  },
  "auth.failed": (t) => {
    t.authFailures++;
  },
};
