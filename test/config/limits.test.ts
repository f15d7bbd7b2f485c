// What the code cannot handle is refused at config time: durations a Node.js timer cannot wait (it
// fires anything above 2^31 - 1 ms after 1 ms), pools so big that opening them blocks the event loop,
// and loggers the pool would crash on at its first event.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { MAX_CONNECTIONS, MAX_TIMER_MS } from "../../src/config/limits.js";
import { resolveConfig } from "../../src/config/resolveConfig.js";
import { ConfigError, ConnectionManager, isConfigError } from "../../src/index.js";

function issuesOf(options: unknown): { path: string; message: string }[] {
  try {
    resolveConfig(options as never);
  } catch (error) {
    expect(isConfigError(error), String(error)).toBe(true);
    return [...(error as ConfigError).issues];
  }
  return [];
}

/** `{ a: { b: value } }` for the path "a.b". */
function optionAt(path: string, value: unknown): Record<string, unknown> {
  return path
    .split(".")
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

/** Every option of the resolved defaults whose name ends in `Ms`, as a dotted path. */
function durationPaths(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return key.endsWith("Ms") ? [path] : durationPaths(inner, path);
  });
}

const HYBRID = { kind: "hybrid", localCache: "mem://", remoteSync: ["ws://127.0.0.1:1/rpc"] };

/** Options that set one duration, plus what that option needs beside it to be valid. */
function withDuration(path: string, ms: number): Record<string, unknown> {
  if (path === "mode.syncIntervalMs") return { mode: { ...HYBRID, syncIntervalMs: ms } };
  const options = optionAt(path, ms);
  // The initial backoff may not exceed the max backoff.
  if (path === "pool.retryPolicy.initialBackoffMs") {
    (options.pool as { retryPolicy: Record<string, number> }).retryPolicy.maxBackoffMs = MAX_TIMER_MS;
  }
  return options;
}

const DURATIONS = [...durationPaths(resolveConfig({})), "mode.syncIntervalMs"];

describe("durations are bounded by what a Node.js timer can wait", () => {
  it("finds every duration option (the list is derived from the defaults, so a new one is covered too)", () => {
    expect(DURATIONS).toEqual(
      expect.arrayContaining([
        "circuitBreaker.resetTimeoutMs",
        "mode.syncIntervalMs",
        "pool.connectTimeoutMs",
        "pool.connectionTimeoutMs",
        "pool.healthCheckIntervalMs",
        "pool.idleTimeoutMs",
        "pool.leakDetectionThresholdMs",
        "pool.maxLifetimeMs",
        "pool.queryTimeoutMs",
        "pool.retryPolicy.initialBackoffMs",
        "pool.retryPolicy.maxBackoffMs",
        "pool.validateAfterIdleMs",
        "pool.validationTimeoutMs",
      ]),
    );
  });

  it.each(DURATIONS)("%s: 2^31 ms is a ConfigError naming the option and the limit", (path) => {
    const issues = issuesOf(withDuration(path, 2 ** 31));
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    const name = path.split(".").at(-1)!;
    expect(issue!.message).toContain(name);
    expect(issue!.message).toContain(`at most ${MAX_TIMER_MS} ms`);
    expect(issue!.message).toMatch(/Node\.js fires longer timers after 1 ms/);
  });

  it.each(DURATIONS)("%s: 2^31 - 1 ms (the longest timer Node.js honours) is accepted", (path) => {
    expect(issuesOf(withDuration(path, MAX_TIMER_MS))).toEqual([]);
  });

  it("ConnectionManager.create refuses a 30-day acquire timeout before opening anything", async () => {
    const thirtyDays = 30 * 24 * 3_600_000;
    const error = await ConnectionManager.create({ pool: { connectionTimeoutMs: thirtyDays } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(["pool.connectionTimeoutMs"]);
  });
});

describe("pool sizes are bounded", () => {
  it(`minConnections: 1e6 is a ConfigError (at most ${MAX_CONNECTIONS}), refused before any connection opens`, async () => {
    let opened = 0;
    const inspect = (event: { type: string }) => {
      if (event.type === "@xstate.actor") opened++;
    };
    const error = await ConnectionManager.create({
      pool: { minConnections: 1_000_000, maxConnections: 1_000_000 },
      inspect,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(["pool.maxConnections", "pool.minConnections"]);
    expect(issues[0]!.message).toMatch(/must be at most 1000: a bigger pool blocks the event loop/);
    expect(opened).toBe(0);
  });

  it(`${MAX_CONNECTIONS} connections are accepted, one more is not`, () => {
    expect(issuesOf({ pool: { minConnections: 0, maxConnections: MAX_CONNECTIONS } })).toEqual([]);
    expect(issuesOf({ pool: { maxConnections: MAX_CONNECTIONS + 1 } }).map((i) => i.path)).toEqual([
      "pool.maxConnections",
    ]);
  });
});

describe("the logger is checked for the shape the pool uses", () => {
  const methods = { debug() {}, info() {}, warn() {}, error() {} };
  it.each([
    ["child() returns null", { child: () => null }, /child\(\) returned null, not a logger/],
    ["child is not a function", { child: 5 }, /it has no child\(\) function/],
    [
      "child() throws",
      {
        child: () => {
          throw new Error("no children here");
        },
      },
      /child\(\) threw \(no children here\)/,
    ],
    [
      "child() returns a logger without warn",
      { child: () => ({ child() {}, debug() {}, info() {}, error() {} }) },
      /without warn/,
    ],
    [
      "the child's own child() returns null",
      { child: () => ({ ...methods, child: () => null }) },
      /on the child it returned, child\(\) returned null/,
    ],
    ["a string", "info", /got string/],
  ])("%s: create() rejects with a ConfigError naming logger", async (_what, logger, message) => {
    const error = await ConnectionManager.create({ logger: logger as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const issue = (error as ConfigError).issues.find((i) => i.path === "logger");
    expect(issue?.message).toMatch(/^logger must be a pino logger: /);
    expect(issue?.message).toMatch(message);
  });

  it("a real pino logger passes, and the pool logs through it", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
    const manager = await ConnectionManager.create({ logger, pool: { minConnections: 1 } });
    await manager.shutdown();
    expect(lines.some((l) => l.includes('"component":"surreal-pool"') && l.includes("pool started"))).toBe(
      true,
    );
  });
});
