import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../errors/ConfigError.js";

/**
 * The embedded engine (SurrealDB 3.0.2) does not fail on a `surrealkv://` directory it cannot use (a
 * file, or no permission to create or write it): its open never settles, and the pool could only say
 * so at the connect deadline, guessing at a lock. The path is checked here instead, before anything
 * opens, so such an endpoint is refused at `create()` with the reason.
 */

/** The directory a `surrealkv://DIR` (or `surrealkv+versioned://DIR`) URL names, as the engine reads it. */
export function storeDirectoryOf(url: string): string | undefined {
  const match = /^surrealkv(?:\+versioned)?:\/\/([^?#]*)/i.exec(url);
  return match?.[1] || undefined;
}

/** Why the engine could not keep its files at `dir` (relative to the working directory), or undefined. */
export function storeDirectoryProblem(dir: string): string | undefined {
  const absolute = path.resolve(dir);
  const existing = statOrUndefined(absolute);
  if (existing) {
    if (!existing.isDirectory()) return `${absolute} is a file, not a directory`;
    return accessProblem(absolute, "read and write");
  }
  // Not there yet: the engine creates it, so its nearest existing ancestor must be a writable directory.
  for (let parent = path.dirname(absolute); ; parent = path.dirname(parent)) {
    const found = statOrUndefined(parent);
    if (found) {
      if (!found.isDirectory()) return `${parent} is a file, not a directory`;
      return accessProblem(parent, "create a directory in");
    }
    if (parent === path.dirname(parent)) return `no part of ${absolute} exists`;
  }
}

/** Refuses a `surrealkv://` endpoint whose directory cannot be used, naming the option that gave it. */
export function assertStoreDirectoryUsable(endpoint: string, optionPath: string): void {
  const dir = storeDirectoryOf(endpoint);
  if (dir === undefined) return; // mem://
  const problem = storeDirectoryProblem(dir);
  if (!problem) return;
  throw new ConfigError([
    {
      path: optionPath,
      message: `"${endpoint}" cannot be opened: ${problem}; surrealkv:// needs a directory this process can create, read and write`,
    },
  ]);
}

function statOrUndefined(file: string) {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function accessProblem(dir: string, what: string): string | undefined {
  try {
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code ?? "denied";
    return `this process may not ${what} ${dir} (${code})`;
  }
}
