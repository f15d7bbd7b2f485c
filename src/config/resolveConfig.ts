import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "../errors/ConfigError.js";
import { guardInspect, guardLogger } from "./guardObservers.js";
import type { Logger } from "./Logger.js";
import type {
  CircuitBreakerOptions,
  ConnectionManagerOptions,
  CredentialsOption,
  HybridMode,
  LiveConfig,
  LoadBalancingStrategy,
  PoolOptions,
  UsersConfig,
} from "./options.js";
import { configSchema } from "./schema.js";

/** Options after validation, with every default filled in. */
export interface ResolvedConfig {
  mode:
    | { kind: "local"; endpoint: string }
    | { kind: "remote"; endpoints: string[]; loadBalancing: LoadBalancingStrategy }
    | (Required<Omit<HybridMode, "tables">> & { tables?: string[] });
  credentials?: CredentialsOption;
  namespace: string;
  database: string;
  pool: PoolOptions;
  circuitBreaker: CircuitBreakerOptions;
  live: LiveConfig;
  users: UsersConfig;
  logger?: Logger;
  inspect?: ConnectionManagerOptions["inspect"];
}

/** Validates options and fills defaults; throws `ConfigError` listing every problem at once. */
export function resolveConfig(options: ConnectionManagerOptions | undefined): ResolvedConfig {
  let result: ReturnType<typeof configSchema.safeParse>;
  try {
    result = configSchema.safeParse(options === undefined ? {} : options);
  } catch (error) {
    // Options whose getters throw (or a Proxy that refuses to be read) cannot be validated at all.
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ path: "", message: `the options could not be read: ${reason}` }]);
  }
  if (!result.success) throw new ConfigError(result.error.issues.map(toConfigIssue));
  const config = result.data as ResolvedConfig;
  if (config.logger) config.logger = guardLogger(config.logger);
  if (config.inspect) config.inspect = guardInspect(config.inspect);
  return config;
}

function toConfigIssue(issue: z.core.$ZodIssue): ConfigIssue {
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    return {
      path,
      message: `unknown option${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}; check the spelling against the README`,
    };
  }
  return { path, message: issue.message };
}
