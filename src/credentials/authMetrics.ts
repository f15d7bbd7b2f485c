import type { AuthEvent } from "../events/LeaseSessionEvent.js";

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

/** Folds one auth event into `t`, in place. */
export function applyAuthEvent(t: AuthTotals, e: AuthEvent): void {
  if (e.type === "auth.renewed") t.authRenewals++;
  else t.authFailures++;
}
