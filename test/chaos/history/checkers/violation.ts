import { describeOp, type Op } from "../history.js";

/** One broken promise, with the operations that show it. */
export interface Violation {
  property: string;
  message: string;
  ops: Op[];
}

/** What one checker found: how much it checked, and every violation. */
export interface CheckResult {
  property: string;
  /** What was checked, counted (changes, transfers, leases, ...). */
  counts: Record<string, number>;
  violations: Violation[];
}

/** A violation as text: its message, then its operations and, around the first, what else happened. */
export function describeViolation(v: Violation, all: readonly Op[], around = 4): string {
  const lines = [`${v.property}: ${v.message}`];
  for (const op of v.ops.slice(0, 8)) lines.push(`    ${describeOp(op)}`);
  const first = v.ops[0];
  if (first) {
    const near = all.filter(
      (o) => o !== first && Math.abs(o.invokedAt - first.invokedAt) < 2_000 && !v.ops.includes(o),
    );
    const before = near.filter((o) => o.index < first.index).slice(-around);
    const after = near.filter((o) => o.index > first.index).slice(0, around);
    if (before.length + after.length > 0) lines.push("  around it:");
    for (const op of [...before, ...after]) lines.push(`    ${describeOp(op)}`);
  }
  return lines.join("\n");
}
