// A shutdown that races agent sessions still being created resolves, and the process then exits by
// itself (before, shutdown never resolved and the process stayed alive): embedded mem://, surrealkv://
// and a ws:// loopback endpoint, each its own child process.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";

const SCRIPT = fileURLToPath(new URL("./createRace.ts", import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
/** Start-up and shutdown(1 s) of the child on a busy machine. */
const WORK_MS = 30_000;
const EXIT_MS = 2_000;

interface Outcome {
  code: number | null;
  /** ms from the shutdown line to the exit; undefined when shutdown() never resolved. */
  exitAfterShutdownMs: number | undefined;
  output: string;
}

function run(endpoint: string): Promise<Outcome> {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, SCRIPT, "--endpoint", endpoint], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let shutdownAt: number | undefined;
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (shutdownAt === undefined && output.includes('{"shutdown"')) shutdownAt = performance.now();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-6_000);
  });
  return new Promise((resolve) => {
    // Bounded either way: a child that hangs is killed and reported as not having exited in time.
    const killer = setTimeout(() => child.kill("SIGKILL"), WORK_MS);
    const watchdog = setInterval(() => {
      if (shutdownAt !== undefined && performance.now() - shutdownAt > EXIT_MS + 3_000) child.kill("SIGKILL");
    }, 200);
    child.once("exit", (code) => {
      clearTimeout(killer);
      clearInterval(watchdog);
      resolve({
        code,
        exitAfterShutdownMs: shutdownAt === undefined ? undefined : performance.now() - shutdownAt,
        output,
      });
    });
  });
}

describe("shutdown() while agent sessions are being created: the process exits by itself", () => {
  let endpoint: EndpointHandle | undefined;
  let dir: string | undefined;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    dir = mkdtempSync(join(tmpdir(), "create-race-"));
  });
  afterAll(async () => {
    await endpoint?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ["embedded mem://", () => "mem://"],
    ["surrealkv://", () => `surrealkv://${dir}`],
    ["ws:// loopback", () => endpoint!.url],
  ])(
    "%s",
    async (_what, url) => {
      const outcome = await run(url());
      expect(outcome.exitAfterShutdownMs, `shutdown() never resolved:\n${outcome.output}`).toBeDefined();
      expect(outcome.code, outcome.output).toBe(0);
      expect(outcome.exitAfterShutdownMs!).toBeLessThan(EXIT_MS);
      // Every create settled: a session (closed by the shutdown) or a typed refusal.
      const line = JSON.parse(outcome.output.split("\n").find((l) => l.startsWith('{"shutdown"'))!) as {
        creates: string[];
      };
      expect(line.creates).toHaveLength(8);
      for (const c of line.creates) expect(c).toMatch(/^(created \((closed|failed)\)|refused POOL_CLOSED)$/);
      console.log(_what, `exit ${outcome.exitAfterShutdownMs!.toFixed(0)} ms after shutdown`, line.creates);
    },
    WORK_MS + 10_000,
  );
});
