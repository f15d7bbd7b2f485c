import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, ConnectionManager, isConfigError } from "../../src/index.js";
import { REPO_ROOT } from "../package/scratchApp.js";

/**
 * A `surrealkv://` directory the engine cannot use is refused at create(), at once, with the reason.
 * (The engine itself never answers such an open: the pool used to wait out connectTimeoutMs and then
 * guess at a lock held by another process.)
 */
describe("an unusable surrealkv:// directory", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "surreal-pool-store-"));
    await writeFile(path.join(dir, "a-file"), "not a directory");
  });
  afterAll(async () => {
    await chmod(path.join(dir, "locked"), 0o755).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  const refusal = async (endpoint: string, hybrid = false) => {
    const started = performance.now();
    const error = await ConnectionManager.create({
      mode: hybrid
        ? { kind: "hybrid", localCache: endpoint, remoteSync: ["ws://127.0.0.1:9"] }
        : { kind: "local", endpoint },
      pool: { connectTimeoutMs: 10_000 },
    }).then(
      async (manager) => {
        await manager.shutdown({ timeoutMs: 1_000 });
        return undefined;
      },
      (e: unknown) => e,
    );
    return { error, ms: performance.now() - started };
  };

  it.each([
    [
      "under a file",
      () => `surrealkv://${path.join(dir, "a-file", "store")}`,
      /a-file is a file, not a directory/,
    ],
    ["a file itself", () => `surrealkv://${path.join(dir, "a-file")}`, /a-file is a file, not a directory/],
    ["/etc/passwd/x", () => "surrealkv:///etc/passwd/x", /\/etc\/passwd is a file, not a directory/],
  ])("%s: a ConfigError naming mode.endpoint within a second", async (_what, url, reason) => {
    const { error, ms } = await refusal(url());
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]).toMatchObject({ path: "mode.endpoint" });
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).toContain("surrealkv:// needs a directory this process can create");
    expect(ms).toBeLessThan(1_000);
  });

  it("hybrid mode: the same, naming mode.localCache", async () => {
    const { error } = await refusal(`surrealkv://${path.join(dir, "a-file", "store")}`, true);
    expect(isConfigError(error)).toBe(true);
    expect((error as ConfigError).issues[0]).toMatchObject({ path: "mode.localCache" });
  });

  // As root the child runs as `nobody`, which must be able to run this Node: CI's other Node lines come
  // from npx's cache under /root, which it cannot (those lines skip this case; the main line runs it).
  it.skipIf(process.getuid?.() === 0 && !othersMayRun(process.execPath))(
    "a directory this process may not write: refused (run as an unprivileged user when this is root)",
    async () => {
      const locked = path.join(dir, "locked");
      await writeFile(path.join(dir, "placeholder"), "");
      await import("node:fs/promises").then((fs) => fs.mkdir(locked, { recursive: true }));
      await chmod(dir, 0o755);
      await chmod(locked, 0o555);
      const script = `
      import { ConnectionManager } from ${JSON.stringify(path.join(REPO_ROOT, "src/index.ts"))};
      const started = performance.now();
      try {
        await ConnectionManager.create({ mode: { kind: "local", endpoint: process.argv.at(-1) } });
        console.log(JSON.stringify({ created: true }));
        process.exit(0);
      } catch (error) {
        console.log(JSON.stringify({ code: error.code, message: error.message, ms: performance.now() - started }));
      }`;
      const root = process.getuid?.() === 0;
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            "--import",
            "tsx",
            "--input-type=module",
            "-e",
            script,
            `surrealkv://${path.join(locked, "store")}`,
          ],
          { cwd: REPO_ROOT, ...(root ? { uid: 65534, gid: 65534 } : {}), stdio: ["ignore", "pipe", "pipe"] },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        child.once("close", (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(stdout);
          else reject(new Error(`exit ${code}: ${stderr}`));
        });
      });
      const result = JSON.parse(out.trim().split("\n").pop()!) as {
        code: string;
        message: string;
        ms: number;
      };
      expect(result.code).toBe("CONFIG_INVALID");
      expect(result.message).toMatch(/this process may not create a directory in .*locked \(EACCES\)/);
      expect(result.ms).toBeLessThan(1_000);
    },
    40_000,
  );
});

/** Can a user who is neither the owner nor in the group run `file` (every directory on the way searchable)? */
function othersMayRun(file: string): boolean {
  try {
    if ((statSync(file).mode & 0o001) === 0) return false;
    for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      if ((statSync(dir).mode & 0o001) === 0) return false;
    }
    return true;
  } catch {
    return false;
  }
}
