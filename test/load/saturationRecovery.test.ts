import { describe, expect, it } from "vitest";
import { pick, timeoutFor } from "./loadSize.js";
import { saturationRecovery } from "./scenarios/saturationRecovery.js";
import { expectAllSucceeded, expectSettled } from "./support/expectSettled.js";
import { percentile } from "./support/percentile.js";

const size = pick(
  { cycles: 5, maxConnections: 5, queueLimit: 20, impatient: 4, overflow: 10 },
  { cycles: 100, maxConnections: 10, queueLimit: 100, impatient: 10, overflow: 50 },
);

describe("load: pool saturation and recovery", () => {
  it(
    `${size.cycles} cycles: ${size.maxConnections} held, ${size.queueLimit} queued (${size.impatient} impatient), ${size.overflow} refused`,
    async () => {
      const report = await saturationRecovery(size);
      expectAllSucceeded(report.unexpected);
      expectAllSucceeded(report.served, size.cycles * (size.queueLimit - size.impatient));
      expect(report.saturated).toBe(size.cycles * size.overflow);
      expect(report.timedOut).toBe(size.cycles * size.impatient);
      expectSettled(report);
      // The metrics counted the same refusals, timeouts and leases as the test.
      expect(report.delta.acquireRejections).toBe(report.saturated);
      expect(report.delta.acquireTimeouts).toBe(report.timedOut);
      expect(report.delta.acquisitions).toBe(size.cycles * (size.maxConnections + 1) + report.served.ok);
      // FIFO, and recovery as soon as connections come back (bounded generously: a loaded 2-core box).
      expect(report.outOfOrder).toBe(0);
      expect(report.freshAcquireQueued).toBe(0);
      expect(percentile(report.recoveryMs, 0.5)).toBeLessThan(50);
      expect(Math.max(...report.recoveryMs)).toBeLessThan(500);
    },
    timeoutFor(20_000, 120_000),
  );
});
