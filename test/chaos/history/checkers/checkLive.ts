// Live delivery, per subscription, against the store's own change feed (what committed, in versionstamp
// order, with its time): every change delivered was committed; each record's changes arrive in commit
// order, each once; every change committed while the subscription was registered (from its registration
// until writes stopped) arrives, or a gap it delivered covers it; and a change delivered as a create (not
// back-filled) was one, an update too.
import type { Op } from "../history.js";
import type { CheckResult, Violation } from "./violation.js";

/** One committed change of `reg`, from the store's feed. */
export interface Committed {
  id: string;
  /** "write" or "delete"; `v` of a write. */
  kind: "write" | "delete";
  v: number | null;
  /** Epoch ms of its commit (its versionstamp's time). */
  at: number;
  /** Was the record there before it (a write on an existing record is an update)? */
  existed: boolean;
}

export interface WatchInfo {
  name: string;
  subscribedAt: number | undefined;
  endedAt: number | undefined;
  error: string | undefined;
}

/**
 * How long a change may take to arrive: a commit landing late is found by the next window read (every
 * 2.5 s, reading 5 s back), one whose notification never comes waits 1 s; with slack for a loaded machine.
 * A subscription ended earlier than this after a commit owes nothing for it.
 */
export const DELIVERY_BOUND_MS = 8_000;
/** A registration reads the engine's clock before its LIVE SELECT: changes this much older can arrive. */
const REGISTRATION_MS = 5_000;

export function checkLive(
  ops: readonly Op[],
  committed: readonly Committed[],
  watches: readonly WatchInfo[],
  stopAt: number,
): CheckResult {
  const violations: Violation[] = [];
  const byRecord = new Map<string, Committed[]>();
  for (const c of committed) {
    const list = byRecord.get(c.id) ?? [];
    list.push(c);
    byRecord.set(c.id, list);
  }
  let delivered = 0;
  let owed = 0;
  let gaps = 0;
  let backfilled = 0;
  for (const w of watches) {
    const mine = ops.filter((o) => o.client === `live ${w.name}`);
    const notes = mine.filter((o) => o.f === "notify");
    const gapOps = mine.filter((o) => o.f === "gap");
    gaps += gapOps.length;
    delivered += notes.length;
    if (w.subscribedAt === undefined) {
      violations.push({
        property: "live",
        message: `subscription ${w.name} never registered (${w.error ?? "no error"})`,
        ops: mine.slice(0, 3),
      });
      continue;
    }
    // Match each record's deliveries, in order, to its commits, in order.
    const matched = new Set<Committed>();
    const byRecordNotes = new Map<string, Op[]>();
    for (const note of notes) {
      const id = (note.value as { id: string }).id;
      byRecordNotes.set(id, [...(byRecordNotes.get(id) ?? []), note]);
    }
    for (const [id, list] of byRecordNotes) {
      const commits = byRecord.get(id) ?? [];
      let cursor = 0;
      list.forEach((note, k) => {
        const v = note.value as { id: string; kind: string; v: number | null; backfilled: boolean };
        if (v.backfilled) backfilled++;
        const i =
          v.kind === "delete"
            ? deleteIndex(commits, list, k, cursor, w.subscribedAt!)
            : writeIndex(commits, v.v, cursor);
        if (i < 0) {
          const wanted = v.kind === "delete" ? "delete" : "write";
          const earlier = commits.some((c) => c.kind === wanted && c.v === v.v);
          violations.push({
            property: "live",
            message: earlier
              ? `${w.name}: ${v.kind} of ${id} (v ${v.v}) delivered again, or out of its record's commit order`
              : `${w.name}: ${v.kind} of ${id} (v ${v.v}) delivered but never committed`,
            ops: [note],
          });
          return;
        }
        const c = commits[i]!;
        matched.add(c);
        cursor = i + 1;
        // After a gap over the record's previous commit the subscriber never saw it: an action relative
        // to what it did see is not wrong.
        const before = commits[i - 1];
        const excused = before !== undefined && !matched.has(before) && coveredBy(gapOps, before.at);
        if (!v.backfilled && !excused && v.kind !== "delete" && (v.kind === "create") === c.existed) {
          violations.push({
            property: "live",
            message: `${w.name}: ${id} (v ${v.v}) delivered as ${v.kind}, but the record ${c.existed ? "existed" : "did not exist"} before it`,
            ops: [note],
          });
        }
      });
    }
    // Completeness over the time it was registered, up to the end of writes (or its own end).
    const until = Math.min(stopAt, (w.endedAt ?? Number.POSITIVE_INFINITY) - DELIVERY_BOUND_MS);
    for (const c of committed) {
      if (c.at < w.subscribedAt || c.at > until) continue;
      owed++;
      if (matched.has(c)) continue;
      if (!coveredBy(gapOps, c.at)) {
        violations.push({
          property: "live",
          message: `${w.name}: ${c.kind} of ${c.id} (v ${c.v}) committed at ${c.at} (${c.at - w.subscribedAt} ms after it registered) never delivered, and no gap covers it`,
          ops: ops
            .filter((o) => (o.value as { id?: string }).id === c.id && o.client.startsWith("writer"))
            .slice(-3),
        });
      }
    }
  }
  return {
    property: "live",
    counts: { subscriptions: watches.length, committed: committed.length, owed, delivered, gaps, backfilled },
    violations,
  };
}

function coveredBy(gaps: readonly Op[], at: number): boolean {
  return gaps.some((g) => {
    const gap = g.value as { from: number; to: number };
    return gap.from <= at && at <= gap.to;
  });
}

/** The commit a delivered write stands for: the first write of that value from `cursor` on. */
function writeIndex(commits: readonly Committed[], v: number | null, cursor: number): number {
  for (let i = cursor; i < commits.length; i++)
    if (commits[i]!.kind === "write" && commits[i]!.v === v) return i;
  return -1;
}

/**
 * The commit a delivered delete stands for (a delete carries no value): of the deletes before the
 * record's next delivered write, the one that leaves a delete for each delete delivered after it before
 * that write; with no write after it, the first delete from the registration on.
 */
function deleteIndex(
  commits: readonly Committed[],
  notes: readonly Op[],
  k: number,
  cursor: number,
  from: number,
): number {
  const kindAt = (j: number) => (notes[j]!.value as { kind: string }).kind;
  let next = k + 1;
  while (next < notes.length && kindAt(next) === "delete") next++;
  if (next < notes.length) {
    const limit = writeIndex(commits, (notes[next]!.value as { v: number | null }).v, cursor);
    const deletes: number[] = [];
    for (let i = cursor; i < (limit < 0 ? commits.length : limit); i++)
      if (commits[i]!.kind === "delete") deletes.push(i);
    return deletes[deletes.length - (next - k)] ?? -1;
  }
  let first = -1;
  for (let i = cursor; i < commits.length; i++) {
    if (commits[i]!.kind !== "delete") continue;
    if (commits[i]!.at >= from - REGISTRATION_MS) return i;
    if (first < 0) first = i;
  }
  return first;
}
