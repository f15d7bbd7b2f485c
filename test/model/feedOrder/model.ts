// The model of FeedOrder: the changes read, in commit order, and how many of them went out. A change goes
// out when its notification came (with that action), when it has waited STALL_MS, or on a forced take.
import { RecordId } from "surrealdb";
import { vi } from "vitest";
import { FeedOrder, STALL_MS } from "../../../src/live/FeedOrder.js";
import type { LiveAction, LiveChange } from "../../../src/live/LiveNotification.js";

export interface Change {
  n: number;
  readAt: number;
  noted?: LiveAction;
}

export interface Model {
  now: number;
  cursor: bigint;
  read: Change[];
  /** How many of `read` went out (always a prefix). */
  out: number;
}

export interface Real {
  order: FeedOrder;
}

export const TABLE = "t";

export function changeOf(n: number, kind: LiveAction = "update"): LiveChange {
  return { kind, id: new RecordId(TABLE, n), record: { id: new RecordId(TABLE, n), n } };
}

/** What a take should hand out now, and when the first change it leaves should go. */
export function expectedTake(
  m: Model,
  force: boolean,
): { changes: LiveChange[]; waitUntil: number | undefined } {
  const changes: LiveChange[] = [];
  while (m.out < m.read.length) {
    const c = m.read[m.out]!;
    if (c.noted) changes.push(changeOf(c.n, c.noted));
    else if (force || m.now - c.readAt >= STALL_MS) changes.push({ ...changeOf(c.n), backfilled: true });
    else break;
    m.out++;
  }
  const held = m.read[m.out];
  return { changes, waitUntil: held ? held.readAt + STALL_MS : undefined };
}

export function setup(): { model: Model; real: Real } {
  const start = 1_700_000_000_000;
  vi.setSystemTime(start);
  return {
    model: { now: start, cursor: 0n, read: [], out: 0 },
    real: { order: new FeedOrder(TABLE, 3_600_000, 1n) },
  };
}
