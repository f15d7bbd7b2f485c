import { killWithin } from "./killWithin.js";

/**
 * The live queries a borrower started on a lease (`db.live()`, `db.liveOf()`, LIVE SELECT text in
 * `db.query()`): a live query belongs to the session and socket that made it, so left running it would
 * notify the connection's next borrower. The lease kills them at release.
 */
export class LeaseLive {
  readonly #subscriptions = new Set<{ kill(): Promise<void> }>();
  /** LIVE SELECT text ran: its query ids are unknown here, so only closing the session kills them. */
  #fromText = false;

  note(subscription: { kill(): Promise<void> } | undefined): void {
    if (subscription) this.#subscriptions.add(subscription);
    else this.#fromText = true;
  }

  /**
   * Kills what it can. `discard`: the connection must be given up instead of returned (LIVE SELECT
   * text ran, or a kill failed): closing its session or socket removes every live query on it.
   */
  async kill(): Promise<{ killed: number; discard: boolean }> {
    let discard = this.#fromText;
    const results = await Promise.allSettled([...this.#subscriptions].map((s) => killWithin(s)));
    for (const r of results) if (r.status === "rejected") discard = true;
    return { killed: this.#subscriptions.size + (this.#fromText ? 1 : 0), discard };
  }
}
