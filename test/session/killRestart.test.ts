import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// A process killed mid-work (SIGKILL, no chance to flush or close) and restarted keeps every
// transaction whose flush had completed: the durable log lives in surrealkv:// on disk.

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const WORKER = fileURLToPath(new URL("./support/agentWorker.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "surreal-pool-agent-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runWorker(args: string[], onLine: (line: string, kill: () => void) => void, limitMs: number) {
  return new Promise<{ lines: string[]; signal: NodeJS.Signals | null }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", TSX_LOADER, WORKER, `--dir=${dir}`, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    let stderr = "";
    let buffer = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        onLine(line, () => child.kill("SIGKILL"));
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && signal !== "SIGKILL")
        reject(new Error(`worker exited ${code}: ${stderr.slice(-2_000)}`));
      else resolve({ lines, signal });
    });
  });
}

describe("agent log durability across a crash", () => {
  it("keeps every flushed entry, committed and aborted, after SIGKILL and restart", async () => {
    let durable = 0;
    const first = await runWorker(
      ["--mode=create"],
      (line, kill) => {
        if (line.startsWith("DURABLE ") && ++durable === 25) kill(); // mid-work: the loop is still going
      },
      30_000,
    );
    expect(first.signal).toBe("SIGKILL");
    const flushed = first.lines
      .filter((l) => l.startsWith("DURABLE "))
      .map((l) => l.slice("DURABLE ".length));
    expect(flushed.length).toBeGreaterThanOrEqual(25);

    const second = await runWorker(["--mode=restore"], () => {}, 30_000);
    const history = JSON.parse(second.lines.find((l) => l.startsWith("["))!) as {
      id: string;
      status: string;
    }[];
    const byId = new Map(history.map((e) => [e.id, e.status]));
    for (const [i, id] of flushed.entries()) {
      // Every flushed entry is there with the status it had: aborted every 7th from index 3, else committed.
      expect(byId.get(id)).toBe(i % 7 === 3 ? "aborted" : "committed");
    }
    // Nothing settled was lost, and at most the one in flight at the kill is extra (recorded, maybe settled).
    expect(history.length - flushed.length).toBeLessThanOrEqual(1);
  }, 60_000);
});
