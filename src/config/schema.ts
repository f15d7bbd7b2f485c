import { z } from "zod";
import { classifyEndpoint } from "./endpointUrl.js";
import { DEFAULT_LIVE_CONFIG as LIVE } from "./LiveConfig.js";
import {
  DEFAULT_SESSIONS_PER_ENDPOINT,
  DEFAULT_SOCKETS_PER_ENDPOINT,
  DEFAULT_USER_SESSIONS,
  MAX_CONNECTIONS,
  MAX_SESSIONS_PER_ENDPOINT,
  MAX_TIMER_MS,
} from "./limits.js";

const TIMER_LIMIT = `${MAX_TIMER_MS} ms (about 24.8 days): Node.js fires longer timers after 1 ms`;

/** A whole number of milliseconds from `min` up to what a Node.js timer can wait. */
const durationMs = (name: string, min: 0 | 1, hint = "") =>
  z
    .number({ error: `${name} must be a number of milliseconds${hint}` })
    .int({ error: `${name} must be a whole number of milliseconds${hint}` })
    .min(min, {
      error: min === 0 ? `${name} must be 0 or more${hint}` : `${name} must be greater than 0${hint}`,
    })
    .max(MAX_TIMER_MS, { error: `${name} must be at most ${TIMER_LIMIT}${hint}` });

const positiveMs = (name: string) => durationMs(name, 1);

/** A duration that `null` switches off. */
const optionalMs = (name: string) => durationMs(name, 1, " (or null to switch it off)").nullable();

const count = (name: string, min: number, max = Number.MAX_SAFE_INTEGER, why = "") =>
  z
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be a whole number` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}${why}` });

/** Pool sizes are bounded: warming a huge pool blocks the event loop (see MAX_CONNECTIONS). */
const poolSize = (name: string, min: number) =>
  count(
    name,
    min,
    MAX_CONNECTIONS,
    ": a bigger pool blocks the event loop while it opens and adds no throughput (SurrealDB multiplexes requests over each socket)",
  );

const endpoint = z.string({ error: "an endpoint must be a URL string" }).superRefine((url, ctx) => {
  const result = classifyEndpoint(url);
  if ("error" in result) ctx.addIssue({ code: "custom", message: result.error });
});

const remoteEndpoint = endpoint.superRefine((url, ctx) => {
  const result = classifyEndpoint(url);
  if ("kind" in result && result.kind !== "websocket") {
    ctx.addIssue({ code: "custom", message: `remote endpoints must be ws:// or wss:// URLs, got "${url}"` });
  }
});

const strategies = [
  "round-robin",
  "least-connections",
  "random",
  "health-based",
  "power-of-two-choices",
] as const;

const mode = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({ kind: z.literal("local"), endpoint: endpoint.default("mem://") }),
    z.strictObject({
      kind: z.literal("remote"),
      endpoints: z
        .array(remoteEndpoint, { error: 'endpoints must be an array of URLs, e.g. ["ws://db-1:8000"]' })
        .min(1, { error: "remote mode needs at least one endpoint" }),
      loadBalancing: z
        .enum(strategies, { error: `loadBalancing must be one of ${strategies.join(", ")}` })
        .default("round-robin"),
    }),
    z.strictObject({
      kind: z.literal("hybrid"),
      localCache: endpoint,
      remoteSync: z
        .array(remoteEndpoint, { error: 'remoteSync must be an array of URLs, e.g. ["ws://db-1:8000"]' })
        .min(1, { error: "hybrid mode needs at least one remoteSync endpoint" }),
      syncIntervalMs: positiveMs("syncIntervalMs").default(60_000),
      tables: z.array(z.string().min(1)).optional(),
    }),
  ],
  { error: 'mode.kind must be "local", "remote" or "hybrid"' },
);

const credentials = z.union(
  [
    z.strictObject({
      username: z.string().min(1, { error: "username must not be empty" }),
      password: z.string(),
      namespace: z.string().min(1).optional(),
      database: z.string().min(1).optional(),
    }),
    z.strictObject({ token: z.string().min(1, { error: "token must not be empty" }) }),
    z.custom<() => unknown>((v) => typeof v === "function"),
  ],
  { error: "credentials must be { username, password }, { token }, or a function returning one of them" },
);

const retryPolicy = z
  .strictObject(
    {
      maxAttempts: count("retryPolicy.maxAttempts", 1).default(3),
      initialBackoffMs: positiveMs("retryPolicy.initialBackoffMs").default(100),
      maxBackoffMs: positiveMs("retryPolicy.maxBackoffMs").default(10_000),
      multiplier: z
        .number({ error: "retryPolicy.multiplier must be a number" })
        .min(1, { error: "retryPolicy.multiplier must be at least 1" })
        .default(2),
    },
    {
      error:
        "retryPolicy must be an object such as { maxAttempts, initialBackoffMs, maxBackoffMs, multiplier }",
    },
  )
  .default({ maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 10_000, multiplier: 2 });

const pool = z
  .strictObject(
    {
      minConnections: poolSize("minConnections", 0).default(5),
      maxConnections: poolSize("maxConnections", 1).default(20),
      connectionTimeoutMs: positiveMs("connectionTimeoutMs").default(30_000),
      connectTimeoutMs: positiveMs("connectTimeoutMs").default(10_000),
      queryTimeoutMs: optionalMs("queryTimeoutMs").default(60_000),
      idleTimeoutMs: optionalMs("idleTimeoutMs").default(300_000),
      maxLifetimeMs: optionalMs("maxLifetimeMs").default(1_800_000),
      warmConnections: z.boolean({ error: "warmConnections must be true or false" }).default(true),
      healthCheckIntervalMs: positiveMs("healthCheckIntervalMs").default(30_000),
      retryPolicy,
      leakDetectionThresholdMs: optionalMs("leakDetectionThresholdMs").default(null),
      maxUses: count("maxUses", 1).nullable().default(null),
      maxWaitingClients: count("maxWaitingClients", 0).nullable().default(null),
      validateAfterIdleMs: durationMs("validateAfterIdleMs", 0).default(5_000),
      validationTimeoutMs: positiveMs("validationTimeoutMs").default(5_000),
      socketsPerEndpoint: count(
        "socketsPerEndpoint",
        1,
        64,
        ": sessions share sockets; a few carry the whole pool",
      ).default(DEFAULT_SOCKETS_PER_ENDPOINT),
      maxSessionsPerEndpoint: count(
        "maxSessionsPerEndpoint",
        1,
        MAX_SESSIONS_PER_ENDPOINT,
        ": every session the pool opens to one endpoint counts, pooled, live and agents' alike",
      ).default(DEFAULT_SESSIONS_PER_ENDPOINT),
      allowExitOnIdle: z.boolean({ error: "allowExitOnIdle must be true or false" }).default(false),
    },
    { error: "pool must be an object such as { minConnections, maxConnections, connectionTimeoutMs }" },
  )
  .superRefine((p, ctx) => {
    if (p.minConnections > p.maxConnections) {
      ctx.addIssue({
        code: "custom",
        path: ["minConnections"],
        message: `minConnections (${p.minConnections}) is greater than maxConnections (${p.maxConnections}); raise maxConnections or lower minConnections`,
      });
    }
    // (A minConnections past MAX_CONNECTIONS is refused already, with the reason.)
    if (p.minConnections > p.maxSessionsPerEndpoint && p.minConnections <= MAX_CONNECTIONS) {
      ctx.addIssue({
        code: "custom",
        path: ["maxSessionsPerEndpoint"],
        message: `maxSessionsPerEndpoint (${p.maxSessionsPerEndpoint}) is less than minConnections (${p.minConnections}): one endpoint could not hold them; raise maxSessionsPerEndpoint`,
      });
    }
    if (p.retryPolicy.initialBackoffMs > p.retryPolicy.maxBackoffMs) {
      ctx.addIssue({
        code: "custom",
        path: ["retryPolicy", "initialBackoffMs"],
        message: `initialBackoffMs (${p.retryPolicy.initialBackoffMs}) exceeds maxBackoffMs (${p.retryPolicy.maxBackoffMs}); raise maxBackoffMs`,
      });
    }
  });

const breaker = z.strictObject(
  {
    failureThreshold: count("failureThreshold", 1).default(5),
    resetTimeoutMs: positiveMs("resetTimeoutMs").default(30_000),
    baseResetTimeoutMs: positiveMs("baseResetTimeoutMs").default(250),
    halfOpenMaxProbes: count("halfOpenMaxProbes", 1).default(1),
  },
  { error: "circuitBreaker must be an object such as { failureThreshold, resetTimeoutMs }" },
);

/** `live`: the connections kept for `manager.live()` (src/config/LiveConfig.ts documents each field). */
const live = z.strictObject(
  {
    subscriptionsPerConnection: count("live.subscriptionsPerConnection", 1, 100_000).default(
      LIVE.subscriptionsPerConnection,
    ),
    connectionsPerEndpoint: count("live.connectionsPerEndpoint", 1, 64).default(LIVE.connectionsPerEndpoint),
    keepaliveIntervalMs: positiveMs("live.keepaliveIntervalMs").default(LIVE.keepaliveIntervalMs),
    keepaliveTimeoutMs: positiveMs("live.keepaliveTimeoutMs").default(LIVE.keepaliveTimeoutMs),
    maxAttempts: count("live.maxAttempts", 1).default(LIVE.maxAttempts),
    initialBackoffMs: positiveMs("live.initialBackoffMs").default(LIVE.initialBackoffMs),
    maxBackoffMs: positiveMs("live.maxBackoffMs").default(LIVE.maxBackoffMs),
    feedPollMs: positiveMs("live.feedPollMs").default(LIVE.feedPollMs),
  },
  { error: "live must be an object such as { connectionsPerEndpoint, keepaliveTimeoutMs }" },
);

/** `users`: the sessions kept for end users (`manager.as(identity)`). */
const users = z.strictObject(
  {
    maxSessions: count("users.maxSessions", 1, MAX_SESSIONS_PER_ENDPOINT).default(DEFAULT_USER_SESSIONS),
  },
  { error: "users must be an object such as { maxSessions }" },
);

const identifier = (name: string) =>
  z.string({ error: `${name} must be a string` }).min(1, { error: `${name} must not be empty` });

/** What the pool calls on the logger's child (src/observers/logging.ts): checked before any event. */
const LOG_METHODS = ["child", "debug", "info", "warn", "error"] as const;

/**
 * A pino logger, checked by taking the child the pool will log through: a `child()` that throws or
 * returns something without pino's methods would otherwise crash the process on the first event.
 */
const logger = z.unknown().superRefine((value, ctx) => {
  const problem = loggerProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `logger must be a pino logger: ${problem}` });
});

function loggerProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return `got ${value === null ? "null" : typeof value}`;
  try {
    // Two levels, as the pool logs: its component child, and a child of that per connection.
    const component = childOf(value, { component: "surreal-pool" });
    if (typeof component === "string") return component;
    const perConnection = childOf(component, { endpoint: "mem://", connectionId: "check" });
    return typeof perConnection === "string" ? `on the child it returned, ${perConnection}` : undefined;
  } catch (error) {
    return `child() threw (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** The child a logger makes, or what is wrong with it. */
function childOf(logger: object, bindings: Record<string, string>): object | string {
  const child = (logger as { child?: unknown }).child;
  if (typeof child !== "function") return "it has no child() function";
  const made: unknown = child.call(logger, bindings);
  if (typeof made !== "object" || made === null) {
    return `child() returned ${made === null ? "null" : typeof made}, not a logger`;
  }
  const missing = LOG_METHODS.filter((m) => typeof (made as Record<string, unknown>)[m] !== "function");
  return missing.length > 0 ? `child() returned a logger without ${missing.join(", ")}` : made;
}

export const configSchema = z.strictObject(
  {
    mode: mode.default({ kind: "local", endpoint: "mem://" }),
    credentials: credentials.optional(),
    namespace: identifier("namespace").default("surreal_pool"),
    database: identifier("database").default("main"),
    pool: pool.default(() => pool.parse({})),
    circuitBreaker: breaker.default(() => breaker.parse({})),
    live: live.default(() => live.parse({})),
    users: users.default(() => users.parse({})),
    logger: logger.optional(),
    inspect: z
      .custom<object>((v) => typeof v === "function" || (typeof v === "object" && v !== null), {
        error: "inspect must be an inspection observer: a function or { next(event) }",
      })
      .optional(),
  },
  { error: "options must be an object such as { mode, namespace, database, pool }" },
);
