// A user's logger or inspection observer that throws (or an async inspector that rejects) must not take
// the pool down: found by the config fuzzer (test/fuzz), where it surfaced as uncaught exceptions and
// unhandled rejections, and as create() rejecting with the inspector's own error.
import pino from "pino";
import { Subject } from "rxjs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ConfigError, ConnectionManager, isConfigError, type PoolEvent } from "../../src/index.js";

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

  describe("the events observer given to create()", () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    beforeEach(() => {
      warnings.length = 0;
      process.on("warning", onWarning);
    });
    afterEach(() => {
      process.off("warning", onWarning);
    });

    it.each([
      ["a function that throws", () => boom],
      ["an async function that rejects", () => async () => boom()],
      ["an observer whose next() throws", () => ({ next: boom })],
      ["an observer whose complete() throws", () => ({ next: () => {}, complete: boom })],
    ])(
      "%s: the pool works under concurrent load, nothing escapes, it is reported once",
      async (_what, make) => {
        const lines: string[] = [];
        const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });
        const manager = await ConnectionManager.create({
          events: make() as never,
          logger,
          pool: { minConnections: 2 },
        });
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            i % 2 === 0
              ? manager.query<[number]>(`RETURN ${i}`)
              : manager.executeWithRetry((db) => db.query<[number]>(`RETURN ${i}`)),
          ),
        );
        expect(results.map(([n]) => n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
        await manager.shutdown();
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(escaped).toEqual([]);
        const mine = warnings.filter((w) => (w as { code?: string }).code === "SURREAL_POOL_EVENTS_OBSERVER");
        expect(mine).toHaveLength(1);
        expect(mine[0]!.message).toMatch(/events observer.*threw.*observer failed/);
        expect(lines.filter((l) => l.includes("events observer"))).toHaveLength(1);
      },
    );

    it.each([
      ["{ next: 5 }", () => ({ next: 5 }), "events.next"],
      ["{ next, error: 'x' }", () => ({ next: () => {}, error: "x" }), "events.error"],
      ["{ complete: null }", () => ({ complete: null }), "events.complete"],
      ["an empty object", () => ({}), "events"],
      ["a number", () => 5, "events"],
      [
        "a getter that throws",
        () => ({
          get next() {
            throw new Error("nope");
          },
        }),
        "events.next",
      ],
    ])("%s is a ConfigError naming it, before anything opens", async (_what, events, path) => {
      const error = await ConnectionManager.create({ events: events() as never }).catch((e: unknown) => e);
      expect(isConfigError(error), String(error)).toBe(true);
      expect((error as ConfigError).issues.map((i) => i.path)).toEqual([path]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(escaped).toEqual([]);
    });

    it("a working observer (an RxJS Subject too) still sees every event, itself as `this`", async () => {
      const subject = new Subject<PoolEvent>();
      const seen: string[] = [];
      subject.subscribe((e) => seen.push(e.type));
      const manager = await ConnectionManager.create({ events: subject, pool: { minConnections: 1 } });
      await manager.query("RETURN 1");
      await manager.shutdown();
      expect(seen[0]).toBe("pool.started");
      expect(seen).toContain("operation.succeeded");
      expect(subject.closed || subject.isStopped).toBe(true);
    });
  });
});
