import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TxLogEvent } from "../../src/events/SessionEvent.js";
import { isLogBufferFullError } from "../../src/session/errors/LogBufferFullError.js";
import { isLogFlushError } from "../../src/session/errors/LogFlushError.js";
import { TxLogSink, type TxLogSinkConfig } from "../../src/session/TxLogSink.js";

const event = (seq: number): TxLogEvent => ({
  type: "txlog.recorded",
  agentId: "a1",
  ts: seq,
  seq,
  txId: `t${seq}`,
  operation: { type: "read", path: "p" },
});

/** A writer whose writes the test completes or fails one by one. */
function controlledWriter() {
  const calls: { events: readonly TxLogEvent[]; resolve(): void; reject(e: Error): void }[] = [];
  const write = (events: readonly TxLogEvent[]) =>
    new Promise<void>((resolve, reject) => calls.push({ events: [...events], resolve, reject }));
  return { calls, write };
}

const sinks: TxLogSink[] = [];
function sink(overrides: Partial<TxLogSinkConfig>) {
  const s = new TxLogSink({
    agentId: "a1",
    flushIntervalMs: 1_000,
    maxBatchSize: 3,
    maxBufferedEvents: 5,
    write: async () => {},
    ...overrides,
  });
  sinks.push(s);
  return s;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  vi.useRealTimers();
  for (const s of sinks.splice(0)) void s.close().catch(() => {});
});

describe("TxLogSink", () => {
  it("writes on the interval, one batch at a time and in order", async () => {
    const { calls, write } = controlledWriter();
    const s = sink({ write, maxBatchSize: 10 });
    s.offer(event(1));
    s.offer(event(2));
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.map((c) => c.events.map((e) => e.seq))).toEqual([[1, 2]]);
    s.offer(event(3));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(1); // the first write is still in flight: never two at once
    calls[0]!.resolve();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.map((c) => c.events.map((e) => e.seq))).toEqual([[1, 2], [3]]);
    calls[1]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.buffered).toBe(0);
    expect(s.durableSeq).toBe(3);
  });

  it("writes at once when a batch is full, and flush() waits for durability", async () => {
    const { calls, write } = controlledWriter();
    const s = sink({ write });
    for (const seq of [1, 2, 3]) s.offer(event(seq));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    s.offer(event(4));
    let flushed = false;
    const flushing = s.flush().then(() => {
      flushed = true;
    });
    calls[0]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed).toBe(false); // seq 4 is not durable yet
    expect(calls[1]!.events.map((e) => e.seq)).toEqual([4]);
    calls[1]!.resolve();
    await flushing;
    expect(s.durableSeq).toBe(4);
    await expect(s.flush()).resolves.toBeUndefined();
  });

  it("refuses beyond maxBufferedEvents instead of dropping or blocking", () => {
    const { write } = controlledWriter();
    const s = sink({ write, maxBatchSize: 10 });
    for (let seq = 1; seq <= 5; seq++) {
      s.reserve();
      s.offer(event(seq));
    }
    let error: unknown;
    try {
      s.reserve();
    } catch (e) {
      error = e;
    }
    expect(isLogBufferFullError(error)).toBe(true);
    expect(error).toMatchObject({ code: "LOG_BUFFER_FULL", capacity: 5, agentId: "a1" });
    expect((error as Error).message).toMatch(/flush\(\)/);
    expect(s.buffered).toBe(5);
  });

  it("keeps events after a failed write, rejects flush() with LogFlushError, and retries", async () => {
    const { calls, write } = controlledWriter();
    const failed = vi.fn();
    const flushedInfo = vi.fn();
    const s = sink({ write, onFlushFailed: failed, onFlushed: flushedInfo });
    s.offer(event(1));
    const flushing = s.flush();
    await vi.advanceTimersByTimeAsync(0);
    calls[0]!.reject(new Error("db down"));
    const error = await flushing.catch((e: unknown) => e);
    expect(isLogFlushError(error)).toBe(true);
    expect(error).toMatchObject({
      code: "LOG_FLUSH_FAILED",
      pendingEvents: 1,
      cause: { message: "db down" },
    });
    expect(failed).toHaveBeenCalledWith({
      events: 1,
      error: expect.objectContaining({ message: "db down" }),
    });
    expect(s.buffered).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000); // the interval retries
    expect(calls[1]!.events.map((e) => e.seq)).toEqual([1]);
    calls[1]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.buffered).toBe(0);
    expect(flushedInfo).toHaveBeenCalledWith(expect.objectContaining({ events: 1, durableSeq: 1 }));
  });

  it("close() stops the interval and flushes everything", async () => {
    const written: number[] = [];
    const s = sink({
      write: async (events) => {
        written.push(...events.map((e) => e.seq));
      },
    });
    for (const seq of [1, 2, 3, 4, 5]) s.offer(event(seq));
    await s.close();
    expect(written).toEqual([1, 2, 3, 4, 5]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("treats a writer that throws synchronously as a failed write", async () => {
    const s = sink({
      write: () => {
        throw new Error("sync");
      },
    });
    s.offer(event(1));
    await expect(s.flush()).rejects.toMatchObject({ code: "LOG_FLUSH_FAILED" });
    expect(s.buffered).toBe(1);
  });
});
