import { ArgumentError } from "../errors/ArgumentError.js";

/** Longest delay a Node timer honours; longer ones fire after 1 ms (with a warning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** An options argument: undefined, or a plain object. Returns it as an object to read from. */
export function optionsObject<T extends object>(argument: string, value: unknown): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ArgumentError(argument, `must be an options object or undefined, got ${describe(value)}`);
  }
  try {
    // A copy, read once: an option whose getter throws is refused here, typed, not later mid-call.
    return { ...value } as Partial<T>;
  } catch (error) {
    throw new ArgumentError(argument, `could not be read (${unreadable(error)}); pass a plain object`);
  }
}

function unreadable(error: unknown): string {
  try {
    return error instanceof Error ? `reading it threw: ${error.message}` : "reading it threw";
  } catch {
    return "reading it threw";
  }
}

/** An optional AbortSignal (duck-typed, so signals of another realm or polyfill work too). */
export function optionalSignal(argument: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  const candidate = value as Partial<AbortSignal> | null;
  let signalLike: boolean;
  let controllerLike = false;
  try {
    signalLike =
      typeof candidate === "object" &&
      candidate !== null &&
      typeof candidate.aborted === "boolean" &&
      typeof candidate.addEventListener === "function" &&
      typeof candidate.removeEventListener === "function";
    controllerLike =
      typeof (candidate as { abort?: unknown } | null)?.abort === "function" &&
      typeof (candidate as { signal?: unknown }).signal === "object";
  } catch (error) {
    throw new ArgumentError(
      argument,
      `must be an AbortSignal, and this one could not be read (${unreadable(error)})`,
    );
  }
  if (signalLike) return value as AbortSignal;
  const hint = controllerLike ? " (that is an AbortController: pass controller.signal)" : "";
  throw new ArgumentError(argument, `must be an AbortSignal, got ${describe(value)}${hint}`);
}

/** An optional duration in ms: finite, > 0 (or >= 0 with `allowZero`), and short enough for a Node timer. */
export function optionalDuration(argument: string, value: unknown, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ArgumentError(
      argument,
      `must be a finite number of milliseconds ${allowZero ? ">= 0" : "> 0"}, got ${describe(value)}`,
    );
  }
  if (value > MAX_TIMER_MS) {
    throw new ArgumentError(argument, `must be at most ${MAX_TIMER_MS} ms (about 24.8 days), got ${value}`);
  }
  return value;
}

/** An optional non-empty string. */
export function optionalName(argument: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) {
    throw new ArgumentError(argument, `must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

/** An optional TCP port: a whole number from 0 (any free port) to 65535. */
export function optionalPort(argument: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new ArgumentError(argument, `must be a whole number from 0 to 65535, got ${describe(value)}`);
  }
  return value;
}

/** A function argument. */
export function requiredFunction<F>(argument: string, value: unknown): F {
  if (typeof value !== "function")
    throw new ArgumentError(argument, `must be a function, got ${describe(value)}`);
  return value as F;
}

export function describe(value: unknown): string {
  try {
    return describeValue(value);
  } catch {
    return "a value that cannot be read";
  }
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return name && name !== "Object" ? `a ${name}` : "an object";
  }
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "function") return "a function";
  // `5n` would read as the number 5 in a message about numbers.
  if (typeof value === "bigint") return `${value}n (a bigint)`;
  return String(value);
}
