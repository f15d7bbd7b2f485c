// Hybrid mode: after the final sync at shutdown, the remote holds exactly what the local store holds.
import type { CheckResult, Violation } from "./violation.js";

export function checkHybrid(
  local: ReadonlyMap<string, unknown>,
  remote: ReadonlyMap<string, unknown>,
  unsynced: readonly unknown[],
): CheckResult {
  const violations: Violation[] = [];
  if (unsynced.length > 0) {
    violations.push({
      property: "hybrid",
      message: `the final sync left the remote behind: ${JSON.stringify(unsynced)}`,
      ops: [],
    });
  }
  for (const [id, value] of local) {
    if (!remote.has(id)) violations.push({ property: "hybrid", message: `hyb:${id} is local only`, ops: [] });
    else if (JSON.stringify(remote.get(id)) !== JSON.stringify(value)) {
      violations.push({
        property: "hybrid",
        message: `hyb:${id} is ${JSON.stringify(value)} locally, ${JSON.stringify(remote.get(id))} on the remote`,
        ops: [],
      });
    }
  }
  for (const id of remote.keys()) {
    if (!local.has(id))
      violations.push({
        property: "hybrid",
        message: `hyb:${id} is on the remote only (deleted locally)`,
        ops: [],
      });
  }
  return { property: "hybrid", counts: { local: local.size, remote: remote.size }, violations };
}
