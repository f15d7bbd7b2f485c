// Work of every kind racing shutdown() (see racesShutdown.ts): every call settles, with a value or a typed
// error; none reaches the closed engine (the process is not aborted); shutdown keeps its timeout; and the
// process exits by itself. Before: live subscriptions made just before shutdown re-opened the embedded
// engine after it closed and kept the process alive (12 s and counting).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";

const SCRIPT = fileURLToPath(new URL("./racesShutdown.ts", import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const EXIT_MS = 2_000;

interface Report {
  shutdown: number;
  shutdownMs: number;
  pendingAfter: boolean;
  outcomes: Record<string, number>;
}

function run(
  args: string[],
): Promise<{ code: number | null; signal: string | null; report?: Report; exitMs?: number; output: string }> {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, SCRIPT, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let output = "";
  let reportAt: number | undefined;
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    output = (output + chunk.toString("utf8")).slice(-6_000);
    if (reportAt === undefined && stdout.includes('{"shutdown"')) reportAt = performance.now();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    // Without the engine's debug dump of change-feed commits (lines of bytes), which says nothing here.
    const text = chunk
      .toString("utf8")
      .split("\n")
      .filter((line) => !/to_be_bytes|^\s*\d*,?\s*$|^\s*\]\s*$/.test(line))
      .join("\n");
    output = (output + text).slice(-6_000);
  });
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 45_000);
    const watchdog = setInterval(() => {
      if (reportAt !== undefined && performance.now() - reportAt > EXIT_MS + 5_000) child.kill("SIGKILL");
    }, 200);
    child.once("exit", (code, signal) => {
      clearTimeout(killer);
      clearInterval(watchdog);
      const line = stdout.split("\n").find((l) => l.startsWith('{"shutdown"'));
      resolve({
        code,
        signal,
        report: line ? (JSON.parse(line) as Report) : undefined,
        exitMs: reportAt === undefined ? undefined : performance.now() - reportAt,
        output,
      });
    });
  });
}

/** What a call racing shutdown may end with: its value, or one of the pool's typed errors. */
const SETTLED =
  /: (ok|POOL_CLOSED|LEASE_RELEASED|OPERATION_TIMEOUT|RETRIES_EXHAUSTED|ACQUIRE_TIMEOUT|CONNECT_FAILED|CIRCUIT_OPEN|LIVE_FAILED|COMMIT_OUTCOME_UNKNOWN)$/;

describe("work of every kind racing shutdown()", () => {
  let endpoint: EndpointHandle;
  beforeAll(async () => {
    endpoint = await startEndpoint();
  }, 20_000);
  afterAll(async () => {
    await endpoint?.stop();
  });

  for (const [mode, timeout] of [
    ["embedded", "50"],
    ["embedded", "1"],
    ["ws", "50"],
  ] as const) {
    it(`${mode}, shutdown({ timeoutMs: ${timeout} })`, async () => {
      const outcome = await run([
        "--mode",
        mode,
        "--timeout",
        timeout,
        ...(mode === "ws" ? ["--url", endpoint.url] : []),
      ]);
      expect(outcome.signal, outcome.output).toBeNull();
      expect(outcome.code, outcome.output).toBe(0);
      expect(outcome.report, outcome.output).toBeDefined();
      const report = outcome.report!;
      expect(report.pendingAfter, JSON.stringify(report.outcomes)).toBe(false);
      for (const key of Object.keys(report.outcomes)) expect(key).toMatch(SETTLED);
      // The timeout, plus a stated slack for a loaded machine's timers.
      expect(report.shutdownMs).toBeLessThan(Number(timeout) + 250);
      expect(outcome.exitMs, outcome.output).toBeLessThan(EXIT_MS);
    }, 60_000);
  }
});
