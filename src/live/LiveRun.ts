import { setTimeout as sleep } from "node:timers/promises";
import type { Subscriber } from "rxjs";
import type { LiveMessage, Uuid } from "surrealdb";
import { type Actor, createActor, type InspectionEvent, type Observer } from "xstate";
import {
  isRecovering,
  type LiveSubscriptionEnd,
  type LiveSubscriptionEvent,
} from "../../machines/liveSubscription.machine.js";
import { classifyError } from "../errors/classifyError.js";
import type { LiveEvent } from "../events/LiveEvent.js";
import { feedOf } from "../surreal/feed/feedOf.js";
import { versionstampAt } from "../surreal/feed/versionstamp.js";
import { killWithin } from "../surreal/lease/killWithin.js";
import { FeedOrder } from "./FeedOrder.js";
import { describeTarget, LiveDelivery } from "./LiveDelivery.js";
import { LiveError } from "./LiveError.js";
import type { HostedSubscription, LiveHost } from "./LiveHost.js";
import type { LiveNotification } from "./LiveNotification.js";
import type { LiveRequest } from "./LiveOptions.js";
import { type LiveRunEffects, liveSubscriptionLogic } from "./liveSubscriptionLogic.js";
import { Registration } from "./Registration.js";
import { timedOut } from "./timedOut.js";

/** What a subscription needs from the room that runs it. */
export interface LiveRunHost {
  /** A connection with room for one more live query: `preferred` endpoint first. */
  place(run: LiveRun, preferred: string | undefined): Promise<LiveHost>;
  /** The subscription no longer uses `host`. */
  leave(run: LiveRun, host: LiveHost): void;
  publish(event: LiveEvent): void;
  /** Delay before registration attempt `attempt` (1-based) after a failure or a loss: jittered. */
  backoffMs(attempt: number): number;
  maxAttempts: number;
  /** Deadline of one change-feed read (ms). */
  readTimeoutMs: number;
  /** On a table with a change feed: read it this often even without a notification (ms). */
  feedPollMs: number;
  /** The run ended (its stream completed or errored). */
  ended(run: LiveRun): void;
  /** An XState inspection observer for the subscription's machine. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
}

/**
 * One `manager.live()` subscription: its LIVE SELECT, registered on a connection the room keeps, and its
 * recovery when the connection is lost, as the liveSubscription machine draws it: registered again
 * elsewhere (with jittered backoff), and then
 * - on a table with a change feed (a table subscription without WHERE or DIFF): delivery follows the
 *   feed (FeedOrder), so what was committed meanwhile is read from the same cursor: exactly once, in
 *   commit order;
 * - otherwise: a `gap` notification covering the time it was lost.
 * Its delivery (the bounded queue, the feed reads) is LiveDelivery's.
 */
export class LiveRun implements HostedSubscription {
  readonly id: string;
  readonly request: LiveRequest;
  readonly #subscriber: Subscriber<LiveNotification>;
  readonly #room: LiveRunHost;
  readonly #delivery: LiveDelivery;
  readonly #actor: Actor<typeof liveSubscriptionLogic>;
  /** The current registration: placed on a connection, maybe registered there. */
  #registration: Registration | undefined;
  /** Where it was lost: its first attempt to register again goes there first. */
  #preferred: string | undefined;
  #lostAt = 0;
  /** A `live.subscribed` was published for it. */
  #subscribed = false;
  /** Set when it ended: settles when its live query is killed and `live.killed` published. */
  #finished: Promise<void> | undefined;

  constructor(id: string, request: LiveRequest, subscriber: Subscriber<LiveNotification>, room: LiveRunHost) {
    this.id = id;
    this.request = request;
    this.#subscriber = subscriber;
    this.#room = room;
    this.#delivery = new LiveDelivery(
      {
        id,
        request,
        publish: room.publish,
        readTimeoutMs: room.readTimeoutMs,
        reading: () => {
          const registration = this.#registration;
          return registration && this.#actor.getSnapshot().matches("live")
            ? { host: registration.host, signal: registration.signal }
            : undefined;
        },
        readFailed: (error) => this.#send({ type: "live.lost", error }),
        overflowed: (error) => this.#send({ type: "live.overflow", error }),
      },
      subscriber,
    );
    this.#actor = createActor(liveSubscriptionLogic, {
      id: `live-subscription-${id}`,
      input: { subscriptionId: id, maxAttempts: room.maxAttempts, resource: this },
      ...(room.inspect ? { inspect: room.inspect } : {}),
    });
  }

  /** Lost and not yet registered again. */
  get recovering(): boolean {
    return isRecovering(this.#actor.getSnapshot());
  }

  /**
   * Registers the live query, trying again with backoff when its connection fails meanwhile; an error
   * of the query itself (a bad WHERE, no permission), or running out of attempts, ends the stream with
   * `LiveError` ("register").
   */
  start(): void {
    this.#actor.start();
  }

  /** Its connection was lost: register again elsewhere. */
  hostLost(error: Error): void {
    // Only its current connection's loss counts: one it has left no longer knows it.
    if (this.#registration?.host.lost) this.#send({ type: "live.lost", error });
  }

  /** Kills the live query on the server and completes the stream. */
  stop(reason: "unsubscribed" | "aborted" | "shutdown"): Promise<void> {
    this.#send({ type: "live.stop", reason });
    return this.#finished ?? Promise.resolve();
  }

  /** @internal The machine's effects. */
  readonly effects: LiveRunEffects = {
    register: (signal) => this.#registerFirst(signal),
    reregister: async (signal) => {
      const registration = await this.#place(this.#preferred, signal);
      // Another endpoint next time: the one that just failed may be down.
      this.#preferred = undefined;
      this.#delivery.hold();
      await this.#listen(registration, signal);
      return { reachesBack: this.#delivery.reachesBack(registration.engineMs) };
    },
    backfill: async (signal) => {
      const registration = this.#registration;
      if (!registration) throw new Error(`live subscription ${this.id} has no registration to back-fill on`);
      const backfilled = await this.#delivery.backfill(registration.host, signal);
      if (registration.host.lost) throw lostError(registration.host);
      return { backfilled };
    },
    follow: () => {
      if (!this.#delivery.order) return () => {};
      // Notifications that came before it was live were only noted: read after them.
      this.#delivery.pull();
      // The engine drops notifications under bursts and sends none for writes in a transaction, and a
      // commit can land after a younger one was read: a window read now and then delivers both.
      const timer = setInterval(
        () => this.#delivery.pull(this.#delivery.order?.windowDue() ? "window" : "tail"),
        this.#room.feedPollMs,
      );
      timer.unref?.();
      return () => clearInterval(timer);
    },
    backoffMs: (attempt) => this.#room.backoffMs(attempt),
    // A lost connection, or a failure of the connection rather than of the query, is worth another
    // attempt; the query's own error (a bad WHERE, no permission) would come again.
    retryable: (error) => this.#registration?.host.lost === true || classifyError(error).transient,
    drop: () => {
      const registration = this.#registration;
      this.#registration = undefined;
      this.#delivery.dropHeld();
      if (!registration) return;
      void registration.drop(new Error("the registration was dropped"));
      this.#room.leave(this, registration.host);
    },
    announceSubscribed: () => {
      const host = this.#registration?.host;
      if (!host) return;
      this.#subscribed = true;
      this.#room.publish({
        type: "live.subscribed",
        ts: Date.now(),
        subscriptionId: this.id,
        endpoint: host.endpoint,
        connectionId: host.id,
        table: this.request.table,
      });
    },
    announceLost: (error) => {
      this.#lostAt = Date.now();
      const host = this.#registration?.host;
      if (!host) return;
      this.#preferred = host.endpoint;
      this.#room.publish({
        type: "live.lost",
        ts: this.#lostAt,
        subscriptionId: this.id,
        endpoint: host.endpoint,
        connectionId: host.id,
        error,
      });
    },
    announceResubscribed: (attempts, backfilled) => {
      const host = this.#registration?.host;
      if (!host) return;
      this.#room.publish({
        type: "live.resubscribed",
        ts: Date.now(),
        subscriptionId: this.id,
        endpoint: host.endpoint,
        connectionId: host.id,
        durationMs: Date.now() - this.#lostAt,
        backfilled,
        attempts,
      });
    },
    putGap: () => this.#delivery.putGap(this.#registration?.engineMs ?? Date.now()),
    finish: (end) => this.#finish(end),
  };

  async #registerFirst(signal: AbortSignal): Promise<void> {
    const registration = await this.#place(undefined, signal);
    const { table, where, diff } = this.request;
    // Known before the LIVE SELECT runs, so its first notification already goes the feed's way.
    const feed =
      table !== undefined && where === undefined && !diff
        ? await this.#deadline(
            registration.host.call((db) => feedOf(db, table)),
            "reading the table's definition",
            signal,
          )
        : undefined;
    const before = Date.now();
    await this.#listen(registration, signal, (engineMs) => {
      this.#delivery.order =
        table !== undefined && feed !== undefined
          ? new FeedOrder(table, feed, versionstampAt(engineMs))
          : undefined;
    });
    this.#delivery.lastAt = before;
  }

  /**
   * A connection for a registration. While every endpoint's breaker is open it waits for the first to
   * probe again, however long the outage: waiting is not an attempt spent (the signal ends it).
   */
  async #place(preferred: string | undefined, signal: AbortSignal): Promise<Registration> {
    let host: LiveHost;
    for (;;) {
      try {
        host = await this.#room.place(this, preferred);
        break;
      } catch (error) {
        const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
        if (retryAfterMs === undefined || signal.aborted) throw error;
        await sleep(retryAfterMs, undefined, { signal });
      }
    }
    if (signal.aborted) {
      this.#room.leave(this, host);
      throw signal.reason;
    }
    const registration = new Registration(host);
    this.#registration = registration;
    if (host.lost) throw lostError(host);
    return registration;
  }

  /**
   * Registers the LIVE SELECT on the registration's connection and starts listening. `beforeListening`
   * gets the engine's clock read just before the LIVE SELECT ran.
   */
  async #listen(
    registration: Registration,
    signal: AbortSignal,
    beforeListening?: (engineMs: number) => void,
  ): Promise<void> {
    const { host } = registration;
    const registering = host.call(async (db) => {
      const [now, id] = await db.query<[{ toDate(): Date }, Uuid]>(
        `RETURN time::now(); ${this.request.text}`,
        this.request.vars,
      );
      return { engineMs: now.toDate().getTime(), live: await db.liveOf(id) };
    });
    // A socket that went silent under the registration would hold the run here for good, out of reach
    // of its recovery: it gets the feed read's deadline, and a late live query is killed.
    const { engineMs, live } = await this.#deadline(registering, "registering the live query", signal).catch(
      (error: unknown) => {
        registering.then(({ live: late }) => killWithin(late)).catch(() => {});
        throw error;
      },
    );
    if (signal.aborted || host.lost) {
      void killWithin(live).catch(() => {});
      throw host.lost ? lostError(host) : signal.reason;
    }
    registration.engineMs = engineMs;
    beforeListening?.(engineMs);
    registration.listen(live, (m) => this.#onMessage(m, registration));
  }

  #deadline<T>(work: Promise<T>, what: string, signal: AbortSignal): Promise<T> {
    return timedOut(work, this.#room.readTimeoutMs, what, signal);
  }

  #onMessage(m: LiveMessage, registration: Registration): void {
    if (registration !== this.#registration) return;
    if (m.action === "KILLED") {
      this.#send({ type: "live.lost", error: new Error("the server killed the live query") });
      return;
    }
    this.#delivery.noted(m);
  }

  /** Ends the stream (completes it, or errors it with why), kills the live query, leaves its connection. */
  #finish(end: LiveSubscriptionEnd): void {
    const error =
      end.reason === "overflow" ? end.error : end.reason === "failed" ? this.#failure(end) : undefined;
    this.#delivery.stop();
    const registration = this.#registration;
    this.#registration = undefined;
    const killed = registration?.drop(new LiveError("closed", this.id, "the subscription ended"));
    // Set before the subscriber hears of it: its teardown calls stop(), which then has nothing to do.
    this.#finished = (async () => {
      await killed;
      if (registration) this.#room.leave(this, registration.host);
      this.#room.publish({
        type: "live.killed",
        ts: Date.now(),
        subscriptionId: this.id,
        reason: end.reason,
        subscribed: this.#subscribed,
        ...(error ? { error } : {}),
      });
    })();
    if (error) this.#subscriber.error(error);
    else this.#subscriber.complete();
    this.#room.ended(this);
  }

  #failure(end: Extract<LiveSubscriptionEnd, { reason: "failed" }>): LiveError {
    const target = `live(${describeTarget(this.request)})`;
    const message =
      end.failure === "register"
        ? `${target} could not be registered: ${end.error.message}`
        : `${target} was lost and could not be registered again in ${this.#room.maxAttempts} attempts: ${end.error.message}`;
    return new LiveError(end.failure, this.id, message, { cause: end.error });
  }

  /** Tells the machine, unless the run has ended (an ended machine takes no events). */
  #send(event: LiveSubscriptionEvent): void {
    if (!this.#finished) this.#actor.send(event);
  }
}

function lostError(host: LiveHost): Error {
  return new Error(`connection ${host.id} was lost during the registration`);
}
