import type { Logger } from "pino";
import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "../errors/ConfigError.js";
import type {
  CircuitBreakerOptions,
  ConnectionManagerOptions,
  CredentialsOption,
  HybridMode,
  LoadBalancingStrategy,
  PoolOptions,
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
  logger?: Logger;
  inspect?: ConnectionManagerOptions["inspect"];
}

/** Validates options and fills defaults; throws `ConfigError` listing every problem at once. */
export function resolveConfig(options: ConnectionManagerOptions | undefined): ResolvedConfig {
  const result = configSchema.safeParse(options === undefined ? {} : options);
  if (!result.success) throw new ConfigError(result.error.issues.map(toConfigIssue));
  return result.data as ResolvedConfig;
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
