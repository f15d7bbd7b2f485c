import type { TransactionOperation } from "../events/TransactionOperation.js";
import { describe } from "../util/arguments.js";
import { TransactionLogError } from "./errors/TransactionLogError.js";

const kinds = ["write", "read", "delete", "query", "custom"] as const;

/**
 * Checks an operation and returns the copy the log keeps: only the fields of its kind, `custom.data`
 * passed through JSON, everything frozen. Why a copy: the log is append-only, so the caller must not be
 * able to edit a recorded entry through an object it still holds; and why JSON: the durable sink stores
 * and replays JSON, and a replayed history must equal the live one exactly.
 */
export function normalizeOperation(agentId: string, operation: unknown): TransactionOperation {
  const fail = (message: string): never => {
    throw new TransactionLogError(
      "invalidOperation",
      agentId,
      undefined,
      `agent "${agentId}": recordTransaction: ${message}`,
    );
  };
  if (typeof operation !== "object" || operation === null) {
    return fail(
      `the operation must be an object like { type: "write", path, contentHash }, got ${typeof operation}`,
    );
  }
  const op = operation as Record<string, unknown>;
  const text = (field: string): string => {
    const value = op[field];
    if (typeof value !== "string" || value.length === 0) {
      fail(`a "${String(op.type)}" operation needs a non-empty string "${field}", got ${describe(value)}`);
    }
    return value as string;
  };
  switch (op.type) {
    case "write":
      return Object.freeze({ type: "write", path: text("path"), contentHash: text("contentHash") });
    case "read":
      return Object.freeze({ type: "read", path: text("path") });
    case "delete":
      return Object.freeze({ type: "delete", path: text("path") });
    case "query":
      return Object.freeze({ type: "query", text: text("text") });
    case "custom": {
      const kind = text("kind");
      if (op.data === undefined) return Object.freeze({ type: "custom", kind });
      let json: string | undefined;
      try {
        json = JSON.stringify(op.data);
      } catch (cause) {
        fail(
          `"custom" data must be JSON-serialisable (${cause instanceof Error ? cause.message : String(cause)})`,
        );
      }
      if (json === undefined) return fail(`"custom" data must be JSON-serialisable, got ${typeof op.data}`);
      return Object.freeze({ type: "custom", kind, data: deepFreeze(JSON.parse(json)) });
    }
    default:
      return fail(
        `operation.type must be one of ${kinds.map((k) => `"${k}"`).join(", ")}, got ${describe(op.type)}`,
      );
  }
}

/** Freezes a JSON value and everything inside it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
