import type { LiveMessage, LiveSubscription } from "surrealdb";
import { killWithin } from "../surreal/lease/killWithin.js";
import type { LiveHost } from "./LiveHost.js";

/**
 * One registration of a subscription's LIVE SELECT: the connection it was placed on and, once
 * registered, its live query and listener. Dropped as a whole: reads still running on it end (its
 * signal aborts), its listener stops, its live query is killed where the socket is still up.
 */
export class Registration {
  readonly host: LiveHost;
  readonly #abort = new AbortController();
  #live: LiveSubscription | undefined;
  #unlisten: (() => void) | undefined;
  /** The engine's clock read just before the LIVE SELECT ran (once registered). */
  engineMs = 0;

  constructor(host: LiveHost) {
    this.host = host;
  }

  /** Aborted when it is dropped. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  listen(live: LiveSubscription, listener: (m: LiveMessage) => void): void {
    this.#live = live;
    this.#unlisten = live.subscribe(listener);
  }

  /** Lets go of it; resolves when its live query is killed (or could not be, within the kill's deadline). */
  drop(reason: Error): Promise<void> {
    this.#abort.abort(reason);
    this.#unlisten?.();
    this.#unlisten = undefined;
    const live = this.#live;
    this.#live = undefined;
    // Lost by a deadline or a KILLED message, the socket may still be up: kill it there too.
    return live && !this.host.lost ? killWithin(live).catch(() => {}) : Promise.resolve();
  }
}
