import { afterEach, describe, expect, it } from "vitest";
import {
  AcquireAbortedError,
  AcquireTimeoutError,
  type ConnectionManager,
  isAcquireTimeoutError,
  isPoolClosedError,
} from "../../src/index.js";
import { createManager } from "./helpers.js";

let manager: ConnectionManager | undefined;
afterEach(async () => {
  await manager?.shutdown({ timeoutMs: 1_000 });
  manager = undefined;
});

describe("acquire errors on the embedded engine", () => {
  it("times out with AcquireTimeoutError when every connection stays in use", async () => {
    manager = await createManager({ minConnections: 1, maxConnections: 1 });
    const held = await manager.acquire();
    const error = await manager.acquire({ timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcquireTimeoutError);
    expect(isAcquireTimeoutError(error)).toBe(true);
    expect((error as AcquireTimeoutError).cannotConnect).toBe(false);
    expect((error as Error).message).toMatch(/all 1 of 1 connections stayed in use/);
    expect(manager.metrics().snapshot().acquireTimeouts).toBe(1);
    await held.release();
  });

  it("rejects with AcquireAbortedError when aborted while waiting, and leases nothing", async () => {
    manager = await createManager({ minConnections: 1, maxConnections: 1 });
    const held = await manager.acquire();
    const controller = new AbortController();
    const waiting = manager.acquire({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user left")), 10);
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcquireAbortedError);
    expect((error as Error).cause).toEqual(new Error("user left"));
    await held.release();
    expect(manager.healthStatus()).toMatchObject({ inUse: 0, waiting: 0, availableConnections: 1 });
    expect(manager.metrics().snapshot().acquireAborts).toBe(1);
  });

  it("rejects an acquire whose signal is already aborted", async () => {
    manager = await createManager({ minConnections: 1, maxConnections: 1 });
    await expect(manager.acquire({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AcquireAbortedError,
    );
    expect(manager.healthStatus().inUse).toBe(0);
  });

  it("refuses acquires after shutdown with PoolClosedError", async () => {
    manager = await createManager({ minConnections: 1, maxConnections: 1 });
    await manager.shutdown();
    const error = await manager.acquire().catch((e: unknown) => e);
    expect(isPoolClosedError(error)).toBe(true);
  });
});
