import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/** The endpoint refused the configured credentials. Never retried: retrying cannot fix a password. */
export class AuthenticationFailedError extends SurrealPoolError {
  readonly endpoint: string;

  constructor(endpoint: string, username: string, options?: { cause?: unknown }) {
    super(
      "AUTHENTICATION_FAILED",
      `sign-in to ${endpoint} as "${username}" was refused; check credentials.username and credentials.password (and credentials.namespace/database for a non-root user)`,
      options,
    );
    this.endpoint = endpoint;
  }
}

export function isAuthenticationFailedError(error: unknown): error is AuthenticationFailedError {
  return isSurrealPoolError(error) && error.code === "AUTHENTICATION_FAILED";
}
