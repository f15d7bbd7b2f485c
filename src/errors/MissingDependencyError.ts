import { isSurrealPoolError, SurrealPoolError } from "./SurrealPoolError.js";

/** A feature needs an optional package that is not installed; the message names it and how to add it. */
export class MissingDependencyError extends SurrealPoolError {
  /** The npm package to install. */
  readonly packageName: string;

  constructor(packageName: string, feature: string, cause?: unknown) {
    super(
      "MISSING_DEPENDENCY",
      `${feature} needs the optional package "${packageName}", which is not installed: npm install ${packageName}`,
      { cause },
    );
    this.packageName = packageName;
  }
}

export function isMissingDependencyError(error: unknown): error is MissingDependencyError {
  return isSurrealPoolError(error) && error.code === "MISSING_DEPENDENCY";
}

/**
 * Turns "module not found" for `packageName` (and only that) into a `MissingDependencyError`; any other
 * failure of the import is rethrown as it is.
 */
export function missingDependency(error: unknown, packageName: string, feature: string): unknown {
  const e = error as { code?: string; message?: string } | undefined;
  const notFound = e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "MODULE_NOT_FOUND";
  return notFound && e?.message?.includes(packageName)
    ? new MissingDependencyError(packageName, feature, error)
    : error;
}
