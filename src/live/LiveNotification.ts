import type { RecordId } from "surrealdb";

/** What a change notification says happened to a record. */
export type LiveAction = "create" | "update" | "delete";

/** One change of one record, as a subscriber of `manager.live()` receives it. */
export interface LiveChange<T = Record<string, unknown>> {
  kind: LiveAction;
  /** The record's id. */
  id: RecordId;
  /**
   * The record after the change (for `delete`: as it was). With `diff: true`, undefined: see `diff`.
   */
  record: T | undefined;
  /** With `diff: true`: the JSON Patch operations the SDK delivers instead of the record. */
  diff?: unknown[];
  /**
   * True when the change was read from the table's change feed after a reconnect, or went out without
   * its live notification (the engine sends none for writes in a transaction). A create then reads as
   * `update` unless the feed keeps originals (`INCLUDE ORIGINAL`) or the record was deleted earlier in
   * the subscription.
   */
  backfilled?: true;
}

/**
 * An explicit hole: changes committed between `from` and `to` (epoch ms) may be missing from the
 * stream, because the live query was lost and the table's change feed could not fill the time in.
 */
export interface LiveGap {
  kind: "gap";
  from: number;
  to: number;
  reason: string;
}

export type LiveNotification<T = Record<string, unknown>> = LiveChange<T> | LiveGap;
