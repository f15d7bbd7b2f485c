// The world of FeedOrder's model test: an engine's change feed over a few records, written by commits
// that may land late (up to just under the landing horizon after their versionstamp), with
// notifications sent for some of them, in any order after they landed. The model keeps the truth: each
// commit's real action, what was notified, what was read, what went out.
import { RecordId, type SurrealSession } from "surrealdb";
import { vi } from "vitest";
import { FeedOrder } from "../../../src/live/FeedOrder.js";
import type { LiveAction, LiveChange, LiveGap } from "../../../src/live/LiveNotification.js";
import { LANDING_HORIZON_MS } from "../../../src/surreal/feed/FeedCursor.js";
import { versionstampAt } from "../../../src/surreal/feed/versionstamp.js";

export const TABLE = "t";
export const RECORDS = 4;
const START = 1_700_000_000_000;

export interface Commit {
  vs: bigint;
  record: number;
  action: LiveAction;
  /** The record after the write (undefined for a delete). */
  value: number | undefined;
  notified: boolean;
  /** Date.now() when a read first returned it. */
  readAt: number | undefined;
  out: boolean;
}

export interface Model {
  now: number;
  /** Landed commits, in landing order. */
  landed: Commit[];
  /** Each record's value, undefined while it does not exist. */
  records: (number | undefined)[];
  /** Versionstamps handed out in the current millisecond. */
  counter: number;
  /** Date.now() of the last notification sent. */
  lastNoteAt: number;
  /** Each record's last versionstamp that went out. */
  lastOut: Map<number, bigint>;
  /** The highest versionstamp committed per record (later commits of a record stamp above it). */
  lastStamp: Map<number, bigint>;
  writes: number;
  /** Gaps that went out. */
  gaps: LiveGap[];
}

export interface Real {
  order: FeedOrder;
  db: SurrealSession;
}

export function recordId(n: number): RecordId {
  return new RecordId(TABLE, n);
}

export function changeOf(c: Commit): LiveChange {
  return { kind: c.action, id: recordId(c.record), record: recordOf(c) };
}

function recordOf(c: Commit): Record<string, unknown> | undefined {
  return c.value === undefined ? undefined : { id: recordId(c.record), v: c.value };
}

/**
 * An engine that answers `SHOW CHANGES FOR TABLE t SINCE n LIMIT m` from the model, after its clock when
 * the query starts with `RETURN time::now();` (a read that needs the clock and skips it fails in `take`).
 */
function fakeDb(m: Model, originals: boolean): SurrealSession {
  const query = async (text: string) => {
    const since = BigInt(/SINCE (\d+)/.exec(text)![1]!);
    const limit = Number(/LIMIT (\d+)/.exec(text)![1]!);
    const entries = m.landed
      .filter((c) => c.vs >= since)
      .sort((a, b) => (a.vs < b.vs ? -1 : 1))
      .slice(0, limit)
      .map((c) => {
        if (c.readAt === undefined) c.readAt = m.now;
        const record = recordOf(c);
        const change =
          c.action === "delete"
            ? { delete: { id: recordId(c.record) } }
            : originals && c.action === "update"
              ? { current: record, update: [] }
              : { update: record };
        return { versionstamp: c.vs, changes: [change] };
      });
    return text.startsWith("RETURN time::now();") ? [{ toDate: () => new Date(m.now) }, entries] : [entries];
  };
  return { query } as unknown as SurrealSession;
}

export function setup(originals: boolean): () => { model: Model; real: Real } {
  return () => {
    vi.setSystemTime(START);
    const model: Model = {
      now: START,
      landed: [],
      records: Array.from({ length: RECORDS }, () => undefined),
      counter: 0,
      lastNoteAt: Number.NEGATIVE_INFINITY,
      lastOut: new Map(),
      lastStamp: new Map(),
      writes: 0,
      gaps: [],
    };
    const order = new FeedOrder(TABLE, { retentionMs: 3_600_000, originals }, versionstampAt(START));
    return { model, real: { order, db: fakeDb(model, originals) } };
  };
}

/** A commit of `record` stamped `delayMs` ago lands now (a delete, or a write: create or update). */
export function land(m: Model, record: number, remove: boolean, delayMs: number): Commit {
  const stampMs = Math.max(START, m.now - Math.min(delayMs, LANDING_HORIZON_MS - 1));
  let vs = versionstampAt(stampMs) + BigInt(m.counter++ % 65_000);
  const previous = m.lastStamp.get(record);
  // Two commits of one record are ordered: the later one saw the earlier land, so stamped after it.
  if (previous !== undefined && vs <= previous) vs = previous + 1n;
  // Versionstamps are unique: one per commit.
  while (m.landed.some((c) => c.vs === vs)) vs++;
  m.lastStamp.set(record, vs);
  const exists = m.records[record] !== undefined;
  const action: LiveAction = exists ? (remove ? "delete" : "update") : "create";
  const value = action === "delete" ? undefined : ++m.writes;
  m.records[record] = value;
  const commit: Commit = { vs, record, action, value, notified: false, readAt: undefined, out: false };
  m.landed.push(commit);
  return commit;
}
