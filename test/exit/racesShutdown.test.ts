// Work of every kind racing shutdown() (see racesShutdown.ts): every call settles, with a value or a typed
// error; none reaches the closed engine (the process is not aborted); shutdown keeps its timeout; and the
// process exits by itself. Before: live subscriptions made just before shutdown re-opened the embedded
// engine after it closed and kept the process alive (12 s and counting).
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type ExitOutcome, runUntilExit } from "./runUntilExit.js";

const SCRIPT = fileURLToPath(new URL("./racesShutdown.ts", import.meta.url));
const EXIT_MS = 2_000;

interface Report {
  shutdown: number;
  shutdownMs: number;
  pendingAfter: boolean;
  outcomes: Record<string, number>;
}

function run(args: string[]): Promise<ExitOutcome> {
  return runUntilExit(SCRIPT, args, { workMs: 45_000, exitMs: EXIT_MS });
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
      const report = outcome.report as unknown as Report;
      expect(report.pendingAfter, JSON.stringify(report.outcomes)).toBe(false);
      for (const key of Object.keys(report.outcomes)) expect(key).toMatch(SETTLED);
      // The timeout, plus a stated slack for a loaded machine's timers.
      expect(report.shutdownMs).toBeLessThan(Number(timeout) + 250);
      expect(outcome.exitAfterMs, outcome.output).toBeLessThan(EXIT_MS);
    }, 60_000);
  }
});
