import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../package/scratchApp.js";

const run = promisify(execFile);
const dir = join(REPO_ROOT, "visualizations");

/**
 * `npm run visualize` on an up-to-date tree changes no file: it writes a diagram only when its content
 * changed, and takes a new dashboard screenshot (different pixels at every run) only when asked to
 * (`--dashboard`). Whatever a run did change is put back afterwards.
 */
describe("npm run visualize", () => {
  it("rewrites no tracked file when the diagrams are current", async () => {
    const before = new Map<string, Buffer>();
    for (const name of await readdir(dir)) before.set(name, await readFile(join(dir, name)));
    const hash = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    try {
      const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/visualize.ts"], {
        cwd: REPO_ROOT,
        timeout: 120_000,
      });
      expect(stdout).toContain("0 written");
      const changed: string[] = [];
      for (const name of await readdir(dir)) {
        const now = await readFile(join(dir, name));
        const was = before.get(name);
        if (!was || hash(was) !== hash(now)) changed.push(name);
      }
      expect(changed).toEqual([]);
    } finally {
      for (const [name, content] of before) {
        const now = await readFile(join(dir, name)).catch(() => undefined);
        if (!now?.equals(content)) await writeFile(join(dir, name), content);
      }
    }
  }, 150_000);
});
