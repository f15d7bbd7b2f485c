import type { Observer } from "rxjs";
import { ConfigError } from "../errors/ConfigError.js";
import { describe } from "../util/arguments.js";
import type { Logger } from "./Logger.js";

/**
 * The user's logger, inspection observer and events observer run inside the pool's event handling, so
 * one that throws (or, when async, rejects) would otherwise escape as an uncaught exception or an
 * unhandled rejection and take the process down. Guarded, an observer's failure costs that one log
 * line or event and never changes what the pool does.
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

/** What `create({ events })` takes: an RxJS observer (any of `next`, `error`, `complete`), or a function. */
export type EventsObserverOf<E> = Partial<Observer<E>> | ((event: E) => void);

const OBSERVER_METHODS = ["next", "error", "complete"] as const;

/**
 * Checks `create({ events })`: undefined, a function, or an object with at least one of `next`, `error`,
 * `complete`, each a function. Throws a `ConfigError` naming the option otherwise (RxJS would call a
 * `next: 5` on every event and throw each time).
 */
export function checkEventsObserver<E>(events: unknown): EventsObserverOf<E> | undefined {
  if (events === undefined || typeof events === "function") return events as EventsObserverOf<E> | undefined;
  const refuse = (path: string, message: string): never => {
    throw new ConfigError([{ path, message }]);
  };
  if (typeof events !== "object" || events === null || Array.isArray(events)) {
    refuse("events", "events must be an RxJS observer ({ next }) or a function");
  }
  let present = 0;
  for (const method of OBSERVER_METHODS) {
    let value: unknown;
    try {
      value = (events as Record<string, unknown>)[method];
    } catch {
      refuse(`events.${method}`, `events.${method} could not be read (its getter threw)`);
    }
    if (value === undefined) continue;
    if (typeof value !== "function") {
      refuse(`events.${method}`, `events.${method} must be a function, got ${describe(value)}`);
    }
    present++;
  }
  if (present === 0)
    refuse("events", "events must have a next, error or complete function (or be a function)");
  return events as EventsObserverOf<E>;
}

/**
 * The caller's events observer, made unable to throw into the pool's event handling (RxJS would
 * rethrow its error as an uncaught exception, on every event). Its first failure (a throw, or a
 * rejected promise from an async observer) is reported once, as a process warning and, with a
 * logger, a warn line; later ones are dropped. Its methods are called on the caller's object, so a
 * Subject passed as the observer works.
 */
export function guardEvents<E>(events: EventsObserverOf<E>, logger?: Logger): Partial<Observer<E>> {
  let reported = false;
  const report = (error: unknown) => {
    if (reported) return;
    reported = true;
    const message = `the events observer passed to ConnectionManager.create() threw (${textOf(error)}); the pool carries on, and later failures of this observer are not reported`;
    try {
      logger?.warn({ err: error }, message);
      process.emitWarning(`surreal-pool: ${message}`, {
        type: "SurrealPoolWarning",
        code: "SURREAL_POOL_EVENTS_OBSERVER",
      });
    } catch {
      // A report that cannot be made must not become the failure it reports.
    }
  };
  const target = typeof events === "function" ? { next: events } : events;
  const guarded: Partial<Observer<E>> = {};
  for (const method of OBSERVER_METHODS) {
    const fn = target[method] as ((value?: unknown) => unknown) | undefined;
    if (typeof fn !== "function") continue;
    guarded[method] = ((value?: unknown) => {
      try {
        const result = fn.call(target, value);
        if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
          (result as PromiseLike<unknown>).then(undefined, report);
        }
      } catch (error) {
        report(error);
      }
    }) as never;
  }
  return guarded;
}

function textOf(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return "an unreadable error";
  }
}
