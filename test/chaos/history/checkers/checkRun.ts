// What every run owes: no call left hanging, none past its deadline (its attempts, their backoff, a
// stated slack), shutdown within its timeout, nothing unhandled, and the process gone by itself soon after.
import type { Op } from "../history.js";
import type { CheckResult, Violation } from "./violation.js";

export interface ClientOutcome {
  pending: number;
  unhandledRejections: string[];
  uncaughtExceptions: string[];
  /** ms from the report to the process's exit; -1 when it had to be killed. */
  exitedAfterMs: number;
  exitCode: number | null;
  /** What still held the process 3 s after its report, when it did not exit. */
  alive?: unknown;
}

export function checkRun(
  ops: readonly Op[],
  client: ClientOutcome,
  limits: { shutdownTimeoutMs: number; shutdownSlackMs: number; exitWithinMs: number },
): CheckResult {
  const violations: Violation[] = [];
  const hung = ops.filter((o) => o.outcome === undefined);
  if (hung.length > 0 || client.pending > 0) {
    violations.push({ property: "run", message: `${hung.length} calls never settled`, ops: hung });
  }
  const late = ops.filter(
    (o) =>
      o.deadlineMs !== undefined && o.completedAt !== undefined && o.completedAt - o.invokedAt > o.deadlineMs,
  );
  if (late.length > 0) {
    violations.push({
      property: "run",
      message: `${late.length} calls outlived their deadline (attempts x timeout, backoff and slack)`,
      ops: [...late].sort((a, b) => b.completedAt! - b.invokedAt - (a.completedAt! - a.invokedAt)),
    });
  }
  for (const op of ops.filter((o) => o.f === "shutdown")) {
    const took = (op.result as { durationMs: number }).durationMs;
    if (took > limits.shutdownTimeoutMs + limits.shutdownSlackMs) {
      violations.push({
        property: "run",
        message: `shutdown took ${took.toFixed(0)} ms, timeout ${limits.shutdownTimeoutMs}`,
        ops: [op],
      });
    }
  }
  for (const text of [...client.unhandledRejections, ...client.uncaughtExceptions]) {
    violations.push({
      property: "run",
      message: `unhandled in the client: ${text.split("\n").slice(0, 4).join(" | ")}`,
      ops: [],
    });
  }
  if (client.exitedAfterMs < 0 || client.exitedAfterMs > limits.exitWithinMs || client.exitCode !== 0) {
    violations.push({
      property: "run",
      message: `the client did not exit by itself within ${limits.exitWithinMs} ms of its report (code ${client.exitCode}, after ${client.exitedAfterMs.toFixed(0)} ms; held by ${JSON.stringify(client.alive)})`,
      ops: [],
    });
  }
  const completed = ops.filter((o) => o.deadlineMs !== undefined && o.completedAt !== undefined);
  const took = completed.map((o) => o.completedAt! - o.invokedAt).sort((a, b) => a - b);
  return {
    property: "run",
    counts: {
      calls: completed.length,
      ok: completed.filter((o) => o.outcome === "ok").length,
      p99Ms: Math.round(took[Math.floor(took.length * 0.99)] ?? 0),
      maxMs: Math.round(took[took.length - 1] ?? 0),
    },
    violations,
  };
}
