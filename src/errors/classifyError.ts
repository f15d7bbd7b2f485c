import { isRetryableConflict } from "surrealdb";
import { isSurrealPoolError } from "./SurrealPoolError.js";

/**
 * Which errors are worth another attempt. Transient: the connection dropped or was refused, a deadline
 * passed, the endpoint or pool refused for now, or a transaction lost a write race. Never transient: the
 * server answered with a definitive error (parse, validation, permission, not found, already exists,
 * THROW), our own configuration or credentials are wrong, or the caller aborted. Unknown errors are not
 * retried: retrying a write we do not understand could apply it twice.
 *
 * SurrealDB SDK errors are recognised by their `name`, `kind` and `details` rather than `instanceof`,
 * so an SDK copy from another bundle (ESM next to CJS) is classified the same way.
 */

/** The family an error falls into; the first four are transient. */
export type ErrorCategory =
  | "connection" // the connection dropped, was refused, or is not there: another one may work
  | "timeout" // a network, acquire or query deadline passed: the next try may be faster
  | "unavailable" // refused for now (circuit open, pool saturated): another endpoint or a later try may answer
  | "conflict" // a transaction lost a write race: a rerun can succeed
  | "rejected" // the server answered with a definitive error: the same request gets the same answer
  | "config" // our configuration, credentials or usage is wrong: a retry cannot fix it
  | "aborted" // the caller gave up: retrying would ignore the caller
  | "exhausted" // retries already ran out below us: retrying again would multiply the attempts
  | "indeterminate" // a write may have been applied (a commit whose answer never came): a rerun could repeat it
  | "unknown"; // not recognised: never retried blindly

/** The verdict on one error. */
export interface Transience {
  transient: boolean;
  category: ErrorCategory;
  /** Why, in words, for logs and `describeTransience`. */
  reason: string;
}

const TRANSIENT_CATEGORIES: ReadonlySet<ErrorCategory> = new Set([
  "connection",
  "timeout",
  "unavailable",
  "conflict",
]);

/** Node.js and undici socket error codes that mean the connection failed, not the request. */
const CONNECTION_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ENOTCONN",
  "ENETDOWN",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EHOSTUNREACH",
  "EAI_AGAIN", // DNS lookup failed for now (ENOTFOUND, a name that does not exist, is left out)
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);
const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** HTTP statuses that mean "not now" rather than "not this request". */
const TRANSIENT_HTTP_STATUSES: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);

/** The legacy JSON-RPC code of a transaction conflict (SurrealDB 3.1+). */
const CONFLICT_RPC_CODE = -32009;

/** Older servers report conflicts only in words; the SDK documents matching them by message. */
const CONFLICT_MESSAGE = /read or write conflict|transaction conflict|can be retried/i;

/** The brand every SDK `ServerError` carries, so it is recognised across bundles (ESM next to CJS). */
const SERVER_ERROR_SYMBOL = Symbol.for("surrealdb.ServerError");
const MAX_CAUSE_DEPTH = 8;

type Fields = {
  name?: unknown;
  code?: unknown;
  kind?: unknown;
  details?: unknown;
  message?: unknown;
  status?: unknown;
  cause?: unknown;
};

const verdict = (category: ErrorCategory, reason: string): Transience => ({
  transient: TRANSIENT_CATEGORIES.has(category),
  category,
  reason,
});

/** Classifies an error: transient or not, its family, and why. Pure. */
export function classifyError(error: unknown): Transience {
  try {
    return classify(error, 0);
  } catch {
    // Something thrown whose fields throw when read: nothing can be said of it, so it is never retried.
    return verdict("unknown", "a thrown value whose fields cannot be read; not retried");
  }
}

/** The SurrealDB server answered with an error of its own (`ServerError` or a subclass), any kind. */
export function isServerError(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as Record<symbol, unknown>)[SERVER_ERROR_SYMBOL] === true
  );
}

/**
 * The server refused: it answered, and the answer is definitive (e.g. `NotAllowed` for invalid
 * credentials), not one worth another attempt (a conflict, a server-side timeout).
 */
export function isRefusal(error: unknown): boolean {
  return isServerError(error) && !classifyError(error).transient;
}

/** True when another attempt (on this connection, another one, or another endpoint) may succeed. */
export function isTransient(error: unknown): boolean {
  return classifyError(error).transient;
}

/** One line saying whether and why an error is transient, e.g. for a log entry. */
export function describeTransience(error: unknown): string {
  const { transient, category, reason } = classifyError(error);
  return `${transient ? "transient" : "not transient"} (${category}): ${reason}`;
}

function classify(error: unknown, depth: number): Transience {
  if (typeof error !== "object" || error === null) {
    return verdict("unknown", `a thrown ${error === null ? "null" : typeof error}, not an error object`);
  }
  const e = error as Fields;
  return (
    ownError(error, depth) ??
    abortError(e) ??
    serverError(error, e) ??
    sdkClientError(e, depth) ??
    socketError(e) ??
    causeOf(e, depth) ??
    verdict(
      "unknown",
      `unrecognised error${typeof e.name === "string" ? ` ${e.name}` : ""}; not retried blindly`,
    )
  );
}

/** Errors of this library, by their stable code. */
function ownError(error: unknown, depth: number): Transience | undefined {
  if (!isSurrealPoolError(error)) return undefined;
  switch (error.code) {
    case "CIRCUIT_OPEN":
      return verdict(
        "unavailable",
        "the endpoint's circuit is open; another endpoint or a later try may answer",
      );
    case "ACQUIRE_TIMEOUT": {
      // The pool could not connect, and its last connect error (the cause) is one no retry can fix
      // (refused credentials, a bad URL): waiting again would only repeat the same timeout.
      const cause = error.cause === undefined ? undefined : classify(error.cause, depth + 1);
      if (cause && !cause.transient && cause.category !== "unknown") return cause;
      return verdict("timeout", "no connection was free in time; one may be free on the next try");
    }
    case "OPERATION_TIMEOUT":
      return verdict("timeout", "an attempt ran past its deadline; its connection was replaced");
    case "POOL_SATURATED":
      return verdict("unavailable", "the pool's wait queue was full; it may have room on the next try");
    case "CONNECT_FAILED": {
      // A connect failure is transient unless its cause says otherwise (bad credentials, bad URL).
      const cause = error.cause === undefined ? undefined : classify(error.cause, depth + 1);
      if (cause && !cause.transient && cause.category !== "unknown") return cause;
      return verdict("connection", "opening a connection failed; the endpoint may be back on the next try");
    }
    case "ACQUIRE_ABORTED":
      return verdict("aborted", "the acquire was aborted by the caller");
    case "RETRIES_EXHAUSTED":
      return verdict("exhausted", "retries already ran out for this operation");
    case "COMMIT_OUTCOME_UNKNOWN":
      return verdict(
        "indeterminate",
        "a commit was sent and may have been applied; running it again could apply it twice",
      );
    case "CONFIG_INVALID":
      return verdict("config", "the pool's options are invalid");
    case "USER_TRANSACTION_UNSAFE":
      return verdict("rejected", "the server drops an end user's sign-in inside RPC transactions");
    case "AUTHENTICATION_FAILED":
      return verdict("config", "the credentials were refused");
    case "POOL_CLOSED":
      return verdict("config", "the pool is shut down");
    case "LEASE_RELEASED":
      // A lease whose connection broke under it: another connection may work. Used after release: a bug.
      return (error as { reason?: string }).reason === "broken"
        ? verdict("connection", "the lease's connection broke; another connection may work")
        : verdict("config", "the connection was used after its lease was released");
    case "INVALID_ARGUMENT":
      return verdict("config", "a function was called with an argument it cannot use");
    case "SESSION_CLOSED":
      return verdict("config", "the agent session is closed");
    default:
      return (
        causeOf(error as Fields, depth) ?? verdict("unknown", `surreal-pool error ${error.code}; not retried`)
      );
  }
}

function abortError(e: Fields): Transience | undefined {
  if (e.name === "AbortError") return verdict("aborted", "the operation was aborted by the caller");
  // AbortSignal.timeout() rejects with a TimeoutError: a per-attempt deadline, worth another try. The
  // caller's own overall deadline is enforced by retry() before it asks this function.
  if (e.name === "TimeoutError") return verdict("timeout", "an attempt's deadline passed");
  return undefined;
}

/** Errors the SurrealDB server sent back (`ServerError` and its subclasses): judged by `kind`/`details`. */
function serverError(error: unknown, e: Fields): Transience | undefined {
  if (!isServerError(error) && !(error instanceof Error && typeof e.kind === "string")) return undefined;
  if (isRetryableConflict(error) || isConflict(e)) {
    return verdict("conflict", "a concurrent transaction wrote the same data; a rerun can succeed");
  }
  const detail = detailKind(e);
  switch (e.kind) {
    case "Query":
      if (detail === "TimedOut") return verdict("timeout", "the query exceeded its server-side timeout");
      if (detail === "Cancelled") return verdict("aborted", "the query was cancelled");
      if (detail === "NotExecuted") {
        return verdict(
          "rejected",
          "the query was not executed because another statement in its batch failed",
        );
      }
      return verdict("rejected", "the query failed on the server");
    case "Connection":
      if (detail === "AlreadyConnected") return verdict("config", "the connection was already connected");
      return verdict("connection", "the server reported the connection as not ready");
    case "Validation":
      return verdict(
        "rejected",
        detail === "Parse" || /parse error/i.test(String(e.message))
          ? "the query does not parse"
          : "invalid request",
      );
    case "NotAllowed":
      return verdict("rejected", "permission denied");
    case "NotFound":
      return verdict("rejected", "not found (table, record, namespace or database)");
    case "AlreadyExists":
      return verdict("rejected", "already exists");
    case "Thrown":
      return verdict("rejected", "the query THREW an error");
    case "Serialization":
      return verdict("rejected", "a value could not be (de)serialised");
    case "Configuration":
      return verdict("config", "the server's configuration does not support this request");
    default:
      return verdict("rejected", `the server answered with a ${String(e.kind)} error; not retried blindly`);
  }
}

function detailKind(e: Fields): string | undefined {
  const details = e.details as { kind?: unknown } | undefined;
  return typeof details?.kind === "string" ? details.kind : undefined;
}

/** A conflict anywhere in a server error's cause chain (structured first, then older servers' wording). */
function isConflict(e: Fields): boolean {
  let current: Fields | undefined = e;
  for (let depth = 0; current && depth < MAX_CAUSE_DEPTH; depth++) {
    if (detailKind(current) === "TransactionConflict" || current.code === CONFLICT_RPC_CODE) return true;
    // Words only count where a conflict can appear: not in a THROW message or a parse error's echo.
    const vague = current.kind === "Internal" || current.kind === "Query" || current.kind === undefined;
    if (vague && typeof current.message === "string" && CONFLICT_MESSAGE.test(current.message)) return true;
    current =
      typeof current.cause === "object" && current.cause !== null ? (current.cause as Fields) : undefined;
  }
  return false;
}

/** Errors the SurrealDB SDK raises on the client side, by class name. */
function sdkClientError(e: Fields, depth: number): Transience | undefined {
  switch (e.name) {
    case "ConnectionUnavailableError":
      return verdict("connection", "the SDK is not connected");
    case "CallTerminatedError":
      return verdict("connection", "the connection closed while the call was in flight");
    case "UnexpectedConnectionError":
      return verdict("connection", "the connection failed unexpectedly");
    case "ReconnectExhaustionError":
    case "ReconnectIterationError":
      return verdict("connection", "the SDK gave up reconnecting; another connection may work");
    case "HttpConnectionError": {
      const status = typeof e.status === "number" ? e.status : 0;
      return TRANSIENT_HTTP_STATUSES.has(status)
        ? verdict("unavailable", `the endpoint answered HTTP ${status}`)
        : verdict("rejected", `the endpoint answered HTTP ${status}`);
    }
    case "AuthenticationError": {
      // The SDK wraps whatever stopped a (re-)authentication: a socket that dropped mid-sign-in is a
      // connection failure worth another try, only a refusal is about the credentials.
      const cause = causeOf(e, depth);
      if (cause?.transient) return { ...cause, reason: `authentication did not finish: ${cause.reason}` };
      return verdict("config", "authentication failed; check the credentials");
    }
    case "MissingNamespaceDatabaseError":
      return verdict("config", "no namespace or database is selected");
    case "UnsupportedEngineError":
    case "UnsupportedVersionError":
    case "UnsupportedFeatureError":
    case "UnavailableFeatureError":
      return verdict("config", "the engine or server version does not support this");
    case "InvalidSessionError":
      return verdict("config", "the SDK session is invalid");
    default:
      return undefined;
  }
}

/** Node.js / undici socket errors, by `code`. */
function socketError(e: Fields): Transience | undefined {
  if (typeof e.code !== "string") return undefined;
  if (CONNECTION_CODES.has(e.code)) return verdict("connection", `socket error ${e.code}`);
  if (TIMEOUT_CODES.has(e.code)) return verdict("timeout", `socket error ${e.code}`);
  return undefined;
}

/** A wrapper error we do not know is judged by what it wraps. */
function causeOf(e: Fields, depth: number): Transience | undefined {
  if (e.cause === undefined || depth >= MAX_CAUSE_DEPTH) return undefined;
  const inner = classify(e.cause, depth + 1);
  if (inner.category === "unknown") return undefined;
  return { ...inner, reason: `caused by: ${inner.reason}` };
}
