import type { Subscriber } from "rxjs";
import type { LiveMessage, Uuid } from "surrealdb";
import type { ReadFrom } from "../feed/FeedCursor.js";
import { feedOf } from "../feed/feedOf.js";
import { versionstampAt } from "../feed/versionstamp.js";
import { asError } from "../util/asError.js";
import { withDeadline } from "../util/withDeadline.js";
import { FeedOrder } from "./FeedOrder.js";
import { killWithin } from "./killWithin.js";
import { LiveError } from "./LiveError.js";
import type { LiveEvent, LiveKillReason } from "./LiveEvent.js";
import type { HostedSubscription, LiveHost } from "./LiveHost.js";
import type { LiveChange, LiveNotification } from "./LiveNotification.js";
import type { LiveRequest } from "./LiveOptions.js";

/** What a subscription needs from the room that runs it. */
export interface LiveRunHost {
  /** A connection with room for one more live query: `preferred` endpoint first. */
  place(run: LiveRun, preferred: string | undefined): Promise<LiveHost>;
  /** The subscription no longer uses `host`. */
  leave(run: LiveRun, host: LiveHost): void;
  publish(event: LiveEvent): void;
  /** Delay before resubscribe attempt `attempt` (1-based). */
  backoffMs(attempt: number): number;
  maxAttempts: number;
  /** Deadline of one change-feed read (ms). */
  readTimeoutMs: number;
  /** On a table with a change feed: read it this often even without a notification (ms). */
  feedPollMs: number;
  /** The run ended (its stream completed or errored). */
  ended(run: LiveRun): void;
}

type ChangeMessage = Extract<LiveMessage, { action: "CREATE" | "UPDATE" | "DELETE" }>;
type State = "registering" | "live" | "recovering" | "ended";

/**
 * One `manager.live()` subscription: its LIVE SELECT, registered on a connection the room keeps; its
 * bounded delivery queue; and its recovery when the connection is lost: registered again elsewhere
 * (with backoff), and then
 * - on a table with a change feed (a table subscription without WHERE or DIFF): delivery follows the
 *   feed (FeedOrder), so what was committed meanwhile is read from the same cursor: exactly once, in
 *   commit order;
 * - otherwise: a `gap` notification covering the time it was lost.
 */
export class LiveRun implements HostedSubscription {
  readonly id: string;
  readonly request: LiveRequest;
  readonly #subscriber: Subscriber<LiveNotification>;
  readonly #room: LiveRunHost;
  #state: State = "registering";
  #host: LiveHost | undefined;
  #live: { kill(): Promise<void> } | undefined;
  #unlisten: (() => void) | undefined;
  /** Bumped on every registration and loss: notifications of an older registration are ignored. */
  #generation = 0;
  readonly #queue: LiveNotification[] = [];
  #drainScheduled = false;
  /** Set when the table has a change feed: delivery in commit order from it. */
  #order: FeedOrder | undefined;
  /** Feed reads run one at a time, in order. */
  #chain: Promise<void> = Promise.resolve();
  #pullQueued = false;
  #windowQueued = false;
  #stallTimer: ReturnType<typeof setTimeout> | undefined;
  #pollTimer: ReturnType<typeof setInterval> | undefined;
  /** Date.now() of the last change queued, or of the registration: a gap starts there. */
  #lastAt = 0;
  /** Without a feed, while recovering: the new live query's notifications, held until the gap is in. */
  #held: ChangeMessage[] | undefined;
  #lostAt = 0;
  #wake: (() => void) | undefined;
  /** A `live.subscribed` was published for it. */
  #subscribed = false;
  /** Aborted when the run ends: its waits end with it. */
  readonly #ending = new AbortController();

  constructor(id: string, request: LiveRequest, subscriber: Subscriber<LiveNotification>, room: LiveRunHost) {
    this.id = id;
    this.request = request;
    this.#subscriber = subscriber;
    this.#room = room;
  }

  get state(): State {
    return this.#state;
  }

  /** A getter, so checks after an await are not narrowed away by the compiler. */
  get #ended(): boolean {
    return this.#state === "ended";
  }

  /**
   * Registers the live query, trying again with backoff when its connection fails meanwhile; an error
   * of the query itself (a bad WHERE, no permission), or running out of attempts, ends the stream with
   * `LiveError` ("register").
   */
  async start(): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.#room.maxAttempts; attempt++) {
      if (attempt > 1) await this.#sleep(this.#room.backoffMs(attempt - 1));
      if (this.#ended) return;
      let host: LiveHost | undefined;
      try {
        // An outage at subscribe time is waited out like one a moment later: not an attempt spent.
        host = await this.#placeWaitingForBreakers(undefined, () => !this.#ended);
        if (this.#ended) {
          this.#room.leave(this, host);
          return;
        }
        await this.#registerFirst(host);
        return;
      } catch (error) {
        if (this.#ended) return;
        lastError = error;
        // Read before leaving: leaving the last subscription closes the host, which then reads as lost.
        const lost = host?.lost === true;
        this.#unlisten?.();
        this.#unlisten = undefined;
        this.#order = undefined;
        if (host) this.#room.leave(this, host);
        this.#host = undefined;
        // Only a lost connection is worth another attempt; the query's own error would come again.
        if (!lost && !isTransportError(error)) break;
      }
    }
    this.#fail(
      new LiveError(
        "register",
        this.id,
        `live(${describeTarget(this.request)}) could not be registered: ${message(lastError)}`,
        { cause: lastError },
      ),
    );
  }

  async #registerFirst(host: LiveHost): Promise<void> {
    const { table, where, diff } = this.request;
    // Known before the LIVE SELECT runs, so its first notification already goes the feed's way.
    const feed =
      table !== undefined && where === undefined && !diff
        ? await this.#withinDeadline(
            host.call((db) => feedOf(db, table)),
            "reading the table's definition",
          )
        : undefined;
    const before = Date.now();
    const engineMs = await this.#register(host, (ms) => {
      if (table !== undefined && feed !== undefined) {
        this.#order = new FeedOrder(table, feed, versionstampAt(ms));
      }
    });
    if (this.#ended || engineMs === undefined) return;
    if (host.lost) throw new Error(`connection ${host.id} was lost during the registration`);
    this.#lastAt = before;
    this.#state = "live";
    this.#subscribed = true;
    // Notifications that came before it was live were only noted.
    if (this.#order) {
      this.#pull();
      // The engine drops notifications under bursts and sends none for writes in a transaction, and a
      // commit can land after a younger one was read: a window read now and then delivers both.
      this.#pollTimer = setInterval(
        () => this.#pull(this.#order?.windowDue() ? "window" : "tail"),
        this.#room.feedPollMs,
      );
      this.#pollTimer.unref?.();
    }
    this.#room.publish({
      type: "live.subscribed",
      ts: Date.now(),
      subscriptionId: this.id,
      endpoint: host.endpoint,
      connectionId: host.id,
      table: this.request.table,
    });
  }

  /**
   * Registers the LIVE SELECT on `host` and starts listening. `beforeListening` gets the engine's clock
   * read just before the LIVE SELECT ran. Resolves with that clock, or undefined when the run moved on.
   */
  async #register(host: LiveHost, beforeListening?: (engineMs: number) => void): Promise<number | undefined> {
    this.#host = host;
    const generation = ++this.#generation;
    const registration = host.call(async (db) => {
      const [now, id] = await db.query<[{ toDate(): Date }, Uuid]>(
        `RETURN time::now(); ${this.request.text}`,
        this.request.vars,
      );
      return { engineMs: now.toDate().getTime(), live: await db.liveOf(id) };
    });
    // A socket that went silent under the registration would hold the run here for good, out of reach
    // of its recovery: it gets the feed read's deadline, and a late live query is killed.
    const { engineMs, live } = await this.#withinDeadline(registration, "registering the live query").catch(
      (error: unknown) => {
        registration.then(({ live: late }) => killWithin(late)).catch(() => {});
        throw error;
      },
    );
    if (generation !== this.#generation || this.#ended || host.lost) {
      void killWithin(live).catch(() => {});
      if (host.lost) throw new Error(`connection ${host.id} was lost during the registration`);
      return undefined;
    }
    this.#live = live;
    beforeListening?.(engineMs);
    this.#unlisten = live.subscribe((m) => this.#onMessage(m, generation));
    return engineMs;
  }

  #onMessage(m: LiveMessage, generation: number): void {
    if (generation !== this.#generation || this.#ended) return;
    if (m.action === "KILLED") {
      this.#lose(new Error("the server killed the live query"));
      return;
    }
    if (this.#order) {
      this.#order.noteLive(toChange(m, false));
      this.#pull();
      return;
    }
    if (this.#held) {
      this.#held.push(m);
      if (this.#held.length > this.request.bufferSize) this.#overflow();
      return;
    }
    this.#enqueue(toChange(m, this.request.diff));
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
   * late). A window read asked for while a read is queued makes that read a window read.
   */
  #pull(from: ReadFrom = "tail"): void {
    if (from === "window") this.#windowQueued = true;
    if (this.#pullQueued) return;
    this.#pullQueued = true;
    void this.#serial(async () => {
      this.#pullQueued = false;
      const kind: ReadFrom = this.#windowQueued ? "window" : "tail";
      this.#windowQueued = false;
      const host = this.#host;
      const order = this.#order;
      if (!host || this.#state !== "live" || !order) return;
      const generation = this.#generation;
      try {
        const batch = await this.#withinDeadline(host.call((db) => order.read(db, kind)));
        if (generation !== this.#generation) return; // lost meanwhile: the catch-up reads it again
        order.accept(batch);
      } catch (error) {
        if (this.#state === "live" && this.#host === host) this.#lose(asError(error));
        return;
      }
      this.#release();
    });
  }

  /** A read on a socket that stopped answering would hold every later one: each gets a deadline. */
  #withinDeadline<T>(read: Promise<T>, what = "reading the change feed"): Promise<T> {
    const ms = this.#room.readTimeoutMs;
    // Ended with the run: a call left unanswered on a connection closed under it (shutdown) must not
    // hold the process for its deadline.
    return withDeadline(read, ms, () => new Error(`${what} timed out after ${ms} ms`), this.#ending.signal);
  }

  /** Hands out the changes that may go out now, and sets the timer for the first one still held. */
  #release(): void {
    const order = this.#order;
    if (!order || this.#ended) return;
    const { changes, waitUntil, readWindow } = order.take(false);
    for (const change of changes) this.#deliver(change);
    if (readWindow) this.#pull("window");
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

  // --- delivery ------------------------------------------------------------------------------------

  /** Queues a change, or a gap (which is also a `live.gap` event). */
  #deliver(notification: LiveNotification): void {
    this.#enqueue(notification);
    if (notification.kind !== "gap") return;
    this.#lastAt = notification.to;
    this.#room.publish({ type: "live.gap", ts: Date.now(), subscriptionId: this.id, ...notification });
  }

  #enqueue(notification: LiveNotification): void {
    if (this.#ended) return;
    if (this.#queue.length >= this.request.bufferSize) {
      this.#overflow();
      return;
    }
    this.#queue.push(notification);
    if (notification.kind !== "gap") this.#lastAt = Date.now();
    if (!this.#drainScheduled) {
      this.#drainScheduled = true;
      setImmediate(this.#drain);
    }
  }

  /** Hands queued notifications over outside the SDK's callback, so a slow subscriber delays only itself. */
  readonly #drain = (): void => {
    this.#drainScheduled = false;
    if (this.#ended) return;
    const batch = this.#queue.splice(0);
    if (batch.length === 0) return;
    for (const n of batch) {
      if (this.#subscriber.closed) return;
      this.#subscriber.next(n);
    }
    this.#room.publish({
      type: "live.notified",
      ts: Date.now(),
      subscriptionId: this.id,
      count: batch.length,
    });
  };

  #overflow(): void {
    this.#fail(
      new LiveError(
        "overflow",
        this.id,
        `live(${describeTarget(this.request)}): the subscriber fell ${this.request.bufferSize} notifications behind (bufferSize); the live query was killed. Raise bufferSize or consume faster.`,
      ),
      "overflow",
    );
  }

  // --- loss and recovery -----------------------------------------------------------------------------

  /** Its connection was lost: register again elsewhere. */
  hostLost(error: Error): void {
    if (this.#state === "recovering") {
      // The connection of a resubscribe attempt died under it: the attempt fails and the loop retries.
      this.#generation++;
      this.#wake?.();
      return;
    }
    this.#lose(error);
  }

  #lose(error: Error): void {
    if (this.#state !== "live") return;
    const host = this.#host;
    this.#state = "recovering";
    this.#generation++;
    // A feed read still running on the lost connection may never settle: later reads do not wait for it
    // (and its result is dropped: the generation moved on).
    this.#chain = Promise.resolve();
    this.#pullQueued = false;
    this.#windowQueued = false;
    this.#unlisten?.();
    this.#unlisten = undefined;
    const live = this.#live;
    this.#live = undefined;
    // Lost by a deadline or a KILLED message, the socket may still be up: kill it there too.
    if (live && host && !host.lost) void killWithin(live).catch(() => {});
    this.#lostAt = Date.now();
    if (host) {
      this.#room.leave(this, host);
      this.#room.publish({
        type: "live.lost",
        ts: this.#lostAt,
        subscriptionId: this.id,
        endpoint: host.endpoint,
        connectionId: host.id,
        error,
      });
    }
    this.#host = undefined;
    void this.#recover(host?.endpoint);
  }

  async #recover(preferred: string | undefined): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.#room.maxAttempts; attempt++) {
      if (this.#state !== "recovering") return;
      if (attempt > 1) await this.#sleep(this.#room.backoffMs(attempt - 1));
      if (this.#state !== "recovering") return;
      let host: LiveHost | undefined;
      try {
        host = await this.#placeWaitingForBreakers(preferred, () => this.#state === "recovering");
        if (this.#state !== "recovering") {
          this.#room.leave(this, host);
          return;
        }
        if (!this.#order) this.#held = [];
        const engineMs = await this.#register(host);
        if (engineMs === undefined) {
          if (this.#state !== "recovering") return;
          throw new Error(`connection ${host.id} was lost during the registration`);
        }
        const generation = this.#generation;
        const backfilled = await this.#catchUp(host, engineMs);
        if (this.#state !== "recovering") return;
        if (generation !== this.#generation || host.lost) throw new Error(`connection ${host.id} was lost`);
        this.#state = "live";
        // Notifications that came while the back-fill ran were only noted: read after them too.
        if (this.#order) this.#pull();
        this.#room.publish({
          type: "live.resubscribed",
          ts: Date.now(),
          subscriptionId: this.id,
          endpoint: host.endpoint,
          connectionId: host.id,
          durationMs: Date.now() - this.#lostAt,
          backfilled,
          attempts: attempt,
        });
        return;
      } catch (error) {
        lastError = error;
        this.#held = undefined;
        this.#unlisten?.();
        this.#unlisten = undefined;
        const live = this.#live;
        this.#live = undefined;
        if (live) void killWithin(live).catch(() => {});
        if (host) this.#room.leave(this, host);
        this.#host = undefined;
        // Another endpoint next time: the one that just failed may be down.
        preferred = undefined;
      }
    }
    if (this.#state !== "recovering") return;
    this.#fail(
      new LiveError(
        "resubscribe",
        this.id,
        `live(${describeTarget(this.request)}) was lost and could not be registered again in ${this.#room.maxAttempts} attempts: ${message(lastError)}`,
        { cause: lastError },
      ),
    );
  }

  /**
   * What the subscriber missed while lost. With a feed: everything after the cursor, read now on the new
   * connection (returns how many changes); without one, or when the feed no longer reaches back: a gap.
   */
  async #catchUp(host: LiveHost, engineMs: number): Promise<number> {
    const order = this.#order;
    if (order?.reachesBack(engineMs)) {
      let count = 0;
      await this.#serial(async () => {
        order.accept(await this.#withinDeadline(host.call((db) => order.read(db, "window"))));
        const { changes } = order.take(true);
        for (const change of changes) {
          if (change.kind !== "gap") count++;
          this.#deliver(change);
        }
      });
      return count;
    }
    const reason = !order
      ? this.request.table === undefined || this.request.where !== undefined || this.request.diff
        ? "no back-fill for a live query with WHERE, DIFF or given as LIVE SELECT text"
        : `table ${this.request.table} has no change feed`
      : `the change feed of ${order.table} no longer reaches back to the loss (retention ${order.retentionMs} ms)`;
    order?.restartAt(versionstampAt(engineMs));
    this.#deliver({ kind: "gap", from: this.#lastAt, to: Date.now(), reason });
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const m of held) this.#enqueue(toChange(m, this.request.diff));
    return 0;
  }

  /**
   * A connection for a registration or a resubscribe. While every endpoint's breaker is open it waits
   * for the first to probe again, however long the outage: waiting is not an attempt spent (shutdown
   * or unsubscribe ends it: `wanted()` turns false).
   */
  async #placeWaitingForBreakers(preferred: string | undefined, wanted: () => boolean): Promise<LiveHost> {
    for (;;) {
      try {
        return await this.#room.place(this, preferred);
      } catch (error) {
        const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
        if (retryAfterMs === undefined || !wanted()) throw error;
        await this.#sleep(retryAfterMs);
        if (!wanted()) throw error;
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  // --- the end -------------------------------------------------------------------------------------

  /** Kills the live query on the server and ends the stream (completes it, or errors with `error`). */
  stop(reason: LiveKillReason, error?: Error): Promise<void> {
    if (this.#ended) return Promise.resolve();
    this.#state = "ended";
    this.#ending.abort(new LiveError("closed", this.id, "the subscription ended"));
    this.#generation++;
    this.#wake?.();
    this.#unlisten?.();
    clearTimeout(this.#stallTimer);
    clearInterval(this.#pollTimer);
    const live = this.#live;
    const host = this.#host;
    this.#live = undefined;
    this.#host = undefined;
    this.#queue.length = 0;
    if (error) this.#subscriber.error(error);
    else this.#subscriber.complete();
    this.#room.ended(this);
    const killed = live && host && !host.lost ? killWithin(live).catch(() => {}) : Promise.resolve();
    return killed.then(() => {
      if (host) this.#room.leave(this, host);
      this.#room.publish({
        type: "live.killed",
        ts: Date.now(),
        subscriptionId: this.id,
        reason,
        subscribed: this.#subscribed,
        ...(error ? { error } : {}),
      });
    });
  }

  #fail(error: LiveError, reason: LiveKillReason = "failed"): void {
    void this.stop(reason, error);
  }
}

function toChange(m: ChangeMessage, diff: boolean): LiveChange {
  const kind = m.action === "CREATE" ? "create" : m.action === "UPDATE" ? "update" : "delete";
  if (diff) return { kind, id: m.recordId, record: undefined, diff: m.value as unknown as unknown[] };
  return { kind, id: m.recordId, record: m.value };
}

/** A failure of the connection rather than of the query (the SDK's connection errors, ours). */
function isTransportError(error: unknown): boolean {
  const text = `${(error as { name?: string })?.name ?? ""} ${message(error)}`;
  return /connection|socket|closed|lost|timed? ?out|keepalive|disconnect/i.test(text);
}

function describeTarget(request: LiveRequest): string {
  return request.table ?? "LIVE SELECT ...";
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
