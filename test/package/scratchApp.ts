// A consumer's view of the package: pack it as npm would publish it, install the tarball into a fresh
// app in a temp dir with the README's install line, and run code there. Used by the package tests and
// by the install-cost bench row.
import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

/**
 * The environment for npm and node children: without the `npm_*` variables an enclosing `npm test`
 * exports (they would point the child npm at this repository's config and lifecycle).
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.toLowerCase().startsWith("npm_") && key !== "NODE_OPTIONS" && !key.startsWith("VITEST")) {
      env[key] = value;
    }
  }
  return { ...env, ...extra };
}

/** Runs `npm pack` (its `prepack` builds dist/) and returns the tarball's path inside `destination`. */
export async function packTarball(destination: string): Promise<string> {
  const { stdout } = await run("npm", ["pack", "--silent", "--pack-destination", destination], {
    cwd: REPO_ROOT,
    env: cleanEnv(),
    timeout: 180_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const name = stdout.trim().split("\n").pop();
  if (!name?.endsWith(".tgz")) throw new Error(`npm pack printed no tarball name: ${stdout}`);
  return path.join(destination, name);
}

/**
 * The `npm install ...` lines of the README's "## Install" section, in order. The first is the full
 * install (embedded engine included); others are variants the section documents (ws:// only).
 */
export async function readmeInstallLines(): Promise<string[]> {
  const readme = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
  const section = /^## Install\n([\s\S]*?)^## /m.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "## Install" section');
  const blocks = [...section.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const lines = blocks
    .join("\n")
    .split("\n")
    .map((l) => l.replace(/#.*$/, "").trim())
    .filter((l) => l.startsWith("npm install "));
  if (lines.length === 0) throw new Error('README.md\'s "## Install" block has no "npm install" line');
  return lines;
}

/**
 * The word of an install line that names this package: `surreal-pool` (the registry's name, once
 * published) or a path to its packed tarball (`../surreal-pool/surreal-pool-0.1.0.tgz`, the README's
 * line until then). Tests swap it for the tarball they packed.
 */
export function isPackageWord(word: string): boolean {
  return word === "surreal-pool" || /(^|\/)surreal-pool-\d+\.\d+\.\d+[^/]*\.tgz$/.test(word);
}

/** The README's quick start: the first TypeScript block of its "## Quick start" section. */
export async function readmeQuickStart(): Promise<string> {
  const readme = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
  const section = /^## Quick start\n([\s\S]*?)^## /m.exec(readme)?.[1];
  const block = section && /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no ```ts block in "## Quick start"');
  return block;
}

export interface ScratchApp {
  dir: string;
  /** The install line as run (the package name replaced by the tarball's path). */
  installLine: string;
  installMs: number;
  /** Runs `node <args>` in the app; rejects on a non-zero exit or after `timeoutMs` (then kills it). */
  node(args: string[], options?: NodeRunOptions): Promise<RunResult>;
  /** Runs `command` (another runtime: `bun`, `deno run -A`) with `args` in the app, as `node()` does. */
  run(command: string[], args: string[], options?: Omit<NodeRunOptions, "node">): Promise<RunResult>;
  write(file: string, text: string): Promise<void>;
  remove(): Promise<void>;
}

export interface NodeRunOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
  /** The Node binary. Default: the one running this process. */
  node?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * A fresh app (package.json `"type": "module"`) in a temp dir, with `installLine` run in it: the
 * README's line with `surreal-pool` replaced by the tarball. npm's cache (filled by `npm ci`) serves
 * every other package, so this stays fast and offline of anything but the npm registry.
 */
export async function createScratchApp(tarball: string, installLine: string): Promise<ScratchApp> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "surreal-pool-consumer-"));
  await writeFile(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name: "scratch-consumer", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`,
  );
  const words = installLine.split(/\s+/);
  if (words[0] !== "npm" || words[1] !== "install" || !words.some(isPackageWord)) {
    throw new Error(`not an install line for surreal-pool: ${installLine}`);
  }
  const args = words.slice(1).map((w) => (isPackageWord(w) ? tarball : w));
  const started = performance.now();
  await run("npm", [...args, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir,
    env: cleanEnv(),
    timeout: 180_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const installMs = performance.now() - started;
  return {
    dir,
    installLine: `npm ${args.join(" ")}`,
    installMs,
    node: (nodeArgs, options = {}) =>
      runIn(
        dir,
        [options.node ?? process.execPath],
        nodeArgs,
        options.timeoutMs ?? 60_000,
        options.env ?? {},
      ),
    run: (command, args, options = {}) =>
      runIn(dir, command, args, options.timeoutMs ?? 60_000, options.env ?? {}),
    write: async (file, text) => {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

function runIn(
  cwd: string,
  [program, ...programArgs]: string[],
  args: string[],
  timeoutMs: number,
  env: Record<string, string>,
) {
  const node = program!;
  args = [...programArgs, ...args];
  return new Promise<RunResult>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(node, args, { cwd, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (code === 0) resolve({ stdout, stderr, ms });
      else {
        const why = signal ? `was killed (${signal}; timeout ${timeoutMs} ms?)` : `exited with ${code}`;
        reject(new Error(`${node} ${args.join(" ")} ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
      }
    });
  });
}

export interface InstallSize {
  /**
   * Installed packages, counted as npm counts them ("added N packages"): each directory directly
   * under a `node_modules` (or a scope in it), nested `node_modules` included; not the package.json
   * files some packages keep in their own subfolders (tslib/modules, rxjs's dist).
   */
  packages: number;
  /** Apparent size of node_modules in MB (10^6 bytes). */
  megabytes: number;
  /** `name@path` of each package. */
  names: string[];
}

/** What the install put on disk. */
export async function installSize(appDir: string): Promise<InstallSize> {
  const names = new Set<string>();
  const packagesIn = async (nodeModules: string): Promise<void> => {
    for (const entry of await readdir(nodeModules, { withFileTypes: true }).catch(() => [])) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const full = path.join(nodeModules, entry.name);
      if (entry.name.startsWith("@")) {
        await packagesIn(full); // a scope: its entries are the packages
        continue;
      }
      const manifest = await readFile(path.join(full, "package.json"), "utf8").catch(() => undefined);
      const name = manifest ? (JSON.parse(manifest) as { name?: string }).name : undefined;
      names.add(`${name ?? entry.name}@${path.relative(appDir, full)}`);
      await packagesIn(path.join(full, "node_modules"));
    }
  };
  let bytes = 0;
  const sizeOf = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await sizeOf(full);
      else if (entry.isFile()) bytes += (await stat(full)).size;
    }
  };
  const root = path.join(appDir, "node_modules");
  await packagesIn(root);
  await sizeOf(root);
  return { packages: names.size, megabytes: bytes / 1e6, names: [...names].sort() };
}

/** How many packages npm itself says it installed: the entries of its hidden lockfile. */
export async function npmPackageCount(appDir: string): Promise<number> {
  const lock = JSON.parse(
    await readFile(path.join(appDir, "node_modules", ".package-lock.json"), "utf8"),
  ) as {
    packages: Record<string, { link?: boolean }>;
  };
  return Object.entries(lock.packages).filter(([key, entry]) => key !== "" && !entry.link).length;
}
