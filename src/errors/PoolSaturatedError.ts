import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/** More callers are already waiting than `maxWaitingClients` allows: shed load instead of queueing forever. */
export class PoolSaturatedError extends SurrealPoolError {
  readonly waiting: number;

  constructor(waiting: number, maxWaitingClients: number) {
    super(
      "POOL_SATURATED",
      `the pool is saturated: ${waiting} callers already wait (pool.maxWaitingClients is ${maxWaitingClients}); back off and retry later, or raise pool.maxConnections / pool.maxWaitingClients`,
    );
    this.waiting = waiting;
  }
}

export function isPoolSaturatedError(error: unknown): error is PoolSaturatedError {
  return isSurrealPoolError(error) && error.code === "POOL_SATURATED";
}
