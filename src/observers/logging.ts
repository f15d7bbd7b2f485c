import type { Observable, Subscription } from "rxjs";
import type { Logger } from "../config/Logger.js";
import type { PoolEvent } from "../events/PoolEvent.js";

/**
 * Keys whose values never reach a log line, wherever a logged object carries them (a user's own
 * bindings included): credentials and tokens. Events and errors do not carry them either (tested);
 * this is the second line of defence.
 */
export const REDACTED_PATHS = [
  "password",
  "pass",
  "token",
  "access",
  "refresh",
  "credentials",
  "auth",
  "*.password",
  "*.pass",
  "*.token",
  "*.access",
  "*.refresh",
  "*.credentials",
  "*.auth",
];

/** Minimum gap between two "pool saturated" warnings, so a saturated pool does not flood the log. */
const SATURATION_WARN_INTERVAL_MS = 5_000;

/**
 * Logs the seed's log points from the event stream: connection create/destroy, health results,
 * retries, breaker changes, saturation, leaks, shutdown, end users' sessions refused or let go. Each
 * connection logs through a child logger that carries its endpoint and id. Subscribed only when the
 * user passes a logger.
 */
export function logEvents(events$: Observable<PoolEvent>, root: Logger): Subscription {
  const log = root.child(
    { component: "surreal-pool" },
    { redact: { paths: REDACTED_PATHS, censor: "[redacted]" } },
  );
  const children = new Map<string, Logger>();
  let lastSaturationWarn = Number.NEGATIVE_INFINITY;
  const connection = (id: string, endpoint: string) => {
    let child = children.get(id);
    if (!child) {
      child = log.child({ endpoint, connectionId: id });
      children.set(id, child);
    }
    return child;
  };

  return events$.subscribe({
    next(e) {
      switch (e.type) {
        case "connection.opened":
          connection(e.connectionId, e.endpoint).debug({ durationMs: e.durationMs }, "connection opened");
          break;
        case "connection.connectFailed":
          connection(e.connectionId, e.endpoint).warn({ err: e.error }, "connection failed to open");
          children.delete(e.connectionId);
          break;
        case "connection.validated":
          if (!e.ok && !e.cancelled)
            connection(e.connectionId, e.endpoint).warn({ err: e.error }, "health check failed");
          break;
        case "connection.reset":
          if (!e.ok && !e.cancelled)
            connection(e.connectionId, e.endpoint).warn({ err: e.error }, "session reset failed");
          break;
        case "connection.retiring":
          connection(e.connectionId, e.endpoint).debug({ reason: e.reason }, "connection retiring");
          break;
        case "connection.closed":
          connection(e.connectionId, e.endpoint).debug("connection closed");
          children.delete(e.connectionId);
          break;
        case "acquire.queued":
          if (e.ts - lastSaturationWarn >= SATURATION_WARN_INTERVAL_MS) {
            lastSaturationWarn = e.ts;
            log.warn({ waiting: e.waiting }, "pool saturated: acquires are waiting for a connection");
          }
          break;
        case "acquire.failed":
          if (e.reason === "timeout" || e.reason === "saturated" || e.reason === "unavailable") {
            log.warn({ err: e.error, reason: e.reason, waitMs: e.waitMs }, "acquire failed");
          }
          break;
        case "lease.leaked":
          connection(e.connectionId, e.endpoint).warn(
            { heldMs: Math.round(e.heldMs), acquiredAt: e.acquiredAt },
            "possible connection leak: lease held past leakDetectionThresholdMs",
          );
          break;
        case "operation.retried":
          log.info(
            { err: e.error, attempt: e.attempt, delayMs: Math.round(e.delayMs) },
            "retrying operation",
          );
          break;
        case "operation.failed":
          log.warn({ err: e.error, attempts: e.attempts }, "operation failed");
          break;
        case "breaker.transition":
          log[e.to === "open" ? "warn" : "info"](
            { endpoint: e.endpoint, from: e.from, to: e.to, failures: e.failures },
            `circuit breaker ${e.to}`,
          );
          break;
        case "transaction.retried":
          log.info(
            { err: e.error, attempt: e.attempt, delayMs: Math.round(e.delayMs) },
            "retrying transaction",
          );
          break;
        case "transaction.cancelled":
          if (e.reason === "abandoned") {
            connection(e.connectionId!, e.endpoint).warn(
              { count: e.count, err: e.error },
              "a lease was released with a transaction still open; the pool cancelled it",
            );
          }
          break;
        case "lease.callTimedOut":
          connection(e.connectionId, e.endpoint).warn(
            { method: e.method, timeoutMs: e.timeoutMs, heldMs: Math.round(e.heldMs) },
            "a call through a lease ran past queryTimeoutMs; its connection will be replaced",
          );
          break;
        case "auth.renewed":
          connection(e.connectionId, e.endpoint).debug({ reason: e.reason }, "re-authenticated");
          break;
        case "auth.failed":
          connection(e.connectionId, e.endpoint).warn(
            { err: e.error, reason: e.reason },
            "re-authentication failed; the connection is discarded",
          );
          break;
        // End users' sessions (`manager.as()`): `user` is the identity's short hash, never its secret.
        // A reuse is every call of a cached user and is not logged at all.
        case "user.session.opened":
          log.debug(
            { user: e.user, endpoint: e.endpoint, signedIn: e.signedIn, cached: e.cached },
            "end user's session opened",
          );
          break;
        case "user.session.evicted":
          // A refused or dropped session says something happened to the user; the others are the
          // cache's routine (room for another user, a token's exp, forget(), shutdown).
          log[e.reason === "refused" || e.reason === "dropped" ? "info" : "debug"](
            { user: e.user, reason: e.reason, cached: e.cached },
            "end user's session evicted",
          );
          break;
        case "user.session.refused":
          // The server's message only: the error's own fields and causes come from the SDK's call,
          // which is the one that carried the token or credentials.
          log.warn(
            { user: e.user, endpoint: e.endpoint, error: e.error.message },
            "the server refused an end user's token or credentials",
          );
          break;
        case "user.sockets":
          log.info(
            { endpoint: e.endpoint, reason: e.reason },
            "end users' sessions take a socket each on this endpoint",
          );
          break;
        case "pool.started":
          log.info({ mode: e.mode, endpoints: e.endpoints }, "pool started");
          break;
        case "pool.shutdown":
          if (e.phase === "closed" && e.abandoned > 0) {
            log.warn({ abandoned: e.abandoned }, "pool shut down with leases still held");
          } else log.info({ phase: e.phase }, `pool ${e.phase === "closed" ? "shut down" : "draining"}`);
          break;
        default:
          break;
      }
    },
    error(err) {
      log.error({ err }, "pool event stream failed");
    },
  });
}
