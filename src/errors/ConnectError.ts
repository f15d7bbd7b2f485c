import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/** A connection to an endpoint could not be opened. `cause` holds what the driver said. */
export class ConnectError extends SurrealPoolError {
  readonly endpoint: string;

  constructor(endpoint: string, message: string, options?: { cause?: unknown }) {
    super("CONNECT_FAILED", message, options);
    this.endpoint = endpoint;
  }
}

export function isConnectError(error: unknown): error is ConnectError {
  return isSurrealPoolError(error) && error.code === "CONNECT_FAILED";
}
