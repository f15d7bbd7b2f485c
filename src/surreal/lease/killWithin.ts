import { withDeadline } from "../../util/withDeadline.js";

/** How long killing one live query may take before the caller stops waiting (a silent socket). */
const KILL_TIMEOUT_MS = 2_000;

/** Kills a live query on the server; rejects when the kill fails or takes longer than 2 s. */
export function killWithin(subscription: { kill(): Promise<void> }): Promise<void> {
  return withDeadline(subscription.kill(), KILL_TIMEOUT_MS, () => new Error("kill timed out"));
}
