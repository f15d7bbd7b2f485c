import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/**
 * A public function was called with an argument it cannot use. Thrown (or, from an async function,
 * rejected) before anything changed: the call had no effect, and the message says what to pass instead.
 */
export class ArgumentError extends SurrealPoolError {
  /** The argument, as `function(argument).path`, e.g. `acquire(options).signal`. */
  readonly argument: string;

  constructor(argument: string, message: string) {
    super("INVALID_ARGUMENT", `${argument} ${message}`);
    this.argument = argument;
  }
}

export function isArgumentError(error: unknown): error is ArgumentError {
  return isSurrealPoolError(error) && error.code === "INVALID_ARGUMENT";
}
