// The bench's client CPU per operation: CPU the process spent, not wall time, over the operations a
// round completed; and rows that carry it beside throughput with both ratios against the baseline.
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { driveCosted, type RoundCost } from "../../bench/drive.js";
import { costRow } from "../../bench/measure.js";

const cpuUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** Spins until the process has used `us` more µs of CPU: the same CPU however loaded the machine is. */
function burn(us: number): void {
  const until = cpuUs() + us;
  while (cpuUs() < until) {
    // spin
  }
}

describe("driveCosted", () => {
  it("reports the CPU each operation burned, whatever the wall time", async () => {
    const round = await driveCosted(4, 150, async () => {
      burn(1_000);
      await sleep(0);
    });
    expect(round.opsPerSecond).toBeGreaterThan(0);
    expect(round.cpuUsPerOp).toBeGreaterThanOrEqual(1_000);
    expect(round.cpuUsPerOp).toBeLessThan(3_000);
    if (process.platform === "linux") {
      // The JS thread did the spinning: its own clock sees it too.
      expect(round.jsThreadUsPerOp).toBeGreaterThanOrEqual(500);
      expect(round.jsThreadUsPerOp!).toBeLessThanOrEqual(round.cpuUsPerOp * 1.05);
    }
  });

  it("does not count waiting as CPU", async () => {
    const round = await driveCosted(4, 150, () => sleep(10));
    // Each operation waited ~10 ms of wall time; the CPU it cost is a timer's.
    expect(round.cpuUsPerOp).toBeLessThan(1_000);
  });
});

describe("costRow", () => {
  const rounds = (ops: number[], cpu: number[]): RoundCost[] =>
    ops.map((o, i) => ({ opsPerSecond: o, cpuUsPerOp: cpu[i]!, jsThreadUsPerOp: cpu[i]! / 2 }));

  it("carries throughput and CPU per op, each the median of its rounds, and both ratios", () => {
    const row = costRow({
      bench: "b",
      name: "query()",
      baseline: "raw",
      subject: rounds([900, 1_000, 5_000], [110, 120, 300]),
      baselineRounds: rounds([1_000, 1_000, 1_000], [100, 100, 100]),
      target: "cpu ratio <= 1.1",
      meets: (r) => r.cpu <= 1.1,
    });
    expect(row).toMatchObject({
      subject: "query()",
      unit: "ops/s",
      subjectValue: 1_000,
      baselineValue: 1_000,
      ratio: 1,
      cpuUsPerOp: 120,
      baselineCpuUsPerOp: 100,
      cpuRatio: 1.2,
      jsThreadUsPerOp: 60,
      baselineJsThreadUsPerOp: 50,
      jsThreadRatio: 1.2,
      target: "cpu ratio <= 1.1",
      // The target judges CPU: equal throughput does not meet it.
      met: false,
    });
  });

  it("leaves the JS thread's figures out when a round could not read them", () => {
    const row = costRow({
      bench: "b",
      baseline: "raw",
      subject: [{ opsPerSecond: 10, cpuUsPerOp: 5 }],
      baselineRounds: [{ opsPerSecond: 10, cpuUsPerOp: 5 }],
    });
    expect(row.cpuRatio).toBe(1);
    expect(row).not.toHaveProperty("jsThreadRatio");
  });
});
