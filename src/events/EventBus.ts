import { type Observable, Subject } from "rxjs";
import type { PoolEvent } from "./PoolEvent.js";

/**
 * The pool's private event bus. The Subject stays inside; the world sees `events$`, a **hot**
 * observable: subscribers receive the events emitted after they subscribe, never a replay.
 */
export class EventBus<E extends { type: string } = PoolEvent> {
  readonly #subject = new Subject<E>();
  readonly events$: Observable<E> = this.#subject.asObservable();

  emit(event: E): void {
    this.#subject.next(event);
  }

  /** Completes the stream; later emits are dropped. */
  complete(): void {
    this.#subject.complete();
  }

  get observed(): boolean {
    return this.#subject.observed;
  }
}
