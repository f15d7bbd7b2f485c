import { z } from "zod";
import { classifyEndpoint } from "./endpointUrl.js";

const positiveMs = (name: string, hint = "") =>
  z
    .number({ error: `${name} must be a number of milliseconds${hint}` })
    .int({ error: `${name} must be a whole number of milliseconds${hint}` })
    .positive({ error: `${name} must be greater than 0${hint}` });

/** A duration that `null` switches off. */
const optionalMs = (name: string) => positiveMs(name, " (or null to switch it off)").nullable();

const count = (name: string, min: number) =>
  z
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be a whole number` })
    .min(min, { error: `${name} must be at least ${min}` });

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
    z.custom<() => unknown>((v) => typeof v === "function"),
  ],
  { error: "credentials must be { username, password } or a function returning them" },
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
      minConnections: count("minConnections", 0).default(5),
      maxConnections: count("maxConnections", 1).default(20),
      connectionTimeoutMs: positiveMs("connectionTimeoutMs").default(30_000),
      idleTimeoutMs: optionalMs("idleTimeoutMs").default(300_000),
      maxLifetimeMs: optionalMs("maxLifetimeMs").default(1_800_000),
      warmConnections: z.boolean({ error: "warmConnections must be true or false" }).default(true),
      healthCheckIntervalMs: positiveMs("healthCheckIntervalMs").default(30_000),
      retryPolicy,
      leakDetectionThresholdMs: optionalMs("leakDetectionThresholdMs").default(null),
      maxUses: count("maxUses", 1).nullable().default(null),
      maxWaitingClients: count("maxWaitingClients", 0).nullable().default(null),
      validateAfterIdleMs: z
        .number({ error: "validateAfterIdleMs must be a number of milliseconds" })
        .int({ error: "validateAfterIdleMs must be a whole number of milliseconds" })
        .min(0, { error: "validateAfterIdleMs must be 0 or more" })
        .default(5_000),
      validationTimeoutMs: positiveMs("validationTimeoutMs").default(5_000),
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
    halfOpenMaxProbes: count("halfOpenMaxProbes", 1).default(1),
  },
  { error: "circuitBreaker must be an object such as { failureThreshold, resetTimeoutMs }" },
);

const identifier = (name: string) =>
  z.string({ error: `${name} must be a string` }).min(1, { error: `${name} must not be empty` });

export const configSchema = z.strictObject(
  {
    mode: mode.default({ kind: "local", endpoint: "mem://" }),
    credentials: credentials.optional(),
    namespace: identifier("namespace").default("surreal_pool"),
    database: identifier("database").default("main"),
    pool: pool.default(() => pool.parse({})),
    circuitBreaker: breaker.default(() => breaker.parse({})),
    logger: z
      .custom<object>(
        (v) => typeof v === "object" && v !== null && typeof (v as { child?: unknown }).child === "function",
        {
          error: "logger must be a pino logger (an object with child())",
        },
      )
      .optional(),
    inspect: z
      .custom<object>((v) => typeof v === "function" || (typeof v === "object" && v !== null), {
        error: "inspect must be an inspection observer: a function or { next(event) }",
      })
      .optional(),
  },
  { error: "options must be an object such as { mode, namespace, database, pool }" },
);
