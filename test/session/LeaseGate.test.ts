import { describe, expect, it } from "vitest";
import { LeaseGate } from "../../src/session/LeaseGate.js";

const errors = {
  onAbort: (reason: unknown) => new Error(`aborted: ${String(reason)}`),
  onTimeout: () => new Error("timed out"),
};

describe("LeaseGate", () => {
  it("lets `capacity` in, queues the rest FIFO and hands each freed slot to the longest waiter", async () => {
    const gate = new LeaseGate(2);
    await gate.enter(errors);
    await gate.enter(errors);
    const order: number[] = [];
    const waits = [1, 2, 3].map((i) => gate.enter(errors).then(() => order.push(i)));
    expect(gate.waiting).toBe(3);
    gate.leave();
    gate.leave();
    await Promise.all(waits.slice(0, 2));
    expect(order).toEqual([1, 2]);
    expect(gate.inUse).toBe(2);
    gate.leave();
    await waits[2];
    expect(order).toEqual([1, 2, 3]);
    gate.leave();
    gate.leave();
    expect(gate.inUse).toBe(0);
  });

  it("does not let a newcomer overtake a waiter", async () => {
    const gate = new LeaseGate(1);
    await gate.enter(errors);
    const first = gate.enter(errors);
    gate.leave(); // passes the slot to `first`
    const second = gate.enter(errors);
    await first;
    expect(gate.waiting).toBe(1);
    gate.leave();
    await second;
    expect(gate.inUse).toBe(1);
  });

  it("drops a waiter on abort or timeout, and rejectAll empties the queue", async () => {
    const gate = new LeaseGate(1);
    await gate.enter(errors);
    const controller = new AbortController();
    const aborted = gate.enter({ ...errors, signal: controller.signal });
    const timed = gate.enter({ ...errors, timeoutMs: 10 });
    const closed = gate.enter(errors);
    controller.abort("stop");
    await expect(aborted).rejects.toThrow("aborted: stop");
    await expect(timed).rejects.toThrow("timed out");
    gate.rejectAll(new Error("closing"));
    await expect(closed).rejects.toThrow("closing");
    expect(gate.waiting).toBe(0);
    expect(gate.inUse).toBe(1);
    await expect(gate.enter({ ...errors, signal: AbortSignal.abort("early") })).rejects.toThrow(
      "aborted: early",
    );
  });
});
