// A shutdown that races agent sessions still being created resolves, and the process then exits by
// itself (before, shutdown never resolved and the process stayed alive): embedded mem://, surrealkv://
// and a ws:// loopback endpoint, each its own child process.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type ExitOutcome, runUntilExit } from "./runUntilExit.js";

const SCRIPT = fileURLToPath(new URL("./createRace.ts", import.meta.url));
/** Start-up and shutdown(1 s) of the child on a busy machine. */
const WORK_MS = 30_000;
const EXIT_MS = 2_000;

function run(endpoint: string): Promise<ExitOutcome> {
  return runUntilExit(SCRIPT, ["--endpoint", endpoint], { workMs: WORK_MS, exitMs: EXIT_MS });
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
      expect(outcome.exitAfterMs, `shutdown() never resolved:\n${outcome.output}`).toBeDefined();
      expect(outcome.code, outcome.output).toBe(0);
      expect(outcome.exitAfterMs!).toBeLessThan(EXIT_MS);
      // Every create settled: a session (closed by the shutdown) or a typed refusal.
      const line = outcome.report as { creates: string[] };
      expect(line.creates).toHaveLength(8);
      for (const c of line.creates) expect(c).toMatch(/^(created \((closed|failed)\)|refused POOL_CLOSED)$/);
      console.log(_what, `exit ${outcome.exitAfterMs!.toFixed(0)} ms after shutdown`, line.creates);
    },
    WORK_MS + 10_000,
  );
});
