import { endpointKillUnderLoad } from "../test/load/scenarios/endpointKillUnderLoad.js";
import { type Row, round } from "./measure.js";
import { p50p99 } from "./stats.js";

/**
 * Failover across real SurrealDB endpoints on loopback (child processes of test/support): steady load
 * through executeWithRetry, one endpoint SIGKILLed at a time (and restarted before the next). For every
 * call caught by a kill: the time from the kill (or the call's start, if later) to its success on
 * another endpoint. The seed publishes no failover figure: the baseline is the 1 s target.
 */
export async function failover(quick: boolean): Promise<Row[]> {
  const report = await endpointKillUnderLoad(
    quick
      ? { endpoints: 2, workers: 8, kills: 1, warmMs: 400, downMs: 500, settleMs: 300 }
      : { endpoints: 3, workers: 12, kills: 5, warmMs: 1_000, downMs: 1_000, settleMs: 1_000 },
  );
  const { p50, p99 } = p50p99(report.failoverMs);
  const calls = report.calls.length;
  const retried = report.calls.filter((c) => c.fnCalls > 1).length;
  const failed = report.calls.filter((c) => !c.ok).length;
  // The calls that overlapped a kill's first second: the share of those that needed a retry.
  const nearKill = report.calls.filter((c) =>
    report.killedAt.some((k) => c.end >= k && c.start <= k + 1_000),
  );
  const max = report.failoverMs.length ? Math.max(...report.failoverMs) : 0;
  return [
    {
      bench: "failover",
      subject: "surreal-pool",
      baseline: "target",
      unit: "ms",
      subjectValue: p99,
      baselineValue: 1_000,
      ratio: round(p99 / 1_000),
      target: "p99 < 1 s, no failed call",
      met: p99 < 1_000 && failed === 0 && report.tally.failed === 0,
      seedFigure: "none published (multiple endpoints with load balancing)",
      p50,
      p99,
      maxMs: round(max),
      callsCaughtByKills: report.failoverMs.length,
      kills: report.killedAt.length,
      endpoints: quick ? 2 : 3,
      calls,
      failedCalls: failed + report.tally.failed,
      retriedCalls: retried,
      retriedShare: Math.round((retried / calls) * 1e5) / 1e5,
      retriedShareWithin1sOfKill: round(nearKill.filter((c) => c.fnCalls > 1).length / nearKill.length),
      breakerOpens: report.breakerOpens,
      backAfterRestartMs: report.backAfterMs.map(round),
    },
  ];
}
