import type { SurrealTransaction } from "surrealdb";
import { CommitOutcomeUnknownError } from "../errors/CommitOutcomeUnknownError.js";
import { classifyError } from "../errors/classifyError.js";

/** What one attempt's commit came to, as far as this process can tell. */
type CommitState =
  | { kind: "notSent" }
  | { kind: "inFlight" }
  | { kind: "applied" }
  | { kind: "notApplied"; error: unknown } // the server answered: a conflict, or a refusal
  | { kind: "unknown"; error: unknown }; // no answer that says (dropped, deadline, lease ended)

/** How an attempt that failed with an error ends. */
export interface AttemptVerdict {
  /** What the caller gets (the attempt's own error, or a `CommitOutcomeUnknownError` wrapping it). */
  error: unknown;
  /** False once a commit may have been applied: running `fn` again could apply its work twice. */
  mayRunAgain: boolean;
}

/**
 * Watches the one commit (or cancel) of one transaction attempt, whoever sends it: the pool after `fn`
 * resolves, or `fn` itself through the transaction it was handed. Once a COMMIT was sent, the attempt
 * is never run again unless the server answered that it was not applied (a conflict, a refusal): a
 * commit whose answer did not arrive (the attempt's deadline, a dropped socket, the lease ended, or
 * anything else) may have been applied.
 */
export class CommitWatch {
  #state: CommitState = { kind: "notSent" };
  /** How `fn` ended the transaction itself, if it did; the pool then neither commits nor cancels it. */
  #endedByFn: "commit" | "cancel" | undefined;
  #ending: Promise<unknown> | undefined;

  get endedByFn(): "commit" | "cancel" | undefined {
    return this.#endedByFn;
  }

  /** The commit or cancel `fn` started, still to be waited for when `fn` did not await it. */
  get ending(): Promise<unknown> | undefined {
    return this.#ending;
  }

  /** Sends a commit through `send` and follows it; rejects as the commit does. */
  commit(send: () => Promise<void>): Promise<void> {
    // A call refused before it left (a lease already ended throws at once) sent nothing.
    const sending = send();
    this.#state = { kind: "inFlight" };
    return sending.then(
      () => {
        this.#state = { kind: "applied" };
      },
      (error: unknown) => {
        this.#state = answered(error) ? { kind: "notApplied", error } : { kind: "unknown", error };
        throw error;
      },
    );
  }

  /**
   * The transaction as `fn` sees it: the same object, except that its `commit()` and `cancel()` are
   * watched, so the pool knows `fn` ended it (and whether a commit went out).
   */
  handFn(tx: SurrealTransaction): SurrealTransaction {
    return new Proxy(tx, {
      get: (target, property) => {
        const value = Reflect.get(target, property);
        if ((property !== "commit" && property !== "cancel") || typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const call = () => Reflect.apply(value, target, args) as Promise<void>;
          if (this.#endedByFn !== undefined) return call();
          const ending = property === "commit" ? this.commit(call) : call();
          this.#endedByFn = property;
          this.#ending = ending;
          return ending;
        };
      },
    });
  }

  /** True once a commit was sent, whatever came of it. */
  get sent(): boolean {
    return this.#state.kind !== "notSent";
  }

  /** True once a commit was sent and the server did not answer that it failed. */
  get mayBeApplied(): boolean {
    const { kind } = this.#state;
    return kind === "inFlight" || kind === "applied" || kind === "unknown";
  }

  get applied(): boolean {
    return this.#state.kind === "applied";
  }

  /**
   * How an attempt that failed with `error` ends. Before any commit went out (or when the server said it
   * was not applied) the error is judged as usual; after one whose outcome is unknown the caller gets a
   * `CommitOutcomeUnknownError` (cause: what reported it) and nothing runs again; after one that was
   * applied (`fn` committed, then threw) `fn`'s error comes back as it is, and nothing runs again.
   */
  verdict(error: unknown, endpoint: string): AttemptVerdict {
    const state = this.#state;
    switch (state.kind) {
      case "notSent":
      case "notApplied":
        return { error, mayRunAgain: classifyError(error).transient };
      case "applied":
        return { error, mayRunAgain: false };
      case "inFlight":
      case "unknown":
        return { error: new CommitOutcomeUnknownError(endpoint, error), mayRunAgain: false };
    }
  }
}

/** The server answered the commit with an error of its own: it was not applied. */
function answered(error: unknown): boolean {
  const { category } = classifyError(error);
  return category === "conflict" || category === "rejected";
}
