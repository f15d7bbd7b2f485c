// The writers' own promise: every acknowledged write and delete is in the store's record of what
// committed (lost = 0), and nothing committed that no writer asked for (phantom = 0).
import type { Op } from "../history.js";
import type { Committed } from "./checkLive.js";
import type { CheckResult, Violation } from "./violation.js";

export function checkWrites(ops: readonly Op[], committed: readonly Committed[]): CheckResult {
  const violations: Violation[] = [];
  const writes = new Set(committed.filter((c) => c.kind === "write").map((c) => `${c.id}@${c.v}`));
  const deletes = new Map<string, number>();
  for (const c of committed) if (c.kind === "delete") deletes.set(c.id, (deletes.get(c.id) ?? 0) + 1);
  const asked = new Set<string>();
  const ackedDeletes = new Map<string, Op[]>();
  let acknowledged = 0;
  for (const op of ops) {
    if (!op.client.startsWith("writer ")) continue;
    const { id, v } = op.value as { id: string; v: number };
    if (op.f === "write") asked.add(`${id}@${v}`);
    if (op.outcome !== "ok") continue;
    acknowledged++;
    if (op.f === "write" && !writes.has(`${id}@${v}`)) {
      violations.push({
        property: "writes",
        message: `acknowledged write of ${id} (v ${v}) is not in the store`,
        ops: [op],
      });
    }
    if (op.f === "delete") ackedDeletes.set(id, [...(ackedDeletes.get(id) ?? []), op]);
  }
  for (const [id, list] of ackedDeletes) {
    if ((deletes.get(id) ?? 0) < list.length) {
      violations.push({
        property: "writes",
        message: `acknowledged deletes of ${id} missing from the store`,
        ops: list,
      });
    }
  }
  for (const key of writes) {
    if (!asked.has(key))
      violations.push({ property: "writes", message: `${key} committed but never written`, ops: [] });
  }
  return { property: "writes", counts: { acknowledged, committed: committed.length }, violations };
}
