import { ArgumentError } from "../errors/ArgumentError.js";
import { describe, optionsObject } from "../util/arguments.js";
import { type AgentSessionCreateOptions, CREATE_OPTION_KEYS } from "./AgentSessionCreateOptions.js";
import type { AgentSessionOptions } from "./AgentSessionOptions.js";
import type { SessionPool } from "./SessionPool.js";

/** `AgentSession.create`'s arguments, whichever form they came in. */
export interface CreateArguments {
  agentId: unknown;
  manager: SessionPool;
  namespace: unknown;
  database: unknown;
  options: Partial<AgentSessionOptions>;
  /** Checking the names (id, namespace, database) is left to the caller: the positional form's way. */
  namesChecked: boolean;
}

const FORM = "AgentSession.create(options)";
/** Keys people write for one of ours. */
const DID_YOU_MEAN: Record<string, string> = { agentId: "id", agent: "id", ns: "namespace", db: "database" };

/**
 * Reads `AgentSession.create(...)`'s arguments: one options object (`{ id, manager, namespace, ... }`), or
 * the deprecated positional form. The object form is checked whole here, each problem an
 * `ArgumentError` naming the key, before anything is claimed or opened.
 */
export function createArguments(args: readonly unknown[]): CreateArguments {
  const [first] = args;
  if (typeof first === "object" && first !== null && args.length > 1) {
    throw new ArgumentError(FORM, `takes one options object, got ${args.length} arguments`);
  }
  if (args.length > 1 || typeof first === "string") {
    const [agentId, manager, namespace, database, options] = args;
    assertManager("AgentSession.create(agentId, manager)", manager);
    return {
      agentId,
      manager,
      namespace,
      database,
      options: optionsObject<AgentSessionOptions>(
        "AgentSession.create(agentId, manager, namespace, database, options)",
        options,
      ),
      namesChecked: false,
    };
  }
  if (typeof first !== "object" || first === null || Array.isArray(first)) {
    throw new ArgumentError(
      FORM,
      `must be an options object { id, manager, namespace, database?, ... }, got ${describe(first)}`,
    );
  }
  const given = optionsObject<AgentSessionCreateOptions>(FORM, first);
  for (const key of Object.keys(given)) {
    if (CREATE_OPTION_KEYS.has(key)) continue;
    const hint = DID_YOU_MEAN[key] ? ` (did you mean ${DID_YOU_MEAN[key]}?)` : "";
    throw new ArgumentError(`${FORM}.${key}`, `is not an option of AgentSession.create${hint}`);
  }
  const { id, manager, namespace, database, ...options } = given;
  name(`${FORM}.id`, id, false);
  assertManager(`${FORM}.manager`, manager);
  name(`${FORM}.namespace`, namespace, false);
  name(`${FORM}.database`, database, true);
  return { agentId: id, manager, namespace, database, options, namesChecked: true };
}

function name(argument: string, value: unknown, optional: boolean): void {
  if (optional && value === undefined) return;
  if (typeof value !== "string" || value.length === 0) {
    throw new ArgumentError(argument, `must be a non-empty string, got ${describe(value)}`);
  }
}

/** The manager argument: a ConnectionManager (anything with `acquire`, `events$` and `config`). */
export function assertManager(argument: string, manager: unknown): asserts manager is SessionPool {
  const m = manager as Partial<SessionPool> | null;
  if (
    typeof m !== "object" ||
    m === null ||
    typeof m.acquire !== "function" ||
    typeof m.config !== "object"
  ) {
    throw new ArgumentError(argument, "must be a ConnectionManager (from ConnectionManager.create())");
  }
}
