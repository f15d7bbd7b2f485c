import type { Logger } from "./Logger.js";

/**
 * The user's logger and inspection observer run inside the pool's event handling, so one that throws
 * (or, for an async inspector, rejects) would otherwise escape as an uncaught exception or an unhandled
 * rejection and take the process down. Guarded, an observer's failure costs that one log line or
 * inspection event and never changes what the pool does.
 */

const LOG_METHODS: ReadonlySet<PropertyKey> = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);

/** The same logger (a Proxy: every other property reads through), whose log calls and child() cannot throw. */
export function guardLogger(logger: Logger): Logger {
  return new Proxy(logger, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      if (key === "child") {
        return (...args: unknown[]) => {
          try {
            return guardLogger(value.apply(target, args) as Logger);
          } catch {
            return guardLogger(target);
          }
        };
      }
      if (!LOG_METHODS.has(key)) return value;
      return (...args: unknown[]) => {
        try {
          return value.apply(target, args);
        } catch {
          return undefined;
        }
      };
    },
  });
}

// biome-ignore lint/suspicious/noExplicitAny: XState's InspectionEvent observer type is generic over all actors.
type Inspect = ((event: any) => void) | { next?: (event: any) => void };

/** An inspection observer that cannot throw or leave a rejected promise behind. */
// biome-ignore lint/suspicious/noExplicitAny: as above.
export function guardInspect(inspect: Inspect): (event: any) => void {
  return (event) => {
    try {
      const result: unknown = typeof inspect === "function" ? inspect(event) : inspect.next?.(event);
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
        (result as PromiseLike<unknown>).then(undefined, () => undefined);
      }
    } catch {
      // An inspector's failure is its own; the machines carry on.
    }
  };
}
