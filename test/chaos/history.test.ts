// The history checker (Jepsen-style): many concurrent clients of every kind against a simulated cluster
// and a hybrid remote under a seeded plan of faults, and a shutdown racing a closing burst of work; every
// operation recorded as a history, then checked against the store's own record of what committed. One
// test per property. The seed, the counts and the first violations (with the operations around them) are
// printed; `HISTORY_SEED=<seed> npm run test:chaos` replays the plan, `HISTORY_KEEP=1` keeps the history.
import { beforeAll, describe, expect, it } from "vitest";
import { LONG, pick } from "./chaosSize.js";
import type { CheckResult } from "./history/checkers/violation.js";
import { type HistoryReport, runHistory, summarize } from "./history/runHistory.js";

const size = pick(
  {
    faults: 5,
    calmMs: [1_500, 2_500] as [number, number],
    total: false,
    writers: 12,
    subscribers: 3,
    bankClients: 4,
    isolationClients: 4,
    agents: 2,
    hybridWriters: 3,
  },
  {
    faults: 30,
    calmMs: [1_500, 4_000] as [number, number],
    total: true,
    writers: 16,
    subscribers: 4,
    bankClients: 6,
    isolationClients: 6,
    agents: 3,
    hybridWriters: 4,
  },
);

function historySeed(): number {
  const given = process.env.HISTORY_SEED;
  if (given !== undefined && given !== "") return Number(given) >>> 0;
  return Math.floor(Math.random() * 0x1_0000_0000);
}

describe(`history checker, ${LONG ? "long" : "short"} form (${size.faults} faults)`, () => {
  let report: HistoryReport;
  const result = (property: string): CheckResult => report.results.find((r) => r.property === property)!;
  const noViolations = (property: string) => {
    const r = result(property);
    expect(r.violations.map((v) => v.message).slice(0, 10), summarize(report)).toEqual([]);
  };

  beforeAll(
    async () => {
      report = await runHistory(historySeed(), size);
      console.log(summarize(report));
    },
    pick(240_000, 900_000),
  );

  it("recorded real work of every kind", () => {
    expect(result("live").counts.owed).toBeGreaterThan(500);
    expect(result("bank").counts.acknowledged).toBeGreaterThan(50);
    expect(result("isolation").counts.checked).toBeGreaterThan(50);
    expect(result("agent logs").counts.flushed).toBeGreaterThan(10);
    expect(result("hybrid").counts.local).toBeGreaterThan(5);
  });

  it("writes: every acknowledged write and delete is in the store, nothing committed that was not written", () => {
    noViolations("writes");
  });

  it("live: every committed change delivered once, in its record's order, or covered by a gap; nothing else", () => {
    noViolations("live");
  });

  it("transactions: totals never change, no transfer applied twice or in part, none acknowledged lost", () => {
    noViolations("bank");
  });

  it("sessions: no lease ever saw another's variables, namespace or sign-out", () => {
    noViolations("isolation");
  });

  it("agent logs: every flushed entry restored, in order, with its status", () => {
    noViolations("agent logs");
  });

  it("hybrid: after the final sync the remote equals the local store", () => {
    noViolations("hybrid");
  });

  it("every call settled within its deadline, shutdown kept its timeout, nothing unhandled, the process exited by itself", () => {
    noViolations("run");
  });
});
