// After shutdown() resolves, nothing may keep the process alive, in every mode and feature: each case
// runs test/exit/workload.ts as its own process, which does real work, shuts down and must then exit
// on its own within 2 s.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type ExitOutcome, runUntilExit } from "./runUntilExit.js";

const SCRIPT = fileURLToPath(new URL("./workload.ts", import.meta.url));
/** The child's own work (start-up, writes, shutdown) may take this long on a busy machine. */
const WORK_MS = 45_000;
const EXIT_MS = 2_000;

function runWorkload(mode: string, urls: string[] = []): Promise<ExitOutcome> {
  const args = ["--mode", mode, ...urls.flatMap((u) => ["--url", u])];
  return runUntilExit(SCRIPT, args, { workMs: WORK_MS, exitMs: EXIT_MS });
}

function expectCleanExit(outcome: ExitOutcome): void {
  expect(outcome.exitAfterMs, outcome.output).toBeDefined();
  expect(outcome.code, outcome.output).toBe(0);
  expect(outcome.exitAfterMs!).toBeLessThan(EXIT_MS);
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
    ["end users' sessions, a lease and a live query left open (embedded)", "users"],
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
    "end users' sessions over ws:// (one loopback endpoint)",
    async () => {
      expectCleanExit(await runWorkload("users-ws", [a.url]));
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
