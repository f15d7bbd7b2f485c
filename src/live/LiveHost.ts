import type { SurrealSession } from "surrealdb";
import type { HeldUnit } from "../core/HeldUnits.js";
import type { RawConnection } from "../surreal/Connector.js";
import { withUnitRenewal } from "../surreal/credentials/withRenewal.js";
import { asError } from "../util/asError.js";
import { withDeadline } from "../util/withDeadline.js";

/** What a connection kept for live queries tells the subscriptions it carries. */
export interface HostedSubscription {
  /** The connection is gone (socket closed, keepalive missed, ping refused): re-register elsewhere. */
  hostLost(error: Error): void;
}

export interface LiveHostOptions {
  id: string;
  endpoint: string;
  /** Namespace and database its session uses (one host serves one pair). */
  key: string;
  /** Its connection, as its endpoint holds it (closing it frees its place under the endpoint's bound). */
  held: HeldUnit<RawConnection>;
  keepaliveIntervalMs: number;
  keepaliveTimeoutMs: number;
  /** Told once, when the host is lost. */
  onLost(host: LiveHost, error: Error): void;
}

/**
 * One connection the pool keeps for live queries, out of lease rotation: many subscriptions share it.
 * It is lost when the transport says so (socket closed) or when a keepalive ping gets no answer
 * within its deadline: the SDK's own ping has none (surrealdb.js #620), so a half-open socket would
 * otherwise stop its live queries silently.
 */
export class LiveHost {
  readonly id: string;
  readonly endpoint: string;
  readonly key: string;
  readonly raw: RawConnection;
  readonly subscriptions = new Set<HostedSubscription>();
  #lost: Error | undefined;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #options: LiveHostOptions;
  #pinging = false;
  /** Aborted when it is lost or closed: a ping still waiting then must not hold the process. */
  readonly #ended = new AbortController();

  constructor(options: LiveHostOptions) {
    this.#options = options;
    this.id = options.id;
    this.endpoint = options.endpoint;
    this.key = options.key;
    this.raw = options.held.unit;
    this.raw.onBroken((error) => this.lose(error));
    this.#timer = setInterval(() => this.#keepalive(), options.keepaliveIntervalMs);
    this.#timer.unref?.();
    // A socket that died between its open and the listener above fired nothing we heard: check once now.
    this.#keepalive();
  }

  get lost(): boolean {
    return this.#lost !== undefined;
  }

  /** Checks the connection now (a keepalive ping with its deadline); resolves false when it was lost. */
  async check(): Promise<boolean> {
    if (this.#lost) return false;
    const { keepaliveTimeoutMs } = this.#options;
    try {
      await withDeadline(
        this.raw.ping(),
        keepaliveTimeoutMs,
        () => new Error(`keepalive ping to ${this.endpoint} got no answer within ${keepaliveTimeoutMs} ms`),
        this.#ended.signal,
      );
      return true;
    } catch (error) {
      this.lose(asError(error));
      return false;
    }
  }

  /**
   * Runs one of the live queries' own calls (a registration, a feed read) so that the connection's
   * sign-in expiring does not fail it, as the keepalive ping does: renewed first when it is due, or
   * renewed after the server refused the call as expired and the call run once more. (A refused read
   * would otherwise lose every subscription on the connection to an expiry the keepalive would renew.)
   */
  call<T>(work: (db: SurrealSession) => Promise<T>): Promise<T> {
    return withUnitRenewal(this.raw, () => work(this.raw.db));
  }

  #keepalive(): void {
    if (this.#pinging) return;
    this.#pinging = true;
    void this.check().finally(() => {
      this.#pinging = false;
    });
  }

  /** Marks it lost (once), tells every subscription on it, and closes it in the background. */
  lose(error: Error): void {
    if (this.#lost) return;
    this.#lost = error;
    clearInterval(this.#timer);
    this.#ended.abort(error);
    this.#options.onLost(this, error);
    for (const subscription of [...this.subscriptions]) subscription.hostLost(error);
    this.subscriptions.clear();
    void this.#options.held.close();
  }

  /** Closes it for good (its last subscription left, or shutdown). */
  close(): Promise<void> {
    if (!this.#lost) this.#lost = new Error("closed");
    clearInterval(this.#timer);
    this.#ended.abort(this.#lost);
    return this.#options.held.close();
  }
}
