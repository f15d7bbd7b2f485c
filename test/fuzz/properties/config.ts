// ConnectionManager.create with random and mutated options: it resolves with a working manager (which
// then shuts down in time) or rejects with a typed error (ConfigError, or ConnectError / the refusal
// when a loopback endpoint cannot serve): never a foreign error, a crash or a hang.
import fc from "fast-check";
import { ConnectionManager } from "../../../src/index.js";
import { isTyped, outcomeOf, show } from "../outcome.js";
import { troubleMark, troubleSince } from "../trouble.js";
import { nastyValue } from "../values.js";

/** Every option path (and a few misspelt or unknown ones) a mutation may overwrite. */
const PATHS = [
  "mode",
  "mode.kind",
  "mode.endpoint",
  "mode.endpoints",
  "mode.loadBalancing",
  "mode.localCache",
  "mode.remoteSync",
  "mode.syncIntervalMs",
  "mode.tables",
  "credentials",
  "credentials.username",
  "credentials.password",
  "credentials.namespace",
  "namespace",
  "database",
  "pool",
  "pool.minConnections",
  "pool.maxConnections",
  "pool.connectionTimeoutMs",
  "pool.idleTimeoutMs",
  "pool.maxLifetimeMs",
  "pool.warmConnections",
  "pool.healthCheckIntervalMs",
  "pool.retryPolicy",
  "pool.retryPolicy.maxAttempts",
  "pool.retryPolicy.initialBackoffMs",
  "pool.retryPolicy.maxBackoffMs",
  "pool.retryPolicy.multiplier",
  "pool.leakDetectionThresholdMs",
  "pool.maxUses",
  "pool.maxWaitingClients",
  "pool.validateAfterIdleMs",
  "pool.validationTimeoutMs",
  "circuitBreaker",
  "circuitBreaker.failureThreshold",
  "circuitBreaker.resetTimeoutMs",
  "circuitBreaker.halfOpenMaxProbes",
  "logger",
  "inspect",
  "pool.maxConection",
  "extra",
] as const;

/** A valid, small starting point on loopback or embedded endpoints. */
const base = fc.record({
  mode: fc.constantFrom(
    { kind: "local", endpoint: "mem://" },
    { kind: "local" },
    { kind: "remote", endpoints: ["ws://127.0.0.1:1/rpc"], loadBalancing: "random" },
    { kind: "hybrid", localCache: "mem://", remoteSync: ["ws://127.0.0.1:1/rpc"], syncIntervalMs: 50 },
  ),
  pool: fc.record({
    minConnections: fc.integer({ min: 0, max: 3 }),
    maxConnections: fc.integer({ min: 3, max: 5 }),
    warmConnections: fc.boolean(),
    connectionTimeoutMs: fc.integer({ min: 50, max: 1_000 }),
  }),
});

const mutations = fc.array(fc.tuple(fc.constantFrom(...PATHS), nastyValue), { minLength: 1, maxLength: 4 });

/** Options: a valid base with a few paths overwritten, or something random altogether. */
export const configOptions: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(base, mutations).map(([b, m]) => mutate(structuredClone(b), m)) },
  {
    weight: 1,
    arbitrary: fc.anything({ maxDepth: 2 }).filter((v) => !JSON.stringify(v ?? null).includes("://")),
  },
  { weight: 1, arbitrary: nastyValue },
);

function mutate(options: Record<string, unknown>, changes: [string, unknown][]): Record<string, unknown> {
  for (const [path, value] of changes) {
    const keys = path.split(".");
    let at: Record<string, unknown> = options;
    for (const key of keys.slice(0, -1)) {
      const next = at[key];
      if (!isPlainObject(next)) at[key] = {};
      at = at[key] as Record<string, unknown>;
    }
    at[keys.at(-1)!] = value;
  }
  return options;
}

/** A plain, writable object (not a Proxy that throws, not frozen, not an array or a function). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  try {
    return (
      typeof value === "object" &&
      value !== null &&
      Object.getPrototypeOf(value) === Object.prototype &&
      !Object.isFrozen(value) &&
      Object.keys(value).every((k) => Object.getOwnPropertyDescriptor(value, k)?.writable !== false)
    );
  } catch {
    return false;
  }
}

export function configProperty() {
  return fc.asyncProperty(configOptions, async (options) => {
    const mark = troubleMark();
    const created = await outcomeOf(() => ConnectionManager.create(options as never), 15_000);
    if (created.kind === "value") {
      const manager = created.value as ConnectionManager;
      const health = await outcomeOf(() => manager.healthStatus());
      if (health.kind !== "value") throw new Error(`healthStatus() of a created manager: ${show(health)}`);
      const shutdown = await outcomeOf(() => manager.shutdown({ timeoutMs: 2_000 }), 10_000);
      if (shutdown.kind !== "value") throw new Error(`shutdown() of a created manager: ${show(shutdown)}`);
    } else if (!isTyped(created)) {
      throw new Error(`create() ended with ${show(created)}: expected a manager or a typed SurrealPoolError`);
    } else if (created.kind === "error" && created.sync) {
      throw new Error(`create() threw synchronously instead of rejecting: ${show(created)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20)); // room for a late throw to surface
    const trouble = troubleSince(mark);
    if (trouble.length > 0) throw new Error(`escaped: ${trouble.join("; ")}`);
  });
}
