import { ArgumentError } from "../errors/ArgumentError.js";
import { optionalName, optionalSignal, optionsObject } from "../util/arguments.js";

/** Options of `manager.live(table | liveSelectText, options)`. */
export interface LiveOptions {
  /** A SurrealQL condition (`age > $min`), for a table subscription; its `$names` come from `vars`. */
  where?: string;
  /** Variables the LIVE SELECT text or the `where` condition uses. */
  vars?: Record<string, unknown>;
  /** Deliver the SDK's JSON Patch form (`diff`) instead of whole records. */
  diff?: boolean;
  /** Aborting it kills the live query and completes the stream. */
  signal?: AbortSignal;
  /** Namespace of the live query; default: the pool's. */
  namespace?: string;
  /** Database of the live query; default: the pool's. */
  database?: string;
  /**
   * Notifications held for a subscriber that has not taken them yet; one more is an overflow: the
   * stream errors with `LiveError` (`failure: "overflow"`) and the live query is killed. Never a silent
   * drop. Default 10 000.
   */
  bufferSize?: number;
}

/** What a subscription was asked for, checked. */
export interface LiveRequest {
  /** The table of a table subscription; undefined for LIVE SELECT text. */
  table: string | undefined;
  /** The LIVE SELECT statement to register. */
  text: string;
  vars: Record<string, unknown> | undefined;
  diff: boolean;
  where: string | undefined;
  signal: AbortSignal | undefined;
  namespace: string | undefined;
  database: string | undefined;
  bufferSize: number;
}

const DEFAULT_BUFFER = 10_000;
const LIVE_TEXT = /^\s*LIVE\s+SELECT\s/i;
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks `live(target, options)`; throws `ArgumentError` naming the argument, before anything runs. */
export function parseLiveRequest(target: unknown, options: unknown): LiveRequest {
  const o = optionsObject<LiveOptions>("live(target, options)", options);
  const signal = optionalSignal("live(target, options).signal", o.signal);
  const namespace = optionalName("live(target, options).namespace", o.namespace);
  const database = optionalName("live(target, options).database", o.database);
  const where = optionalName("live(target, options).where", o.where);
  if (o.diff !== undefined && typeof o.diff !== "boolean") {
    throw new ArgumentError("live(target, options).diff", `must be a boolean, got ${typeof o.diff}`);
  }
  if (o.vars !== undefined && (typeof o.vars !== "object" || o.vars === null || Array.isArray(o.vars))) {
    throw new ArgumentError("live(target, options).vars", "must be an object of variables");
  }
  const bufferSize = o.bufferSize ?? DEFAULT_BUFFER;
  if (!Number.isSafeInteger(bufferSize) || bufferSize < 1) {
    throw new ArgumentError(
      "live(target, options).bufferSize",
      `must be a whole number >= 1, got ${String(o.bufferSize)}`,
    );
  }
  if (typeof target !== "string" || target.trim() === "") {
    throw new ArgumentError("live(target)", "must be a table name or a LIVE SELECT statement");
  }
  const diff = o.diff ?? false;
  if (LIVE_TEXT.test(target)) {
    if (where !== undefined || o.diff !== undefined) {
      throw new ArgumentError(
        "live(target, options)",
        "takes where/diff only with a table name; write them into the LIVE SELECT text instead",
      );
    }
    const isDiff = /^\s*LIVE\s+SELECT\s+DIFF\s/i.test(target);
    return {
      table: undefined,
      text: target,
      vars: o.vars,
      diff: isDiff,
      where,
      signal,
      namespace,
      database,
      bufferSize,
    };
  }
  if (!TABLE_NAME.test(target)) {
    throw new ArgumentError(
      "live(target)",
      `must be a table name (letters, digits, _) or a statement starting with LIVE SELECT, got "${target}"`,
    );
  }
  const text = `LIVE SELECT ${diff ? "DIFF" : "*"} FROM ${target}${where ? ` WHERE ${where}` : ""}`;
  return { table: target, text, vars: o.vars, diff, where, signal, namespace, database, bufferSize };
}
