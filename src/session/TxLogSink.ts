import type { TxLogEvent } from "../events/SessionEvent.js";
import { LogBufferFullError } from "./errors/LogBufferFullError.js";
import { LogFlushError } from "./errors/LogFlushError.js";

export interface TxLogSinkConfig {
  /** Whose log this is (for errors). */
  agentId: string;
  /** Buffered events are written at least this often; a failed write is retried on the same beat. */
  flushIntervalMs: number;
  /** Most events per write; this many buffered starts a write at once. */
  maxBatchSize: number;
  /** Events not yet durable before `reserve()` refuses more. */
  maxBufferedEvents: number;
  /** Writes one batch durably (all or, on a retry, the rest); rejects when it could not. */
  write(events: readonly TxLogEvent[]): Promise<void>;
  /** After each successful write. */
  onFlushed?(info: { events: number; durableSeq: number; durationMs: number }): void;
  /** After each failed write; `events` stay buffered. */
  onFlushFailed?(info: { events: number; error: Error }): void;
}

interface Waiter {
  /** Resolve once this seq is durable. */
  seq: number;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Batches one agent's log events into durable writes, one write at a time (so the table receives them
 * in order), triggered by an interval, by a full batch, or by `flush()`/`close()`.
 *
 * The agent never waits for a write: appending only has to fit in the bounded buffer (`reserve()`
 * throws `LogBufferFullError` otherwise, before anything is appended). A failed write loses nothing:
 * its events stay at the head of the buffer and are retried on the next tick; pending `flush()` calls
 * reject with `LogFlushError`.
 */
export class TxLogSink {
  readonly #config: TxLogSinkConfig;
  /** Events not yet durable, oldest first; the head `#writing` of them are in the current write. */
  readonly #buffer: TxLogEvent[] = [];
  #writing = 0;
  #inFlight: Promise<void> | null = null;
  #waiters: Waiter[] = [];
  #durableSeq = 0;
  #lastError: Error | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(config: TxLogSinkConfig, durableSeq = 0) {
    this.#config = config;
    this.#durableSeq = durableSeq;
    this.#timer = setInterval(() => this.#pump(), config.flushIntervalMs);
    // A pending log write must not keep the process alive by itself; close() flushes what matters.
    this.#timer.unref?.();
  }

  /** Events not yet durable. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** `seq` of the last event known to be durable. */
  get durableSeq(): number {
    return this.#durableSeq;
  }

  /** Throws `LogBufferFullError` unless one more event fits. Call before appending to the log. */
  reserve(): void {
    if (this.#buffer.length >= this.#config.maxBufferedEvents) {
      throw new LogBufferFullError(this.#config.agentId, this.#config.maxBufferedEvents, this.#lastError);
    }
  }

  /** Queues an event (after `reserve()` said it fits). */
  offer(event: TxLogEvent): void {
    this.#buffer.push(event);
    if (this.#buffer.length - this.#writing >= this.#config.maxBatchSize) this.#pump();
  }

  /** Resolves when every event offered so far is durable; rejects with `LogFlushError` if a write fails. */
  flush(): Promise<void> {
    const last = this.#buffer.at(-1);
    if (!last) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ seq: last.seq, resolve, reject });
      this.#pump();
    });
  }

  /** Stops the interval and flushes. `flush()` still works afterwards (e.g. to retry a failed close). */
  close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    return this.flush();
  }

  #pump(): void {
    if (this.#inFlight || this.#buffer.length === 0) return;
    const batch = this.#buffer.slice(0, this.#config.maxBatchSize);
    this.#writing = batch.length;
    const started = performance.now();
    // Through a resolved promise so a writer that throws synchronously still counts as a failed write.
    this.#inFlight = Promise.resolve()
      .then(() => this.#config.write(batch))
      .then(
        () => {
          this.#buffer.splice(0, batch.length);
          this.#writing = 0;
          this.#inFlight = null;
          this.#lastError = undefined;
          this.#durableSeq = batch.at(-1)!.seq;
          const durationMs = performance.now() - started;
          this.#settle(
            (w) => w.seq <= this.#durableSeq,
            (w) => w.resolve(),
          );
          this.#notify(() =>
            this.#config.onFlushed?.({ events: batch.length, durableSeq: this.#durableSeq, durationMs }),
          );
          // Keep going while someone waits or a full batch is ready; otherwise the interval picks it up.
          if (this.#waiters.length > 0 || this.#buffer.length >= this.#config.maxBatchSize) this.#pump();
        },
        (cause: unknown) => {
          this.#writing = 0;
          this.#inFlight = null;
          const error = asError(cause);
          this.#lastError = error;
          const failure = new LogFlushError(this.#config.agentId, this.#buffer.length, error);
          this.#settle(
            () => true,
            (w) => w.reject(failure),
          );
          this.#notify(() => this.#config.onFlushFailed?.({ events: this.#buffer.length, error }));
        },
      );
  }

  #settle(match: (w: Waiter) => boolean, action: (w: Waiter) => void): void {
    const done = this.#waiters.filter(match);
    this.#waiters = this.#waiters.filter((w) => !match(w));
    for (const w of done) action(w);
  }

  /** A throwing observer must not wedge the write loop. */
  #notify(callback: () => void): void {
    try {
      callback();
    } catch {
      // Observers are the session's own publishers; RxJS reports subscriber errors by itself.
    }
  }
}

/** The SDK sometimes throws plain objects (e.g. `{ name: "CborNumberError", message }`); keep their message. */
function asError(cause: unknown): Error {
  if (cause instanceof Error) return cause;
  const message = (cause as { message?: unknown } | null)?.message;
  return new Error(typeof message === "string" ? message : String(cause), { cause });
}
