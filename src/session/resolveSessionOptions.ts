import { ConfigError, type ConfigIssue } from "../errors/ConfigError.js";
import { describe } from "../util/arguments.js";
import type { AgentSessionOptions } from "./AgentSessionOptions.js";
import type { SessionPool } from "./SessionPool.js";
import { assertTableName } from "./SurrealTxLogStore.js";

/** The sink's options with every default filled in. */
export interface ResolvedSinkOptions {
  namespace: string;
  database: string;
  table: string;
  flushIntervalMs: number;
  maxBatchSize: number;
  maxBufferedEvents: number;
}

/** Session options with every default filled in. */
export interface ResolvedSessionOptions {
  maxConcurrentLeases: number;
  closeTimeoutMs: number;
  acquireTimeoutMs: number;
  sink: ResolvedSinkOptions | null;
  now: () => number;
}

const positiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
const nonNegative = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

/** Fills defaults and validates; throws one `ConfigError` listing every problem, each naming its option. */
export function resolveSessionOptions(
  pool: SessionPool,
  options: AgentSessionOptions,
  sinkByDefault: boolean,
): ResolvedSessionOptions {
  const issues: ConfigIssue[] = [];
  const check = (ok: boolean, path: string, message: string) => {
    if (!ok) issues.push({ path: `agentSession.${path}`, message });
  };
  const maxConnections = pool.config.pool.maxConnections;
  const resolved: ResolvedSessionOptions = {
    maxConcurrentLeases: options.maxConcurrentLeases ?? Math.max(1, Math.floor(maxConnections / 2)),
    closeTimeoutMs: options.closeTimeoutMs ?? 30_000,
    acquireTimeoutMs: options.acquireTimeoutMs ?? pool.config.pool.connectionTimeoutMs ?? 30_000,
    sink: null,
    now: options.now ?? Date.now,
  };
  check(
    positiveInt(resolved.maxConcurrentLeases),
    "maxConcurrentLeases",
    `must be a positive integer, got ${String(options.maxConcurrentLeases)}`,
  );
  check(nonNegative(resolved.closeTimeoutMs), "closeTimeoutMs", "must be a number of milliseconds >= 0");
  check(nonNegative(resolved.acquireTimeoutMs), "acquireTimeoutMs", "must be a number of milliseconds >= 0");
  check(typeof resolved.now === "function", "now", "must be a function returning epoch milliseconds");

  const sink = options.sink ?? sinkByDefault;
  if (sink !== false) {
    const s = sink === true ? {} : sink;
    const r: ResolvedSinkOptions = {
      namespace: s.namespace ?? pool.config.namespace,
      database: s.database ?? pool.config.database,
      table: s.table ?? "txlog",
      flushIntervalMs: s.flushIntervalMs ?? 200,
      maxBatchSize: s.maxBatchSize ?? 100,
      maxBufferedEvents: s.maxBufferedEvents ?? 10_000,
    };
    check(
      typeof r.namespace === "string" && r.namespace !== "",
      "sink.namespace",
      "must be a non-empty string",
    );
    check(typeof r.database === "string" && r.database !== "", "sink.database", "must be a non-empty string");
    try {
      assertTableName(r.table);
    } catch (e) {
      check(false, "sink.table", (e as Error).message);
    }
    check(
      positiveInt(r.flushIntervalMs),
      "sink.flushIntervalMs",
      "must be a positive integer (milliseconds)",
    );
    check(positiveInt(r.maxBatchSize), "sink.maxBatchSize", "must be a positive integer");
    check(positiveInt(r.maxBufferedEvents), "sink.maxBufferedEvents", "must be a positive integer");
    check(
      !positiveInt(r.maxBatchSize) ||
        !positiveInt(r.maxBufferedEvents) ||
        r.maxBufferedEvents >= r.maxBatchSize,
      "sink.maxBufferedEvents",
      "must be at least sink.maxBatchSize",
    );
    resolved.sink = r;
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return resolved;
}

/** Validates the names a session works under (`optional`: namespace and database may be undefined). */
export function checkSessionNames(
  agentId: unknown,
  namespace: unknown,
  database: unknown,
  optional = false,
): void {
  const issues: ConfigIssue[] = [];
  for (const [path, value] of [
    ["agentId", agentId],
    ["namespace", namespace],
    ["database", database],
  ] as const) {
    if (optional && path !== "agentId" && value === undefined) continue;
    if (typeof value !== "string" || value.length === 0) {
      issues.push({
        path: `agentSession.${path}`,
        message: `must be a non-empty string, got ${describe(value)}`,
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
}
