import { type Observable, Subject } from "rxjs";
import type { PoolEvent } from "./PoolEvent.js";

/**
 * The pool's private event bus. The Subject stays inside; the world sees `events$`, a **hot**
 * observable: subscribers receive the events emitted after they subscribe, never a replay.
 */
export class EventBus<E extends { type: string } = PoolEvent> {
  readonly #subject = new Subject<E>();
  readonly events$: Observable<E> = this.#subject.asObservable();
  /** Consumers called before the subscribers, in order, without RxJS's per-subscriber layers. */
  #feeds: ((event: E) => void)[] = [];
  #completed = false;

  emit(event: E): void {
    if (this.#completed) return;
    const feeds = this.#feeds;
    for (let i = 0; i < feeds.length; i++) feeds[i]!(event);
    // RxJS's Subject iterates its observers through an allocated iterator even when it has none: on the
    // hot path (three events per lease) that was a tenth of a queued hand-off's garbage.
    if (this.#subject.observed) this.#subject.next(event);
  }

  /**
   * Calls `consumer` with every event from now on, before the subscribers of `events$` see it: for the
   * metrics fold, which folds every event of the hot path (an RxJS subscription costs several calls
   * per event there). The returned function stops it.
   */
  feed(consumer: (event: E) => void): () => void {
    this.#feeds = [...this.#feeds, consumer];
    return () => {
      this.#feeds = this.#feeds.filter((f) => f !== consumer);
    };
  }

  /** Completes the stream; later emits are dropped. */
  complete(): void {
    this.#completed = true;
    this.#feeds = [];
    this.#subject.complete();
  }

  get observed(): boolean {
    return this.#subject.observed;
  }
}
