import { asError } from "../../util/asError.js";
import { withDeadline } from "../../util/withDeadline.js";

/** The part of an SDK transaction the pool needs to end one a borrower left open. */
interface Cancellable {
  cancel(): Promise<void>;
}

const NOT_FOUND = /transaction not found/i;

/** What cancelling a lease's abandoned transactions came to. */
export interface AbandonedOutcome {
  /** Transactions found still open when the lease ended. */
  count: number;
  /** The first cancel that failed or ran past its deadline; undefined when all were cancelled. */
  error: Error | undefined;
}

/**
 * The transactions begun through one lease and not yet committed or cancelled. On the server a
 * transaction belongs to the socket (FACTS: `reset` and `detach` do not end it), so one left open
 * would stay open on the pooled socket, holding what it holds, under the next borrower: the lease
 * cancels these before its connection goes back.
 */
export class OpenTransactions {
  readonly #open = new Set<Cancellable>();

  began(transaction: object): void {
    this.#open.add(transaction as Cancellable);
  }

  ended(transaction: object): void {
    this.#open.delete(transaction as Cancellable);
  }

  get size(): number {
    return this.#open.size;
  }

  /** Cancels every open transaction (the raw SDK objects: the lease's handles are revoked by now). */
  async cancelAll(timeoutMs: number): Promise<AbandonedOutcome> {
    const open = [...this.#open];
    this.#open.clear();
    let error: Error | undefined;
    for (const transaction of open) {
      try {
        await withDeadline(
          Promise.resolve().then(() => transaction.cancel()),
          timeoutMs,
          () => new Error(`cancelling an abandoned transaction did not finish within ${timeoutMs} ms`),
        );
      } catch (cause) {
        // Already gone on the server (a commit cut off mid-flight ended it): nothing is left open.
        if (NOT_FOUND.test(String((cause as Error)?.message))) continue;
        error ??= asError(cause);
      }
    }
    return { count: open.length, error };
  }
}
