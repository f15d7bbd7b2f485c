/**
 * The logger the pool accepts: what it calls, and no more. A pino logger satisfies it (pass yours as it
 * is), and so does any logger with pino's call shapes; the published types name no logging package, so
 * an application that does not use pino installs none.
 */

/** One log level's method: `(object, message?)` or `(message)`, as pino's. */
export interface LogFn {
  (object: object, message?: string): void;
  (message: string): void;
}

export interface Logger {
  /**
   * A logger carrying `bindings` on every line. The pool passes pino's child options (`redact`) too;
   * a logger that ignores them gets credentials only as the pool already leaves them out.
   */
  child(bindings: Record<string, unknown>, options?: LoggerChildOptions): Logger;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

/** What the pool passes as `child()`'s second argument (a subset of pino's `ChildLoggerOptions`). */
export interface LoggerChildOptions {
  redact?: { paths: string[]; censor?: string };
}
