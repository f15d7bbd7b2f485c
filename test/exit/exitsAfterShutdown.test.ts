// After shutdown() resolves, nothing may keep the process alive, in every mode and feature: each case
// runs test/exit/workload.ts as its own process, which does real work, shuts down and must then exit
// on its own within 2 s.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";

const SCRIPT = fileURLToPath(new URL("./workload.ts", import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
/** The child's own work (start-up, writes, shutdown) may take this long on a busy machine. */
const WORK_MS = 45_000;
const EXIT_MS = 2_000;

interface Outcome {
  code: number | null;
  /** ms from the `shutdown` line to the process's exit; undefined when it never printed the line. */
  exitAfterShutdownMs: number | undefined;
  output: string;
}

function runWorkload(mode: string, urls: string[] = []): Promise<Outcome> {
  const args = ["--import", TSX_LOADER, SCRIPT, "--mode", mode, ...urls.flatMap((u) => ["--url", u])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
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
    // Bounded either way: a child that hangs is killed, and reported as not having exited in time.
    const killer = setTimeout(() => child.kill("SIGKILL"), WORK_MS);
    const watchdog = setInterval(() => {
      if (shutdownAt !== undefined && performance.now() - shutdownAt > EXIT_MS + 3_000) child.kill("SIGKILL");
    }, 200);
    child.once("exit", (code) => {
      clearTimeout(killer);
      clearInterval(watchdog);
      const exitAfterShutdownMs = shutdownAt === undefined ? undefined : performance.now() - shutdownAt;
      resolve({ code, exitAfterShutdownMs, output });
    });
  });
}

function expectCleanExit(outcome: Outcome): void {
  expect(outcome.exitAfterShutdownMs, outcome.output).toBeDefined();
  expect(outcome.code, outcome.output).toBe(0);
  expect(outcome.exitAfterShutdownMs!).toBeLessThan(EXIT_MS);
}

describe("the process exits by itself after shutdown()", () => {
  let a: EndpointHandle;
  let b: EndpointHandle;

  beforeAll(async () => {
    [a, b] = await Promise.all([startEndpoint(), startEndpoint()]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  // One child at a time: the bound is on the child's own teardown, not on a contest for two cores.
  it.each([
    ["embedded mem://", "embedded"],
    ["agent sessions with a durable sink", "agents"],
    ["a dashboard served and left open (shutdown closes it)", "dashboard"],
  ])(
    "%s",
    async (_what, mode) => {
      expectCleanExit(await runWorkload(mode));
    },
    WORK_MS + 10_000,
  );

  it(
    "ws:// (one loopback endpoint)",
    async () => {
      expectCleanExit(await runWorkload("ws", [a.url]));
    },
    WORK_MS + 10_000,
  );

  it(
    "remote (two loopback endpoints)",
    async () => {
      expectCleanExit(await runWorkload("remote", [a.url, b.url]));
    },
    WORK_MS + 10_000,
  );

  it(
    "hybrid (embedded local store, a loopback remote)",
    async () => {
      expectCleanExit(await runWorkload("hybrid", [b.url]));
    },
    WORK_MS + 10_000,
  );
});
