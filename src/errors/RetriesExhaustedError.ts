import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/** Why retrying stopped while the error was still retryable. */
export type RetriesExhaustedReason =
  | "maxAttempts" // every attempt the policy allows was made
  | "budget"; // the retry budget refused: too many retries pool-wide recently

/** What a `RetriesExhaustedError` reports. */
export interface RetriesExhaustedDetails {
  /** Attempts made, the first included. */
  attempts: number;
  /** The error of each attempt, in order; the last one is the `cause`. */
  errors: readonly unknown[];
  reason: RetriesExhaustedReason;
}

/**
 * An operation failed with retryable errors until retrying stopped. `cause` is the last error; `errors`
 * holds every attempt's.
 */
export class RetriesExhaustedError extends SurrealPoolError {
  readonly attempts: number;
  readonly errors: readonly unknown[];
  readonly reason: RetriesExhaustedReason;

  constructor(details: RetriesExhaustedDetails) {
    const last = details.errors.at(-1);
    super("RETRIES_EXHAUSTED", describe(details, last), { cause: last });
    this.attempts = details.attempts;
    this.errors = details.errors;
    this.reason = details.reason;
  }
}

function describe(d: RetriesExhaustedDetails, last: unknown): string {
  const attempts = `${d.attempts} attempt${d.attempts === 1 ? "" : "s"}`;
  const lastText = last instanceof Error ? `${last.name}: ${last.message}` : String(last);
  const hint =
    d.reason === "budget"
      ? "the retry budget is spent (many operations are retrying at once); check the endpoints' health"
      : unreachable(last)
        ? "the endpoint cannot be reached (more attempts will not change that): check that it is up and reachable"
        : "check the endpoint's health, or raise retryPolicy.maxAttempts if the failures are short-lived";
  return `gave up after ${attempts}; last error: ${lastText}; ${hint}`;
}

export function isRetriesExhaustedError(error: unknown): error is RetriesExhaustedError {
  return isSurrealPoolError(error) && error.code === "RETRIES_EXHAUSTED";
}

/** The last error says the endpoint is down or refusing (circuit open, connect refused): not short-lived. */
function unreachable(error: unknown): boolean {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (code === "CIRCUIT_OPEN" || code === "CONNECT_FAILED" || code === "ECONNREFUSED") return true;
    if (typeof message === "string" && /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
