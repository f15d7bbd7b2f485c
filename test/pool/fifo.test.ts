import { describe, expect, it } from "vitest";
import type { PooledLease } from "../../src/surreal/lease/PooledLease.js";
import { poolHarness, settle } from "./harness.js";

describe("wait queue order", () => {
  it("serves queued acquires in the order they were queued", async () => {
    const h = poolHarness({ pool: { minConnections: 1, maxConnections: 1 } });
    await h.pool.start();
    const first = await h.pool.acquire();
    const order: number[] = [];
    const waiters = [0, 1, 2, 3, 4].map((i) =>
      h.pool.acquire().then((lease) => {
        order.push(i);
        return lease;
      }),
    );
    await settle();
    expect(h.pool.waiting).toBe(5);
    let held: PooledLease = first;
    for (const waiter of waiters) {
      await held.release();
      held = await waiter;
    }
    await held.release();
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(h.of("lease.acquired").map((e) => e.queued)).toEqual([false, true, true, true, true, true]);
    await h.pool.shutdown();
  });

  it("hands a returned connection to the oldest waiter, not to a caller arriving after the return", async () => {
    const h = poolHarness({ pool: { maxConnections: 1 } });
    await h.pool.start();
    const held = await h.pool.acquire();
    const waiter = h.pool.acquire();
    await settle();
    await held.release();
    const late = h.pool.acquire({ timeoutMs: 50 });
    const lease = await waiter;
    expect(lease.connectionId).toBe(held.connectionId);
    expect(h.pool.waiting).toBe(1);
    await lease.release();
    await (await late).release();
    await h.pool.shutdown();
  });

  it("skips aborted and timed-out waiters and keeps the order of the rest", async () => {
    const h = poolHarness({ pool: { maxConnections: 1 } });
    await h.pool.start();
    let held = await h.pool.acquire();
    const order: string[] = [];
    const controller = new AbortController();
    const track = (name: string, p: Promise<PooledLease>) =>
      p.then(
        (lease) => {
          order.push(name);
          return lease;
        },
        (error: Error) => {
          order.push(`${name}:${error.name}`);
          return undefined;
        },
      );
    const a = track("a", h.pool.acquire());
    const b = track("b", h.pool.acquire({ signal: controller.signal }));
    const c = track("c", h.pool.acquire({ timeoutMs: 5 }));
    const d = track("d", h.pool.acquire());
    controller.abort();
    await c;
    for (const next of [a, b, d]) {
      await held.release();
      const lease = await next;
      if (lease) held = lease;
    }
    await held.release();
    expect(order).toEqual(["b:AcquireAbortedError", "c:AcquireTimeoutError", "a", "d"]);
    await h.pool.shutdown();
  });
});
