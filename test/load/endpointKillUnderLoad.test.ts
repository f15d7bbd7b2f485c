import { describe, expect, it } from "vitest";
import { pick, timeoutFor } from "./loadSize.js";
import { endpointKillUnderLoad } from "./scenarios/endpointKillUnderLoad.js";
import { expectAllSucceeded, expectSettled } from "./support/expectSettled.js";

const killSize = pick(
  { endpoints: 2, workers: 8, kills: 1, warmMs: 300, downMs: 500, settleMs: 300 },
  { endpoints: 3, workers: 12, kills: 6, warmMs: 1_000, downMs: 1_500, settleMs: 1_000 },
);

describe("load: retry under load (real endpoints killed and restarted)", () => {
  it(
    `${killSize.workers} workers over ${killSize.endpoints} loopback endpoints, ${killSize.kills} SIGKILL + restart`,
    async () => {
      const report = await endpointKillUnderLoad(killSize);
      expectAllSucceeded(report.tally);
      expect(report.tally.ok).toBe(report.calls.length);
      expectSettled(report);
      expect(report.delta.successes).toBe(report.tally.ok);
      expect(report.delta.errors).toBe(0);
      // Retries the test saw (fn ran again) are among those the metrics counted (which also count
      // attempts that failed before fn ran, at acquire).
      const seen = report.calls.reduce((n, c) => n + c.fnCalls - 1, 0);
      expect(report.delta.retries).toBeGreaterThanOrEqual(seen);
      expect(report.breakerOpens).toBeGreaterThanOrEqual(killSize.kills);
      // Calls caught by a kill went elsewhere well within the pool's deadlines (generous: loaded box).
      expect(Math.max(0, ...report.failoverMs)).toBeLessThan(3_000);
      // Each restarted endpoint got traffic again (the scenario waits up to 5 s for it).
      expect(report.backAfterMs.every((ms) => ms >= 0)).toBe(true);
    },
    timeoutFor(30_000, 180_000),
  );
});
