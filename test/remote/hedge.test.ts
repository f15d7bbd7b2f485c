// Hedged reads over a fast and a slow endpoint: a read that landed on the slow one is also started on the
// fast one after the hedge delay, and the first answer wins.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import type { EndpointHandle } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import { closeAll, EventRecorder, remoteOptions, startEndpoints, waitFor } from "./helpers.js";

const LATENCY_MS = 150; // each way: a read on the slow endpoint takes >= 300 ms
const SLOW_ROUND_TRIP_MS = 2 * LATENCY_MS;
const CALLS = 16;

describe("remote: hedged reads", () => {
  let endpoints: EndpointHandle[] = [];
  let proxy: FaultProxy | undefined;
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    endpoints = await startEndpoints(2);
    proxy = await startFaultProxy({ target: endpoints[1]! });
  });
  afterAll(async () => {
    await closeAll(manager, [proxy], endpoints);
  });

  it("hedges reads stuck on the slow endpoint and answers faster than the slow path allows", async () => {
    const fast = endpoints[0]!.url;
    const slow = proxy!.url;
    // Round-robin, so about half of the first attempts land on the slow endpoint.
    manager = await ConnectionManager.create(
      remoteOptions([fast, slow], { pool: { minConnections: 4, maxConnections: 6 } }),
    );
    proxy!.setMode({ kind: "latency", ms: LATENCY_MS }); // after the warm connects, which would be slow too
    const recorder = new EventRecorder(manager);

    interface Call {
      durationMs: number;
      hedgedFrom: string | undefined;
      wonBy: string | undefined;
      attempts: number | undefined;
    }
    const calls: Call[] = [];
    for (let i = 0; i < CALLS; i++) {
      const mark = recorder.mark;
      const started = performance.now();
      const [value] = await manager.executeHedged((db) => db.query<[number]>(`RETURN ${i}`), {
        initialDelayMs: 20,
        minDelayMs: 5,
        // The median of recent latencies: losers on the slow endpoint are a minority of the samples.
        percentile: 0.5,
      });
      const durationMs = performance.now() - started;
      expect(value).toBe(i);
      const won = recorder.of("operation.succeeded", mark)[0];
      calls.push({
        durationMs,
        hedgedFrom: recorder.of("operation.hedged", mark)[0]?.endpoint,
        wonBy: won?.endpoint,
        attempts: won?.attempts,
      });
    }

    const hedged = recorder.of("operation.hedged");
    expect(hedged.length).toBeGreaterThan(0);
    expect(manager.metrics().snapshot().hedges).toBe(hedged.length);
    expect(recorder.of("operation.succeeded")).toHaveLength(CALLS);
    // Every hedged call counts two attempts; the others one.
    for (const c of calls) expect(c.attempts).toBe(c.hedgedFrom === undefined ? 1 : 2);

    // Reads stuck on the slow endpoint were hedged to the fast one, which answered first: their results came
    // back before the slow round trip could deliver them. (On a busy machine a fast read can be hedged too:
    // those are not judged.)
    const rescued = calls.filter((c) => c.hedgedFrom === slow);
    expect(rescued.length, JSON.stringify(calls)).toBeGreaterThan(0);
    for (const c of rescued) expect(c.wonBy, JSON.stringify(calls)).toBe(fast);
    // Loose timing: the typical read is nowhere near the slow round trip.
    const sorted = calls.map((c) => c.durationMs).sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]!).toBeLessThan(SLOW_ROUND_TRIP_MS);

    // The losers' leases come back once their slow answers arrive.
    await waitFor(() => manager!.healthStatus().inUse === 0, "every hedged loser's lease should return");
    expect(recorder.of("lease.released")).toHaveLength(recorder.of("lease.acquired").length);
    recorder.stop();
  });
});
