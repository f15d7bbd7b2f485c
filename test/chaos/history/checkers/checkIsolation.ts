// Session isolation: every lease found the pool's clean state (no variable, the pool's namespace and
// database, signed in), whatever the leases before it did (variables, another namespace, signing out);
// and every lease and agent lease saw exactly its own variable and namespace while it held it.

import { DB } from "../config.js";
import type { Op } from "../history.js";
import { CLEAN } from "../workloads/isolation.js";
import type { CheckResult, Violation } from "./violation.js";

export function checkIsolation(ops: readonly Op[]): CheckResult {
  const violations: Violation[] = [];
  const leases = ops.filter((o) => o.f === "lease" || o.f === "agentLease");
  let checked = 0;
  for (const op of leases) {
    // A lease refused as not signed in found a session some earlier borrower signed out of.
    if (op.error && /NotAllowed|permission/i.test(op.error)) {
      violations.push({
        property: "isolation",
        message: `a lease was not signed in: ${op.error}`,
        ops: [op],
      });
      continue;
    }
    if (op.outcome !== "ok") continue;
    checked++;
    const value = op.value as { token: string; ns: string };
    const result = op.result as { fresh?: unknown[]; own: unknown[] };
    if (result.fresh && JSON.stringify(result.fresh) !== JSON.stringify(CLEAN)) {
      violations.push({
        property: "isolation",
        message: `a lease found ${JSON.stringify(result.fresh)} instead of the clean ${JSON.stringify(CLEAN)}`,
        ops: [op, ...previousOf(leases, op)],
      });
    }
    const own = op.f === "lease" ? [value.token, value.ns, "d"] : [value.token, value.ns, DB];
    if (JSON.stringify(result.own) !== JSON.stringify(own)) {
      violations.push({
        property: "isolation",
        message: `a lease saw ${JSON.stringify(result.own)} where it had set ${JSON.stringify(own)}`,
        ops: [op],
      });
    }
  }
  return { property: "isolation", counts: { leases: leases.length, checked }, violations };
}

/** The leases that ended shortly before `op` began: whose state it may have been handed. */
function previousOf(leases: readonly Op[], op: Op): Op[] {
  return leases
    .filter(
      (o) =>
        o !== op &&
        o.completedAt !== undefined &&
        o.completedAt <= op.invokedAt &&
        op.invokedAt - o.completedAt < 500,
    )
    .slice(-3);
}
