// A user's logger or inspection observer that throws (or an async inspector that rejects) must not take
// the pool down: found by the config fuzzer (test/fuzz), where it surfaced as uncaught exceptions and
// unhandled rejections, and as create() rejecting with the inspector's own error.
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConnectionManager } from "../../src/index.js";

const escaped: unknown[] = [];
const record = (e: unknown) => escaped.push(e);

describe("observers that fail are contained", () => {
  beforeEach(() => {
    escaped.length = 0;
    process.on("unhandledRejection", record);
    process.on("uncaughtException", record);
  });
  afterEach(() => {
    process.off("unhandledRejection", record);
    process.off("uncaughtException", record);
  });

  const boom = () => {
    throw new Error("observer failed");
  };
  const throwingLogger = { child: () => throwingLogger, debug: boom, info: boom, warn: boom, error: boom };

  it.each([
    ["a logger whose every method throws", { logger: throwingLogger as never }],
    ["an inspector that throws", { inspect: boom }],
    ["an async inspector that rejects", { inspect: async () => boom() }],
    ["an inspector object whose next() throws", { inspect: { next: boom } }],
  ])("%s: the pool works, and nothing escapes", async (_what, observers) => {
    const manager = await ConnectionManager.create({ ...observers, pool: { minConnections: 1 } });
    expect(await manager.executeWithRetry((db) => db.query("RETURN 1"))).toEqual([1]);
    await manager.shutdown();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(escaped).toEqual([]);
  });

  it("a working pino logger and inspector still receive everything", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(line) });
    const inspected: string[] = [];
    const manager = await ConnectionManager.create({
      logger,
      inspect: { next: (event: { type: string }) => inspected.push(event.type) },
      pool: { minConnections: 1 },
    });
    await manager.shutdown();
    expect(lines.some((l) => l.includes("connection opened") && l.includes('"connectionId"'))).toBe(true);
    expect(inspected).toContain("@xstate.actor");
  });
});
