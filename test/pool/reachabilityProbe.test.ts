// ReachabilityProbe: an endpoint found unreachable is probed, closer than 1 s apart, until it listens,
// and then said once; one listening at the first probe (sick, not gone) is not; stop() ends it.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ReachabilityProbe } from "../../src/core/ReachabilityProbe.js";

let listening = false;
let probes: number[] = [];
const probe = async (_url: string, signal: AbortSignal) => {
  probes.push(Date.now());
  if (signal.aborted) throw signal.reason;
  if (!listening) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
};

beforeEach(() => {
  vi.useFakeTimers();
  listening = false;
  probes = [];
});
afterEach(() => {
  vi.useRealTimers();
});

describe("ReachabilityProbe", () => {
  it("probes an unreachable endpoint from 100 ms apart up to 500 ms, and says once when it listens", async () => {
    const reachable = vi.fn();
    const p = new ReachabilityProbe("ws://127.0.0.1:9/rpc", reachable, probe);
    p.start();
    await vi.advanceTimersByTimeAsync(10_000);
    const gaps = probes.slice(1).map((t, i) => t - probes[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(80);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(600);
    expect(reachable).not.toHaveBeenCalled();
    listening = true;
    await vi.advanceTimersByTimeAsync(700);
    expect(reachable).toHaveBeenCalledTimes(1);
    const count = probes.length;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(probes.length).toBe(count); // stopped by itself
    expect(p.running).toBe(false);
  });

  it("says nothing of an endpoint that listens at the first probe: it waits out the breaker", async () => {
    listening = true;
    const reachable = vi.fn();
    const p = new ReachabilityProbe("ws://127.0.0.1:9/rpc", reachable, probe);
    p.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(probes).toHaveLength(1);
    expect(reachable).not.toHaveBeenCalled();
  });

  it("stop() ends the probing", async () => {
    const reachable = vi.fn();
    const p = new ReachabilityProbe("ws://127.0.0.1:9/rpc", reachable, probe);
    p.start();
    await vi.advanceTimersByTimeAsync(1_000);
    p.stop();
    const count = probes.length;
    listening = true;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(probes.length).toBe(count);
    expect(reachable).not.toHaveBeenCalled();
  });

  it("applies to network endpoints only", () => {
    expect(ReachabilityProbe.applies("ws://h:1/rpc")).toBe(true);
    expect(ReachabilityProbe.applies("wss://h/rpc")).toBe(true);
    expect(ReachabilityProbe.applies("mem://")).toBe(false);
    expect(ReachabilityProbe.applies("surrealkv:///tmp/x")).toBe(false);
  });
});
