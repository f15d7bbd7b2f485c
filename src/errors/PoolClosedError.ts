import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/** The pool is shutting down or shut down: it hands out no more connections. */
export class PoolClosedError extends SurrealPoolError {
  constructor(state: "draining" | "closed") {
    super(
      "POOL_CLOSED",
      state === "draining"
        ? "the pool is shutting down and hands out no more connections; acquire before calling shutdown()"
        : "the pool is shut down; create a new ConnectionManager to connect again",
    );
  }
}

export function isPoolClosedError(error: unknown): error is PoolClosedError {
  return isSurrealPoolError(error) && error.code === "POOL_CLOSED";
}
