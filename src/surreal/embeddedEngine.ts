import type { Engines } from "surrealdb";
import { ConfigError } from "../errors/ConfigError.js";

/**
 * `@surrealdb/node` is an optional peer dependency: it carries a native engine of tens of megabytes
 * that only `mem://` and `surrealkv://` need. It is imported here, lazily, the first time an embedded
 * engine opens, so an application that only talks to `ws://` servers never installs or loads it.
 */
export const EMBEDDED_ENGINE_PACKAGE = "@surrealdb/node";

/** What the pool uses of `@surrealdb/node`; spelled out so no published type names the optional package. */
export interface EmbeddedEngineModule {
  createNodeEngines(): Engines;
}

/**
 * Refuses an embedded endpoint at `create()` when `@surrealdb/node` cannot be found, before anything
 * starts. `resolve` is for tests. Where `import.meta.resolve` is missing (some bundlers), the check
 * is left to `loadEmbeddedEngine`, which fails with the same error.
 */
export function assertEmbeddedEngineInstalled(
  endpoint: string,
  optionPath: string,
  resolve: (() => string) | undefined = typeof import.meta.resolve === "function"
    ? () => import.meta.resolve(EMBEDDED_ENGINE_PACKAGE)
    : undefined,
): void {
  if (!resolve) return;
  try {
    resolve();
  } catch (error) {
    if (isModuleNotFound(error)) throw missingEngineError(endpoint, optionPath);
    throw error;
  }
}

/** Imports `@surrealdb/node` (cached by the module loader after the first call). `load` is for tests. */
export async function loadEmbeddedEngine(
  endpoint: string,
  optionPath: string,
  load: () => Promise<EmbeddedEngineModule> = () => import("@surrealdb/node"),
): Promise<EmbeddedEngineModule> {
  try {
    return await load();
  } catch (error) {
    if (isModuleNotFound(error)) throw missingEngineError(endpoint, optionPath);
    throw error;
  }
}

export function missingEngineError(endpoint: string, optionPath: string): ConfigError {
  return new ConfigError([
    {
      path: optionPath,
      message: `"${endpoint}" runs SurrealDB in this process and needs the optional peer dependency ${EMBEDDED_ENGINE_PACKAGE}, which is not installed; run \`npm install ${EMBEDDED_ENGINE_PACKAGE}\`, or use a ws:// or wss:// endpoint`,
    },
  ]);
}

/** The package itself is missing (not a module it imports, which would be a broken install, not ours to explain). */
function isModuleNotFound(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
    typeof message === "string" &&
    message.includes(EMBEDDED_ENGINE_PACKAGE)
  );
}
