import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/resolveConfig.js";
import { type ConfigError, isConfigError } from "../../src/errors/ConfigError.js";

/** The ConfigError that resolving these options throws (fails the test when none is thrown). */
function configErrorOf(options: unknown): ConfigError {
  try {
    resolveConfig(options as never);
  } catch (error) {
    expect(isConfigError(error)).toBe(true);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(options)}`);
}

/** [what, options, path of the issue, what the message must say (the option and the fix)] */
const bad: [string, unknown, string, RegExp][] = [
  [
    "minConnections above maxConnections",
    { pool: { minConnections: 10, maxConnections: 5 } },
    "pool.minConnections",
    /minConnections \(10\) is greater than maxConnections \(5\); raise maxConnections or lower minConnections/,
  ],
  [
    "a zero connect timeout",
    { pool: { connectionTimeoutMs: 0 } },
    "pool.connectionTimeoutMs",
    /connectionTimeoutMs must be greater than 0/,
  ],
  [
    "a negative idle timeout",
    { pool: { idleTimeoutMs: -5 } },
    "pool.idleTimeoutMs",
    /idleTimeoutMs must be greater than 0/,
  ],
  [
    "a negative validation timeout",
    { pool: { validationTimeoutMs: -1 } },
    "pool.validationTimeoutMs",
    /validationTimeoutMs must be greater than 0/,
  ],
  [
    "a zero health-check interval",
    { pool: { healthCheckIntervalMs: 0 } },
    "pool.healthCheckIntervalMs",
    /healthCheckIntervalMs must be greater than 0/,
  ],
  [
    "a fractional timeout",
    { pool: { connectionTimeoutMs: 1.5 } },
    "pool.connectionTimeoutMs",
    /connectionTimeoutMs must be a whole number of milliseconds/,
  ],
  [
    "a timeout given as a string",
    { pool: { connectionTimeoutMs: "5s" } },
    "pool.connectionTimeoutMs",
    /connectionTimeoutMs must be a number of milliseconds/,
  ],
  [
    "a negative validateAfterIdleMs",
    { pool: { validateAfterIdleMs: -1 } },
    "pool.validateAfterIdleMs",
    /validateAfterIdleMs must be 0 or more/,
  ],
  [
    "validateAfterIdleMs as a string",
    { pool: { validateAfterIdleMs: "5" } },
    "pool.validateAfterIdleMs",
    /validateAfterIdleMs must be a number of milliseconds/,
  ],
  [
    "maxConnections of 0",
    { pool: { maxConnections: 0, minConnections: 0 } },
    "pool.maxConnections",
    /maxConnections must be at least 1/,
  ],
  [
    "negative minConnections",
    { pool: { minConnections: -1 } },
    "pool.minConnections",
    /minConnections must be at least 0/,
  ],
  [
    "initial backoff above the max backoff",
    { pool: { retryPolicy: { initialBackoffMs: 500, maxBackoffMs: 100 } } },
    "pool.retryPolicy.initialBackoffMs",
    /initialBackoffMs \(500\) exceeds maxBackoffMs \(100\); raise maxBackoffMs/,
  ],
  [
    "zero retry attempts",
    { pool: { retryPolicy: { maxAttempts: 0 } } },
    "pool.retryPolicy.maxAttempts",
    /retryPolicy.maxAttempts must be at least 1/,
  ],
  [
    "a shrinking backoff multiplier",
    { pool: { retryPolicy: { multiplier: 0.5 } } },
    "pool.retryPolicy.multiplier",
    /retryPolicy.multiplier must be at least 1/,
  ],
  [
    "warmConnections that is not a boolean",
    { pool: { warmConnections: "yes" } },
    "pool.warmConnections",
    /warmConnections must be true or false/,
  ],
  [
    "a string that is not a URL",
    { mode: { kind: "local", endpoint: "not a url" } },
    "mode.endpoint",
    /"not a url" is not a URL; use mem:\/\/, surrealkv:\/\/DIR, ws:\/\/host:port or wss:\/\/host:port/,
  ],
  [
    "an unknown URL scheme",
    { mode: { kind: "local", endpoint: "ftp://db.example" } },
    "mode.endpoint",
    /unsupported scheme "ftp:\/\/" in "ftp:\/\/db.example"; use mem:\/\//,
  ],
  [
    "surrealkv:// without a directory",
    { mode: { kind: "local", endpoint: "surrealkv://" } },
    "mode.endpoint",
    /names no directory; write surrealkv:\/\/path\/to\/dir/,
  ],
  [
    "a ws:// URL without a host",
    { mode: { kind: "local", endpoint: "ws://:8000" } },
    "mode.endpoint",
    /write ws:\/\/host:port/,
  ],
  [
    "an unknown mode",
    { mode: { kind: "cluster" } },
    "mode.kind",
    /mode.kind must be "local", "remote" or "hybrid"/,
  ],
  [
    "an unknown load-balancing strategy",
    { mode: { kind: "remote", endpoints: ["ws://db-1:8000"], loadBalancing: "fastest" } },
    "mode.loadBalancing",
    /loadBalancing must be one of round-robin, least-connections, random, health-based, power-of-two-choices/,
  ],
  [
    "a remote endpoint that is not ws://",
    { mode: { kind: "remote", endpoints: ["mem://"] } },
    "mode.endpoints.0",
    /remote endpoints must be ws:\/\/ or wss:\/\/ URLs, got "mem:\/\/"/,
  ],
  [
    "remote mode without endpoints",
    { mode: { kind: "remote", endpoints: [] } },
    "mode.endpoints",
    /remote mode needs at least one endpoint/,
  ],
  [
    "remote endpoints given as one string",
    { mode: { kind: "remote", endpoints: "ws://db-1:8000" } },
    "mode.endpoints",
    /endpoints must be an array of URLs/,
  ],
  [
    "an unknown pool option (a typo)",
    { pool: { maxConnection: 5 } },
    "pool",
    /unknown option "maxConnection"; check the spelling/,
  ],
  ["an unknown top-level option", { namespce: "x" }, "", /unknown option "namespce"; check the spelling/],
  ["an unknown mode option", { mode: { kind: "local", url: "mem://" } }, "mode", /unknown option "url"/],
  ["an empty namespace", { namespace: "" }, "namespace", /namespace must not be empty/],
  ["an empty database", { database: "" }, "database", /database must not be empty/],
  ["a namespace that is not a string", { namespace: 5 }, "namespace", /namespace must be a string/],
  [
    "options that are a string",
    "mem://",
    "",
    /options must be an object such as \{ mode, namespace, database, pool \}/,
  ],
  ["options that are an array", [], "", /options must be an object/],
  ["pool options that are a number", { pool: 5 }, "pool", /pool must be an object such as \{ minConnections/],
  [
    "a retry policy that is a number",
    { pool: { retryPolicy: 3 } },
    "pool.retryPolicy",
    /retryPolicy must be an object such as \{ maxAttempts/,
  ],
  [
    "circuit breaker options that are a number",
    { circuitBreaker: 5 },
    "circuitBreaker",
    /circuitBreaker must be an object such as \{ failureThreshold/,
  ],
  [
    "a zero failure threshold",
    { circuitBreaker: { failureThreshold: 0 } },
    "circuitBreaker.failureThreshold",
    /failureThreshold must be at least 1/,
  ],
  [
    "credentials with an empty user name",
    { credentials: { username: "", password: "x" } },
    "credentials.username",
    /username must not be empty/,
  ],
  [
    "credentials of the wrong shape",
    { credentials: "root:root" },
    "credentials",
    /credentials must be \{ username, password \}, \{ token \}, or a function returning one of them/,
  ],
  ["a logger that is not pino", { logger: {} }, "logger", /logger must be a pino logger/],
  ["an inspect that is not an observer", { inspect: 5 }, "inspect", /inspect must be an inspection observer/],
];

describe("resolveConfig rejects bad options with a ConfigError that names the option and the fix", () => {
  it.each(bad)("%s", (_what, options, path, message) => {
    const error = configErrorOf(options);
    const issue = error.issues.find((i) => i.path === path);
    expect(issue, `issues: ${JSON.stringify(error.issues)}`).toBeDefined();
    expect(issue!.message).toMatch(message);
    expect(error.message).toContain(`  - ${path || "(options)"}: ${issue!.message}`);
    expect(error.message.startsWith("invalid surreal-pool options:\n")).toBe(true);
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.name).toBe("ConfigError");
  });

  it("lists every problem at once", () => {
    const error = configErrorOf({ namespace: "", pool: { minConnections: -1, connectionTimeoutMs: 0 } });
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      "namespace",
      "pool.connectionTimeoutMs",
      "pool.minConnections",
    ]);
  });
});

describe("resolveConfig fills defaults", () => {
  it("gives the documented defaults for no options at all", () => {
    const config = resolveConfig(undefined);
    expect(config).toEqual({
      mode: { kind: "local", endpoint: "mem://" },
      namespace: "surreal_pool",
      database: "main",
      pool: {
        minConnections: 5,
        maxConnections: 20,
        connectionTimeoutMs: 30_000,
        connectTimeoutMs: 10_000,
        queryTimeoutMs: 60_000,
        idleTimeoutMs: 300_000,
        maxLifetimeMs: 1_800_000,
        warmConnections: true,
        healthCheckIntervalMs: 30_000,
        retryPolicy: { maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 10_000, multiplier: 2 },
        leakDetectionThresholdMs: null,
        maxUses: null,
        maxWaitingClients: null,
        validateAfterIdleMs: 5_000,
        validationTimeoutMs: 5_000,
        socketsPerEndpoint: 2,
        maxSessionsPerEndpoint: 2_048,
        allowExitOnIdle: false,
      },
      circuitBreaker: {
        failureThreshold: 5,
        resetTimeoutMs: 30_000,
        baseResetTimeoutMs: 250,
        halfOpenMaxProbes: 1,
      },
      live: {
        subscriptionsPerConnection: 1_000,
        connectionsPerEndpoint: 2,
        keepaliveIntervalMs: 5_000,
        keepaliveTimeoutMs: 3_000,
        maxAttempts: 30,
        initialBackoffMs: 50,
        maxBackoffMs: 2_000,
        feedPollMs: 1_000,
      },
      users: { maxSessions: 1_024 },
    });
    expect(resolveConfig({})).toEqual(config);
  });

  it("fills what a partial pool or retry policy leaves out, keeping what it gives", () => {
    const config = resolveConfig({ pool: { maxConnections: 7, retryPolicy: { maxAttempts: 9 } } });
    expect(config.pool.maxConnections).toBe(7);
    expect(config.pool.minConnections).toBe(5);
    expect(config.pool.retryPolicy).toEqual({
      maxAttempts: 9,
      initialBackoffMs: 100,
      maxBackoffMs: 10_000,
      multiplier: 2,
    });
  });

  it("defaults a local endpoint to mem:// and remote balancing to round-robin", () => {
    expect(resolveConfig({ mode: { kind: "local" } }).mode).toEqual({ kind: "local", endpoint: "mem://" });
    expect(
      resolveConfig({ mode: { kind: "remote", endpoints: ["ws://a:8000", "wss://b:443"] } }).mode,
    ).toEqual({
      kind: "remote",
      endpoints: ["ws://a:8000", "wss://b:443"],
      loadBalancing: "round-robin",
    });
  });

  it("accepts null for the options that can be switched off", () => {
    const config = resolveConfig({
      pool: { idleTimeoutMs: null, maxLifetimeMs: null, maxUses: null, maxWaitingClients: null },
    });
    expect(config.pool).toMatchObject({
      idleTimeoutMs: null,
      maxLifetimeMs: null,
      maxUses: null,
      maxWaitingClients: null,
    });
  });

  it("accepts credentials as an object or a function", () => {
    expect(resolveConfig({ credentials: { username: "root", password: "root" } }).credentials).toEqual({
      username: "root",
      password: "root",
    });
    const fn = () => ({ username: "root", password: "root" });
    expect(resolveConfig({ credentials: fn }).credentials).toBe(fn);
  });

  it("users.maxSessions: a whole number from 1, named when it is not", () => {
    expect(resolveConfig({ users: { maxSessions: 3 } }).users.maxSessions).toBe(3);
    for (const bad of [0, -1, 1.5, "10", Number.POSITIVE_INFINITY]) {
      const issues = configErrorOf({ users: { maxSessions: bad } }).issues;
      expect(issues.map((i) => i.path)).toEqual(["users.maxSessions"]);
    }
    expect(configErrorOf({ users: 5 }).issues.map((i) => i.path)).toEqual(["users"]);
    expect(configErrorOf({ users: { maxSession: 5 } }).issues[0]!.message).toMatch(/maxSession/);
  });
});
