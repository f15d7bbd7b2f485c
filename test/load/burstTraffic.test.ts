import { describe, expect, it } from "vitest";
import { pick, timeoutFor } from "./loadSize.js";
import { burstTraffic } from "./scenarios/burstTraffic.js";
import { expectAllSucceeded, expectSettled } from "./support/expectSettled.js";

const size = pick(
  {
    bursts: 4,
    burstSize: 100,
    periodMs: 400,
    background: 2,
    minConnections: 2,
    maxConnections: 10,
    idleTimeoutMs: 150,
  },
  {
    bursts: 30,
    burstSize: 400,
    periodMs: 700,
    background: 4,
    minConnections: 2,
    maxConnections: 20,
    idleTimeoutMs: 200,
  },
);

describe("load: burst traffic", () => {
  it(
    `${size.bursts} spikes of ${size.burstSize} every ${size.periodMs} ms over ${size.background} quiet workers`,
    async () => {
      const report = await burstTraffic(size);
      expectAllSucceeded(report.tally, size.bursts * size.burstSize);
      expectAllSucceeded(report.background);
      expectSettled(report);
      expect(report.delta.acquisitions).toBe(report.tally.ok + report.background.ok);
      expect(report.delta.acquireTimeouts).toBe(0);
      // The spikes queued and made the pool grow past its minimum, never past its maximum...
      expect(report.peakWaiting).toBeGreaterThan(0);
      expect(report.peakSize).toBeGreaterThan(size.minConnections);
      // ...and the idle reaper took it back down to the minimum, closing only what it had opened.
      expect(report.sizeAfterShrink).toBe(size.minConnections);
      expect(report.idleRetirements).toBeGreaterThan(0);
      const m = report.end.metrics;
      expect(m.connectionsCreated - m.connectionsClosed).toBe(m.size);
    },
    timeoutFor(20_000, 120_000),
  );
});
