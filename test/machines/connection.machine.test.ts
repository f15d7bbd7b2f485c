import { describe, expect, it } from "vitest";
import { ConnectionTimeoutError } from "../../machines/connection.machine.js";
import { flush, INPUT, readyConnection, startConnection } from "./connectionHarness.js";

const ref = { connectionId: INPUT.connectionId, endpoint: INPUT.endpoint };

describe("connection machine: connecting", () => {
  it("starts connecting, emits connection.connecting and invokes open with its id and endpoint", () => {
    const h = startConnection();
    expect(h.state()).toBe("connecting");
    expect(h.emitted).toEqual([{ type: "connection.connecting", ...ref }]);
    expect(h.calls.map((c) => [c.name, c.input])).toEqual([["open", ref]]);
    expect(h.context()).toMatchObject({ opened: false, retireReason: null, lastError: null });
  });

  it("goes ready when open resolves and emits connection.opened with the effect's duration", async () => {
    const h = startConnection();
    h.effect("open").resolve({ durationMs: 7 });
    await flush();
    expect(h.state()).toBe("ready");
    expect(h.context().opened).toBe(true);
    expect(h.emitted.slice(1)).toEqual([{ type: "connection.opened", ...ref, durationMs: 7 }]);
  });

  it("ends in failed when open rejects, emitting connectFailed with the error and its duration", async () => {
    const h = startConnection();
    const error = Object.assign(new Error("ECONNREFUSED"), { durationMs: 12 });
    h.effect("open").reject(error);
    await flush();
    expect(h.state()).toBe("failed");
    expect(h.status()).toBe("done");
    expect(h.context().lastError).toBe(error);
    expect(h.emitted.slice(1)).toEqual([{ type: "connection.connectFailed", ...ref, error, durationMs: 12 }]);
  });

  it("wraps a non-Error rejection of open in an Error", async () => {
    const h = startConnection();
    (h.effect("open").reject as (e: unknown) => void)("refused");
    await flush();
    const failed = h.emitted.at(-1);
    expect(failed?.type).toBe("connection.connectFailed");
    expect(failed?.type === "connection.connectFailed" && failed.error.message).toBe("refused");
    expect(failed?.type === "connection.connectFailed" && failed.durationMs).toBe(0);
  });

  it("fails with ConnectionTimeoutError after connectTimeoutMs on the clock, aborting the open", async () => {
    const h = startConnection();
    h.clock.increment(INPUT.connectTimeoutMs - 1);
    expect(h.state()).toBe("connecting");
    h.clock.increment(1);
    expect(h.state()).toBe("failed");
    const failed = h.emitted.at(-1);
    expect(failed).toMatchObject({ type: "connection.connectFailed", ...ref, durationMs: 1_000 });
    const error = failed?.type === "connection.connectFailed" ? failed.error : undefined;
    expect(error).toBeInstanceOf(ConnectionTimeoutError);
    expect(error?.message).toBe("connect to fake://db did not finish within 1000 ms");
    expect(h.context().lastError).toBe(error);
    expect(h.calls[0]!.signal.aborted).toBe(true);
    // A connect that completes after the deadline changes nothing.
    h.effect("open").resolve({ durationMs: 2_000 });
    await flush();
    expect(h.state()).toBe("failed");
    expect(h.types()).toEqual(["connection.connecting", "connection.connectFailed"]);
  });

  it("closes with wasOpen false when retired while connecting (no retiring, no connectFailed)", () => {
    const h = startConnection();
    h.actor.send({ type: "connection.retire", reason: "shutdown" });
    expect(h.state()).toBe("closed");
    expect(h.status()).toBe("done");
    expect(h.context().retireReason).toBe("shutdown");
    expect(h.calls[0]!.signal.aborted).toBe(true);
    expect(h.emitted).toEqual([
      { type: "connection.connecting", ...ref },
      { type: "connection.closed", ...ref, wasOpen: false },
    ]);
  });

  it("ignores validate and reset while connecting", () => {
    const h = startConnection();
    h.actor.send({ type: "connection.validate" });
    h.actor.send({ type: "connection.reset", undo: ["vars"] });
    expect(h.state()).toBe("connecting");
    expect(h.types()).toEqual(["connection.connecting"]);
  });
});

describe("connection machine: validating", () => {
  it("pings and returns to ready, emitting validating then validated ok", async () => {
    const h = await readyConnection();
    h.actor.send({ type: "connection.validate" });
    expect(h.state()).toBe("validating");
    expect(h.calls.at(-1)).toMatchObject({ name: "ping", input: ref });
    h.effect("ping").resolve({ durationMs: 4 });
    await flush();
    expect(h.state()).toBe("ready");
    expect(h.emitted).toEqual([
      { type: "connection.validating", ...ref },
      { type: "connection.validated", ...ref, ok: true, durationMs: 4 },
    ]);
  });

  it("retires as broken when the ping fails", async () => {
    const h = await readyConnection();
    h.actor.send({ type: "connection.validate" });
    const error = new Error("socket hang up");
    h.effect("ping").reject(error);
    await flush();
    expect(h.state()).toBe("retiring");
    expect(h.context()).toMatchObject({ retireReason: "broken", lastError: error });
    expect(h.emitted).toEqual([
      { type: "connection.validating", ...ref },
      { type: "connection.validated", ...ref, ok: false, durationMs: 0, error },
      { type: "connection.retiring", ...ref, reason: "broken", error },
    ]);
    expect(h.calls.at(-1)?.name).toBe("close");
  });

  it("retires as broken when the ping does not answer within validationTimeoutMs", async () => {
    const h = await readyConnection();
    h.actor.send({ type: "connection.validate" });
    h.clock.increment(INPUT.validationTimeoutMs - 1);
    expect(h.state()).toBe("validating");
    h.clock.increment(1);
    expect(h.state()).toBe("retiring");
    const validated = h.emitted[1];
    expect(validated).toMatchObject({ type: "connection.validated", ok: false, durationMs: 200 });
    const error = validated?.type === "connection.validated" ? validated.error : undefined;
    expect(error).toBeInstanceOf(ConnectionTimeoutError);
    expect(error?.message).toBe("ping to fake://db did not finish within 200 ms");
    expect(h.emitted[2]).toEqual({ type: "connection.retiring", ...ref, reason: "broken", error });
    expect(h.calls.find((c) => c.name === "ping")?.signal.aborted).toBe(true);
  });

  it("emits validated with cancelled: true when retired mid-ping, then retires for the given reason", async () => {
    const h = await readyConnection();
    h.actor.send({ type: "connection.validate" });
    h.actor.send({ type: "connection.retire", reason: "shutdown" });
    expect(h.state()).toBe("retiring");
    expect(h.emitted).toEqual([
      { type: "connection.validating", ...ref },
      { type: "connection.validated", ...ref, ok: false, cancelled: true, durationMs: 0 },
      { type: "connection.retiring", ...ref, reason: "shutdown" },
    ]);
    expect(h.calls.find((c) => c.name === "ping")?.signal.aborted).toBe(true);
    // The ping answering late is ignored.
    h.effect("ping").resolve({ durationMs: 1 });
    await flush();
    expect(h.state()).toBe("retiring");
  });
});

describe("connection machine: resetting", () => {
  it("hands the undo list to the reset effect and returns to ready with reset ok", async () => {
    const h = await readyConnection();
    h.actor.send({ type: "connection.reset", undo: ["use", "vars"] });
    expect(h.state()).toBe("resetting");
    expect(h.context().undo).toEqual(["use", "vars"]);
    expect(h.calls.at(-1)).toMatchObject({ name: "reset", input: { ...ref, undo: ["use", "vars"] } });
    h.effect("reset").resolve({ durationMs: 1 });
    await flush();
    expect(h.state()).toBe("ready");
    expect(h.emitted).toEqual([
      { type: "connection.resetting", ...ref },
      { type: "connection.reset", ...ref, undone: ["use", "vars"], ok: true },
    ]);
  });

  it("retires as broken when the reset fails", async () => {
    const h = await readyConnection();
    h.actor.send({ type: "connection.reset", undo: ["auth"] });
    const error = new Error("reset refused");
    h.effect("reset").reject(error);
    await flush();
    expect(h.state()).toBe("retiring");
    expect(h.emitted).toEqual([
      { type: "connection.resetting", ...ref },
      { type: "connection.reset", ...ref, undone: ["auth"], ok: false, error },
      { type: "connection.retiring", ...ref, reason: "broken", error },
    ]);
  });

  it("retires as broken when the reset does not finish within validationTimeoutMs", async () => {
    const h = await readyConnection();
    h.actor.send({ type: "connection.reset", undo: ["vars"] });
    h.clock.increment(INPUT.validationTimeoutMs - 1);
    expect(h.state()).toBe("resetting");
    h.clock.increment(1);
    expect(h.state()).toBe("retiring");
    const reset = h.emitted[1];
    expect(reset).toMatchObject({ type: "connection.reset", undone: ["vars"], ok: false });
    const error = reset?.type === "connection.reset" ? reset.error : undefined;
    expect(error?.message).toBe("reset to fake://db did not finish within 200 ms");
    expect(h.emitted[2]).toEqual({ type: "connection.retiring", ...ref, reason: "broken", error });
  });

  it("emits reset with cancelled: true when retired mid-reset", async () => {
    const h = await readyConnection();
    h.actor.send({ type: "connection.reset", undo: ["use"] });
    h.actor.send({ type: "connection.retire", reason: "lifetime" });
    expect(h.state()).toBe("retiring");
    expect(h.emitted).toEqual([
      { type: "connection.resetting", ...ref },
      { type: "connection.reset", ...ref, undone: ["use"], ok: false, cancelled: true },
      { type: "connection.retiring", ...ref, reason: "lifetime" },
    ]);
    expect(h.calls.find((c) => c.name === "reset")?.signal.aborted).toBe(true);
  });
});

describe("connection machine: retiring and closed", () => {
  it("closes an open connection: retiring with the reason, close invoked, closed with wasOpen true", async () => {
    const h = await readyConnection();
    h.actor.send({ type: "connection.retire", reason: "idle" });
    expect(h.state()).toBe("retiring");
    expect(h.calls.at(-1)).toMatchObject({ name: "close", input: ref });
    h.effect("close").resolve({ durationMs: 1 });
    await flush();
    expect(h.state()).toBe("closed");
    expect(h.status()).toBe("done");
    expect(h.emitted).toEqual([
      { type: "connection.retiring", ...ref, reason: "idle" },
      { type: "connection.closed", ...ref, wasOpen: true },
    ]);
  });

  it("counts a failed close as closed", async () => {
    const h = await readyConnection();
    h.actor.send({ type: "connection.retire", reason: "maxUses" });
    h.effect("close").reject(new Error("close failed"));
    await flush();
    expect(h.state()).toBe("closed");
    expect(h.emitted.at(-1)).toEqual({ type: "connection.closed", ...ref, wasOpen: true });
  });

  it("counts a close that hangs past closeTimeoutMs as closed", async () => {
    const h = await readyConnection();
    h.actor.send({ type: "connection.retire", reason: "shutdown" });
    h.clock.increment(INPUT.closeTimeoutMs - 1);
    expect(h.state()).toBe("retiring");
    h.clock.increment(1);
    expect(h.state()).toBe("closed");
    expect(h.emitted.at(-1)).toEqual({ type: "connection.closed", ...ref, wasOpen: true });
    expect(h.calls.at(-1)?.signal.aborted).toBe(true);
  });

  it("keeps the first retire reason when retired again while retiring", async () => {
    const h = await readyConnection();
    h.actor.send({ type: "connection.retire", reason: "idle" });
    h.actor.send({ type: "connection.retire", reason: "shutdown" });
    h.actor.send({ type: "connection.validate" });
    expect(h.context().retireReason).toBe("idle");
    expect(h.types()).toEqual(["connection.retiring"]);
    expect(h.calls.filter((c) => c.name === "close")).toHaveLength(1);
  });

  it("says wasOpen true after a failed ping closed it, and false only for one that never opened", async () => {
    const opened = await readyConnection();
    opened.actor.send({ type: "connection.validate" });
    opened.effect("ping").reject(new Error("dead"));
    await flush();
    opened.effect("close").resolve({ durationMs: 0 });
    await flush();
    expect(opened.emitted.at(-1)).toEqual({ type: "connection.closed", ...ref, wasOpen: true });

    const never = startConnection();
    never.actor.send({ type: "connection.retire", reason: "broken" });
    expect(never.emitted.at(-1)).toEqual({ type: "connection.closed", ...ref, wasOpen: false });
  });

  it("serves any number of checks in a row while ready", async () => {
    const h = await readyConnection();
    for (let i = 0; i < 3; i++) {
      h.actor.send({ type: "connection.validate" });
      h.effect("ping").resolve({ durationMs: i });
      await flush();
      h.actor.send({ type: "connection.reset", undo: ["vars"] });
      h.effect("reset").resolve({ durationMs: i });
      await flush();
    }
    expect(h.state()).toBe("ready");
    expect(h.types()).toEqual(
      Array.from({ length: 3 }, () => [
        "connection.validating",
        "connection.validated",
        "connection.resetting",
        "connection.reset",
      ]).flat(),
    );
  });
});

describe("connection machine: a transport drop and outside checks", () => {
  it("retires as broken on connection.broken while ready, remembering the transport's error", async () => {
    const h = await readyConnection();
    const error = new Error("socket closed (1006)");
    h.actor.send({ type: "connection.broken", error });
    expect(h.state()).toBe("retiring");
    expect(h.context()).toMatchObject({ retireReason: "broken", lastError: error });
    expect(h.emitted.at(-1)).toEqual({ type: "connection.retiring", ...ref, reason: "broken", error });
    expect(h.calls.at(-1)?.name).toBe("close");
  });

  it("cuts a ping short on connection.broken (counted neither way) and retires as broken", async () => {
    const h = await readyConnection();
    h.actor.send({ type: "connection.validate" });
    const error = new Error("ECONNRESET");
    h.actor.send({ type: "connection.broken", error });
    expect(h.emitted.slice(-2)).toEqual([
      { type: "connection.validated", ...ref, ok: false, cancelled: true, durationMs: 0 },
      { type: "connection.retiring", ...ref, reason: "broken", error },
    ]);
    expect(h.calls.find((c) => c.name === "ping")?.signal.aborted).toBe(true);
  });

  it("ignores connection.broken while connecting: the connect's own outcome decides", () => {
    const h = startConnection();
    h.actor.send({ type: "connection.broken", error: new Error("early drop") });
    expect(h.state()).toBe("connecting");
  });

  it("counts an outside check as a validation: stays ready when it passed, retires when it failed", async () => {
    const h = await readyConnection();
    h.actor.send({ type: "connection.checked", ok: true, durationMs: 3 });
    expect(h.state()).toBe("ready");
    expect(h.emitted.slice(-2)).toEqual([
      { type: "connection.validating", ...ref },
      { type: "connection.validated", ...ref, ok: true, durationMs: 3 },
    ]);
    expect(h.calls.some((c) => c.name === "ping")).toBe(false);
    const error = new Error("session is no longer valid");
    h.actor.send({ type: "connection.checked", ok: false, durationMs: 1, error });
    expect(h.state()).toBe("retiring");
    expect(h.emitted.slice(-3)).toEqual([
      { type: "connection.validating", ...ref },
      { type: "connection.validated", ...ref, ok: false, durationMs: 1, error },
      { type: "connection.retiring", ...ref, reason: "broken", error },
    ]);
  });
});
