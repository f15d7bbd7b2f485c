import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/** The endpoint refused the configured credentials. Never retried: retrying cannot fix a password. */
export class AuthenticationFailedError extends SurrealPoolError {
  readonly endpoint: string;
  /** Set for an end user's refusal (`manager.as()`): the identity's short hash, never its token. */
  readonly user?: string;

  constructor(
    endpoint: string,
    username: string,
    options?: { cause?: unknown; user?: string; why?: string },
  ) {
    super(
      "AUTHENTICATION_FAILED",
      options?.user !== undefined
        ? `end user ${options.user} was refused by ${endpoint}${options.why ? ` (${options.why})` : ""}; sign the user in again for a new token, or check the access method and its credentials`
        : `sign-in to ${endpoint} as "${username}" was refused; check credentials.username and credentials.password (and credentials.namespace/database for a non-root user)`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.endpoint = endpoint;
    if (options?.user !== undefined) this.user = options.user;
  }

  /** An end user's token or credentials were refused (or expired): the error of that user's calls only. */
  static forUser(endpoint: string, user: string, why: string, cause?: unknown): AuthenticationFailedError {
    return new AuthenticationFailedError(endpoint, `user ${user}`, { user, why, cause });
  }
}

export function isAuthenticationFailedError(error: unknown): error is AuthenticationFailedError {
  return isSurrealPoolError(error) && error.code === "AUTHENTICATION_FAILED";
}
