import type { ConnectionManager } from "../../src/manager/ConnectionManager.js";

/** The drill's breaker: three failures open it, and it probes again after 2 s. */
export const DRILL_BREAKER = { failureThreshold: 3, resetTimeoutMs: 2_000 };

/**
 * One round of `npm run dashboard -- --drill`: three operations fail at once with an injected
 * connection error (transient, so each counts against the breaker), which opens the breaker of a pool
 * using DRILL_BREAKER; the workload's own acquires then fail with long "endpoint is failing" errors
 * until it probes again.
 */
export function injectConnectionErrors(manager: ConnectionManager): void {
  const lost = () => Object.assign(new Error("connection reset (injected)"), { code: "ECONNRESET" });
  for (let i = 0; i < 3; i++) {
    void manager
      .executeWithRetry(
        async () => {
          throw lost();
        },
        { signal: AbortSignal.timeout(1_000) },
      )
      .catch(() => {});
  }
}
