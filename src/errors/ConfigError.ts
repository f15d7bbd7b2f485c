import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/** One problem found in the options, with the dotted path of the option at fault. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** The options given to `ConnectionManager.create` cannot work; every issue says what to change. */
export class ConfigError extends SurrealPoolError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    const lines = issues.map((i) => `  - ${i.path || "(options)"}: ${i.message}`);
    super("CONFIG_INVALID", `invalid surreal-pool options:\n${lines.join("\n")}`);
    this.issues = issues;
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return isSurrealPoolError(error) && error.code === "CONFIG_INVALID";
}
