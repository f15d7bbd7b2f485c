import { describe, expect, it } from "vitest";
import { AcquireAbortedError } from "../../src/errors/AcquireAbortedError.js";
import { poolHarness, settle } from "./harness.js";

describe("acquire with an AbortSignal", () => {
  it("rejects at once when the signal is already aborted and the pool is full", async () => {
    const h = poolHarness({ pool: { maxConnections: 1 } });
    await h.pool.start();
    const held = await h.pool.acquire();
    const reason = new Error("caller gave up");
    const error = await h.pool.acquire({ signal: AbortSignal.abort(reason) }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(AcquireAbortedError);
    expect((error as Error).cause).toBe(reason);
    expect(h.pool.waiting).toBe(0);
    expect(h.of("acquire.failed")).toMatchObject([{ reason: "aborted", queued: false }]);
    await held.release();
    await h.pool.shutdown();
  });

  it("rejects an already-aborted acquire even when an idle connection is free, leasing nothing", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1 } });
    await h.pool.start();
    const error = await h.pool.acquire({ signal: AbortSignal.abort() }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(AcquireAbortedError);
    expect(h.pool.leased).toBe(0);
    expect(h.pool.idle).toBe(1);
    expect(h.of("lease.acquired")).toHaveLength(0);
    await h.pool.shutdown();
  });

  it("rejects a queued acquire when its signal aborts; the returned connection then goes idle", async () => {
    const h = poolHarness({ pool: { maxConnections: 1 } });
    await h.pool.start();
    const held = await h.pool.acquire();
    const controller = new AbortController();
    const waiting = h.pool.acquire({ signal: controller.signal });
    await settle();
    expect(h.pool.waiting).toBe(1);
    controller.abort(new Error("navigated away"));
    await expect(waiting).rejects.toBeInstanceOf(AcquireAbortedError);
    expect(h.pool.waiting).toBe(0);
    await held.release();
    expect(h.pool.leased).toBe(0);
    expect(h.pool.idle).toBe(1);
    expect(h.of("lease.acquired")).toHaveLength(1);
    expect(h.of("acquire.failed")).toMatchObject([{ reason: "aborted", queued: true }]);
    expect(h.metrics.snapshot()).toMatchObject({ acquireAborts: 1, waiting: 0, inUse: 0 });
    await h.pool.shutdown();
  });

  it("ignores an abort after the lease was handed out", async () => {
    const h = poolHarness({ pool: { maxConnections: 1 } });
    await h.pool.start();
    const controller = new AbortController();
    const lease = await h.pool.acquire({ signal: controller.signal });
    controller.abort();
    expect(lease.released).toBe(false);
    expect(() => lease.db).not.toThrow();
    expect(h.of("acquire.failed")).toHaveLength(0);
    await lease.release();
    await h.pool.shutdown();
  });
});
