// Live subscriptions on `reg`, each recording what it was handed (every change and gap, in order) and
// when it was registered and ended. Subscriptions start one after another, and one ends mid-run, so
// registrations race writes and faults.
import type { Subscription } from "rxjs";
import type { ConnectionManager, LiveNotification, PoolEvent } from "../../../../src/index.js";
import type { History } from "../history.js";

export interface Watch {
  name: string;
  /** Date.now() of its `live.subscribed` event; undefined while not registered. */
  subscribedAt: number | undefined;
  /** Date.now() when it was ended (unsubscribed, errored or completed). */
  endedAt: number | undefined;
  error: string | undefined;
  stop(): void;
}

/**
 * Subscribes and records. Start one at a time, each after the one before was registered: the first
 * `live.subscribed` after the call is then this subscription's (a resubscription is `live.resubscribed`).
 */
export function watch(manager: ConnectionManager, history: History, name: string): Watch {
  const w: Watch = { name, subscribedAt: undefined, endedAt: undefined, error: undefined, stop: () => {} };
  let subscriptionId: string | undefined;
  const events = manager.events$.subscribe((e: PoolEvent) => {
    if (!e.type.startsWith("live.")) return;
    const id = (e as { subscriptionId?: string }).subscriptionId;
    if (e.type === "live.subscribed" && subscriptionId === undefined && id) {
      subscriptionId = id;
      w.subscribedAt = Date.now();
    }
    if (id !== subscriptionId) return;
    if (e.type === "live.lost" || e.type === "live.resubscribed") {
      history.observe(`live ${name}`, e.type, { at: Date.now() });
    }
  });
  const end = (error?: unknown) => {
    w.endedAt ??= Date.now();
    if (error !== undefined) w.error = String((error as Error)?.name ?? error);
    events.unsubscribe();
  };
  const subscription: Subscription = manager.live("reg").subscribe({
    next: (n: LiveNotification) => {
      if (n.kind === "gap") {
        history.observe(`live ${name}`, "gap", { from: n.from, to: n.to, reason: n.reason });
        return;
      }
      const record = n.record as { v?: number } | undefined;
      history.observe(`live ${name}`, "notify", {
        id: String(n.id).replace(/^reg:/, ""),
        kind: n.kind,
        v: record?.v ?? null,
        backfilled: n.backfilled === true,
        at: Date.now(),
      });
    },
    error: (error) => end(error),
    complete: () => end(),
  });
  w.stop = () => {
    end();
    subscription.unsubscribe();
  };
  return w;
}
