import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const DEMO = fileURLToPath(new URL("../../src/demo/main.ts", import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

interface Line {
  text: string;
  /** ms since the demo's first line. */
  at: number;
}

/** Runs `npm start`'s program with stdout piped (as `npm start | cat`); every line with when it came. */
function runDemo(args: string[]): Promise<{ code: number | null; lines: Line[] }> {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, DEMO, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Line[] = [];
  let first: number | undefined;
  let partial = "";
  child.stdout.on("data", (chunk: Buffer) => {
    const now = performance.now();
    first ??= now;
    partial += chunk.toString("utf8");
    const complete = partial.split("\n");
    partial = complete.pop()!;
    for (const text of complete) lines.push({ text, at: now - first });
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("exit", (code) => {
      clearTimeout(killer);
      if (code !== 0) lines.push({ text: `stderr: ${stderr}`, at: Number.NaN });
      resolve({ code, lines });
    });
  });
}

describe("npm start, piped", () => {
  it("a worker per connection, progress every second while it runs, no sync counters in local mode", async () => {
    const { code, lines } = await runDemo(["--seconds=3", "--workers=8"]);
    const all = lines.map((l) => l.text).join("\n");
    expect(code, all).toBe(0);
    // What it runs, first: as many workers as the pool has connections.
    expect(lines[0]!.text).toBe(
      "demo: 8 workers of mixed CRUD for 3 s on mem://, a pool of up to 8 connections",
    );
    // Progress arrives as the work runs (a line per second), not all at the end.
    const progress = lines.filter((l) => l.text.startsWith("progress: "));
    expect(progress.length, all).toBeGreaterThanOrEqual(2);
    expect(progress[0]!.at, all).toBeLessThan(2_000);
    const summary = lines.find((l) => /operations in .* s \(\d+ ops\/s\), 0 failed/.test(l.text));
    expect(summary, all).toBeDefined();
    expect(summary!.at - progress[0]!.at).toBeGreaterThan(1_000);
    // Nobody waits: each worker has its own connection.
    for (const p of progress) expect(p.text).toMatch(/waiting 0$/);
    // Local mode: no hybrid-sync rows in the metrics table.
    expect(all).toContain("metrics snapshot:");
    expect(all).not.toMatch(/\bsync\w*\b/);
    expect(all).toMatch(/shutdown: closed \d+ connections/);
  }, 90_000);
});
