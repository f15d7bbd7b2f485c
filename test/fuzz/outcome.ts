// How one call of the public API ended, judged by the fuzz properties: a value, an error (thrown at once
// or rejected), or nothing within a bound (a hang).
import { isSurrealPoolError } from "../../src/index.js";

export type Outcome =
  | { kind: "value"; value: unknown }
  | { kind: "error"; error: unknown; sync: boolean }
  | { kind: "hang"; ms: number };

/** Runs `call` and waits at most `ms` for what it returns to settle. */
export async function outcomeOf(call: () => unknown, ms = 5_000): Promise<Outcome> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return { kind: "error", error, sync: true };
  }
  if (!isThenable(result)) return { kind: "value", value: result };
  let timer: NodeJS.Timeout | undefined;
  const settled = Promise.resolve(result).then(
    (value): Outcome => ({ kind: "value", value }),
    (error: unknown): Outcome => ({ kind: "error", error, sync: false }),
  );
  const hang = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "hang", ms }), ms);
  });
  try {
    return await Promise.race([settled, hang]);
  } finally {
    clearTimeout(timer);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/** A typed library error with the given code (any code when none is given). */
export function isTyped(outcome: Outcome, code?: string): boolean {
  return (
    outcome.kind === "error" &&
    isSurrealPoolError(outcome.error) &&
    (code === undefined || outcome.error.code === code)
  );
}

/** For messages: what an outcome was, in a few words. */
export function show(outcome: Outcome): string {
  switch (outcome.kind) {
    case "value":
      return `value ${safe(() => (outcome.value as object)?.constructor?.name ?? String(outcome.value))}`;
    case "hang":
      return `no answer within ${outcome.ms} ms`;
    case "error":
      return `${outcome.sync ? "threw at once" : "rejected"} ${safe(() => {
        const e = outcome.error as { name?: unknown; code?: unknown; message?: unknown };
        return `${String(e?.name)}${e?.code ? ` [${String(e.code)}]` : ""}: ${String(e?.message).slice(0, 120)}`;
      })}`;
  }
}

function safe(f: () => string): string {
  try {
    return f();
  } catch {
    return "(unprintable)";
  }
}
