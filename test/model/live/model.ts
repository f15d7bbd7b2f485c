// The model of live queries: the committed changes, and each subscriber's registration point.
import type { Subscription } from "rxjs";
import type { Surreal } from "surrealdb";
import type { LiveNotification } from "../../../src/live/LiveNotification.js";
import type { ConnectionManager } from "../../../src/manager/ConnectionManager.js";
import type { EventRecorder } from "../../live/helpers.js";
import type { FaultProxy } from "../../support/faultProxy.js";

/** One committed change, as both a live notification and a change-feed entry can be matched to it. */
export interface Committed {
  id: string;
  /** The value written (unique per write), or "delete". */
  what: number | "delete";
}

export interface Subscriber {
  /** "fed": a table with a change feed (gap-free); "plain": without (gaps allowed, never silent). */
  table: "fed" | "plain";
  /** Index in `committed` of the first change after its registration. */
  from: number;
  /** Index after the last change before its unsubscribe; undefined while subscribed. */
  to: number | undefined;
}

export interface LiveModel {
  committed: Committed[];
  /** Record ids that exist now (a delete of a missing record commits nothing). */
  existing: Set<string>;
  subscribers: Subscriber[];
  seq: number;
}

export interface LiveReal {
  manager: ConnectionManager;
  events: EventRecorder;
  /** Writes go straight to the endpoint, around the proxy the manager's connections go through. */
  direct: Surreal;
  proxy: FaultProxy;
  /** Table names of this run: fresh tables per run on one endpoint. */
  tables: { fed: string; plain: string };
  streams: { items: LiveNotification[]; subscription: Subscription; id: number; error?: unknown }[];
}

export function newModel(): LiveModel {
  return { committed: [], existing: new Set(), subscribers: [], seq: 0 };
}

/** What a notification says, in the model's terms. */
export function asCommitted(n: LiveNotification): Committed | "gap" {
  if (n.kind === "gap") return "gap";
  const id = String(n.id).split(":")[1] ?? String(n.id);
  return { id, what: n.kind === "delete" ? "delete" : Number((n.record as { seq?: number })?.seq) };
}
