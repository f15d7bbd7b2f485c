import type { Subscriber } from "rxjs";
import type { LiveMessage } from "surrealdb";
import type { LiveEvent } from "../events/LiveEvent.js";
import type { ReadFrom } from "../surreal/feed/FeedCursor.js";
import { versionstampAt } from "../surreal/feed/versionstamp.js";
import { asError } from "../util/asError.js";
import type { FeedOrder } from "./FeedOrder.js";
import { LiveError } from "./LiveError.js";
import type { LiveHost } from "./LiveHost.js";
import type { LiveChange, LiveNotification } from "./LiveNotification.js";
import type { LiveRequest } from "./LiveOptions.js";
import { timedOut } from "./timedOut.js";

export type ChangeMessage = Extract<LiveMessage, { action: "CREATE" | "UPDATE" | "DELETE" }>;

/** What delivery needs from the subscription it delivers for. */
export interface DeliveryOwner {
  readonly id: string;
  readonly request: LiveRequest;
  publish(event: LiveEvent): void;
  /** Deadline of one change-feed read (ms). */
  readonly readTimeoutMs: number;
  /** The connection feed reads go to and the signal that ends them, while the subscription is live. */
  reading(): { host: LiveHost; signal: AbortSignal } | undefined;
  /** A feed read failed while live: the subscription is lost. */
  readFailed(error: Error): void;
  /** The subscriber fell `bufferSize` behind. */
  overflowed(error: LiveError): void;
}

/**
 * The delivery half of a subscription: its bounded queue to the subscriber and, on a table with a
 * change feed, commit order from the feed (FeedOrder): reads in order, one for a burst of notifications,
 * and the back-fill after a loss. Without a feed, a loss puts a gap in the stream.
 */
export class LiveDelivery {
  /** Set when the table has a change feed: delivery in commit order from it. */
  order: FeedOrder | undefined;
  /** Date.now() of the last change queued, or of the registration: a gap starts there. */
  lastAt = 0;
  readonly #owner: DeliveryOwner;
  readonly #subscriber: Subscriber<LiveNotification>;
  readonly #queue: LiveNotification[] = [];
  #drainScheduled = false;
  /** Feed reads run one at a time, in order. */
  #chain: Promise<void> = Promise.resolve();
  #pullQueued = false;
  #windowQueued = false;
  #stallTimer: ReturnType<typeof setTimeout> | undefined;
  /** Without a feed, while registering again: the new live query's notifications, held until the gap is in. */
  #held: ChangeMessage[] | undefined;
  /** Stopped (the subscription ended, or overflowed): nothing more goes out. */
  #stopped = false;

  constructor(owner: DeliveryOwner, subscriber: Subscriber<LiveNotification>) {
    this.#owner = owner;
    this.#subscriber = subscriber;
  }

  /** A notification of the registered live query. */
  noted(m: ChangeMessage): void {
    if (this.#stopped) return;
    if (this.order) {
      this.order.noteLive(toChange(m, false));
      this.pull();
      return;
    }
    if (this.#held) {
      this.#held.push(m);
      if (this.#held.length > this.#owner.request.bufferSize) this.#overflow();
      return;
    }
    this.#enqueue(toChange(m, this.#owner.request.diff));
  }

  /** Without a feed: hold the next live query's notifications until the gap is in. */
  hold(): void {
    if (!this.order) this.#held = [];
  }

  dropHeld(): void {
    this.#held = undefined;
  }

  // --- commit order from the change feed ------------------------------------------------------------

  /** Runs `work` after every feed read queued before it. */
  #serial(work: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(work);
    this.#chain = next.catch(() => {});
    return next;
  }

  /**
   * Reads the feed (one read for a burst of notifications) and delivers what it may: what is new after
   * the last commit read, or with `window` everything after the safe point again (commits that landed
   * late). A window read asked for while a read is queued makes that read a window read. Only while
   * live: notifications that come meanwhile are noted, and read after when it is live again.
   */
  pull(from: ReadFrom = "tail"): void {
    if (from === "window") this.#windowQueued = true;
    if (this.#pullQueued) return;
    this.#pullQueued = true;
    void this.#serial(async () => {
      this.#pullQueued = false;
      const kind: ReadFrom = this.#windowQueued ? "window" : "tail";
      this.#windowQueued = false;
      const reading = this.#owner.reading();
      const order = this.order;
      if (!reading || !order || this.#stopped) return;
      const { host, signal } = reading;
      try {
        const batch = await this.#read(
          host.call((db) => order.read(db, kind)),
          signal,
        );
        order.accept(batch);
      } catch (error) {
        // Lost meanwhile (its signal aborted the read): the back-fill reads it again.
        if (!signal.aborted) this.#owner.readFailed(asError(error));
        return;
      }
      this.#release();
    });
  }

  /** A read on a socket that stopped answering would hold every later one: each gets a deadline. */
  #read<T>(read: Promise<T>, signal: AbortSignal): Promise<T> {
    return timedOut(read, this.#owner.readTimeoutMs, "reading the change feed", signal);
  }

  /** Hands out the changes that may go out now, and sets the timer for the first one still held. */
  #release(): void {
    const order = this.order;
    if (!order || this.#stopped) return;
    const { changes, waitUntil, readWindow } = order.take(false);
    for (const change of changes) this.#deliver(change);
    if (readWindow) this.pull("window");
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    if (waitUntil !== undefined) {
      // A change whose notification has not come goes out when it has waited STALL_MS (as `update`). The
      // check runs after one turn of I/O: a process that was busy past the deadline runs its timers
      // before it reads its sockets, where the late notification may already be waiting.
      this.#stallTimer = setTimeout(
        () => setImmediate(() => this.#release()),
        Math.max(1, waitUntil - Date.now() + 1),
      );
      this.#stallTimer.unref?.();
    }
  }

  /** The feed reaches back to the loss: the back-fill can close it. */
  reachesBack(engineMs: number): boolean {
    return this.order?.reachesBack(engineMs) === true;
  }

  /**
   * What the subscriber missed while lost, read from the feed on the new connection after every read
   * queued before it: exactly once, in commit order. Resolves with how many changes it delivered.
   */
  async backfill(host: LiveHost, signal: AbortSignal): Promise<number> {
    const order = this.order;
    if (!order) return 0;
    let count = 0;
    await this.#serial(async () => {
      order.accept(
        await this.#read(
          host.call((db) => order.read(db, "window")),
          signal,
        ),
      );
      const { changes } = order.take(true);
      for (const change of changes) {
        if (change.kind !== "gap") count++;
        this.#deliver(change);
      }
    });
    return count;
  }

  /**
   * No feed, or one that no longer reaches back to the loss: a gap covering the time it was lost, then
   * what the new live query (registered at `engineMs`) sent meanwhile.
   */
  putGap(engineMs: number): void {
    const { request } = this.#owner;
    const order = this.order;
    const reason = !order
      ? request.table === undefined || request.where !== undefined || request.diff
        ? "no back-fill for a live query with WHERE, DIFF or given as LIVE SELECT text"
        : `table ${request.table} has no change feed`
      : `the change feed of ${order.table} no longer reaches back to the loss (retention ${order.retentionMs} ms)`;
    order?.restartAt(versionstampAt(engineMs));
    this.#deliver({ kind: "gap", from: this.lastAt, to: Date.now(), reason });
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const m of held) this.#enqueue(toChange(m, request.diff));
  }

  // --- delivery ------------------------------------------------------------------------------------

  /** Queues a change, or a gap (which is also a `live.gap` event). */
  #deliver(notification: LiveNotification): void {
    this.#enqueue(notification);
    if (notification.kind !== "gap") return;
    this.lastAt = notification.to;
    this.#owner.publish({
      type: "live.gap",
      ts: Date.now(),
      subscriptionId: this.#owner.id,
      ...notification,
    });
  }

  #enqueue(notification: LiveNotification): void {
    if (this.#stopped) return;
    if (this.#queue.length >= this.#owner.request.bufferSize) {
      this.#overflow();
      return;
    }
    this.#queue.push(notification);
    if (notification.kind !== "gap") this.lastAt = Date.now();
    if (!this.#drainScheduled) {
      this.#drainScheduled = true;
      setImmediate(this.#drain);
    }
  }

  /** Hands queued notifications over outside the SDK's callback, so a slow subscriber delays only itself. */
  readonly #drain = (): void => {
    this.#drainScheduled = false;
    if (this.#stopped) return;
    const batch = this.#queue.splice(0);
    if (batch.length === 0) return;
    for (const n of batch) {
      if (this.#subscriber.closed) return;
      this.#subscriber.next(n);
    }
    this.#owner.publish({
      type: "live.notified",
      ts: Date.now(),
      subscriptionId: this.#owner.id,
      count: batch.length,
    });
  };

  #overflow(): void {
    if (this.#stopped) return;
    const { id, request } = this.#owner;
    this.stop();
    this.#owner.overflowed(
      new LiveError(
        "overflow",
        id,
        `live(${describeTarget(request)}): the subscriber fell ${request.bufferSize} notifications behind (bufferSize); the live query was killed. Raise bufferSize or consume faster.`,
      ),
    );
  }

  /** Nothing more goes out: the queue is dropped, the timers cleared. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#stallTimer);
    this.#queue.length = 0;
    this.#held = undefined;
  }
}

export function toChange(m: ChangeMessage, diff: boolean): LiveChange {
  const kind = m.action === "CREATE" ? "create" : m.action === "UPDATE" ? "update" : "delete";
  if (diff) return { kind, id: m.recordId, record: undefined, diff: m.value as unknown as unknown[] };
  return { kind, id: m.recordId, record: m.value };
}

export function describeTarget(request: LiveRequest): string {
  return request.table ?? "LIVE SELECT ...";
}
