// The embedded engine prints a debug dump to stderr on every commit that records a change-feed entry
// and on every SHOW CHANGES. When stderr is a pipe whose reader falls behind (a log shipper, `| cat`,
// a test runner), a non-blocking pipe fills, the engine's write fails with EAGAIN, Rust panics in native
// code and the process aborts with no message. The pool makes stderr blocking when it opens an embedded
// engine: the process waits for its reader instead. (Before, only hybrid mode did, so a live query on a
// fed table killed the vitest worker that ran it.)
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("./fedWriter.ts", import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

function runWithSlowStderrReader(): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, SCRIPT], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  // Read stderr in small sips, 8 KiB a turn every 100 ms: far slower than the engine writes it.
  child.stderr.pause();
  const sip = setInterval(() => {
    child.stderr.read(8_192);
  }, 100);
  child.stderr.on("readable", () => {});
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("exit", (code, signal) => {
      clearTimeout(killer);
      clearInterval(sip);
      child.stderr.resume();
      resolve({ code, signal, stdout });
    });
  });
}

describe("embedded engine with a change feed, stderr a slow pipe", () => {
  it("writes, a live query and shutdown finish; the process is not aborted", async () => {
    const outcome = await runWithSlowStderrReader();
    expect(outcome.signal).toBeNull();
    expect(outcome.code).toBe(0);
    expect(JSON.parse(outcome.stdout.trim().split("\n").pop()!)).toMatchObject({ done: true });
  }, 70_000);
});
