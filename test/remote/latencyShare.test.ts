// One of three endpoints is slow (latency proxy): latency-aware strategies send it a smaller share of the
// work than round-robin does. Measured as shares of lease.acquired events, not as times.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoadBalancingStrategy } from "../../src/config/options.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import type { EndpointHandle } from "../support/endpoint.js";
import { type FaultProxy, startFaultProxy } from "../support/faultProxy.js";
import { closeAll, EventRecorder, remoteOptions, startEndpoints } from "./helpers.js";

const LATENCY_MS = 30; // each way: the slow endpoint's round trip is >= 60 ms, the others' ~1 ms
const WORKERS = 3;
const CALLS_PER_WORKER = 40;

describe("remote: a slow endpoint's share of the work, per strategy", () => {
  let endpoints: EndpointHandle[] = [];
  let proxy: FaultProxy | undefined;
  let urls: string[] = [];
  let slow = "";
  const shares = new Map<LoadBalancingStrategy, number>();

  /** Runs WORKERS sequential callers (unsaturated: 6 connections for 3 callers); returns the slow share. */
  async function slowShare(strategy: LoadBalancingStrategy): Promise<number> {
    const manager = await ConnectionManager.create(
      remoteOptions(urls, {
        loadBalancing: strategy,
        pool: { minConnections: 6, maxConnections: 6 },
      }),
    );
    const recorder = new EventRecorder(manager);
    try {
      // Every endpoint holds 2 of the 6 connections: placement is even whatever the strategy.
      expect(manager.healthStatus().endpoints.map((e) => e.size)).toEqual([2, 2, 2]);
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          for (let i = 0; i < CALLS_PER_WORKER; i++) {
            const [n] = await manager.executeWithRetry((db) => db.query<[number]>("RETURN 1"));
            expect(n).toBe(1);
          }
        }),
      );
    } finally {
      recorder.stop();
      await manager.shutdown({ timeoutMs: 1_000 });
    }
    const counts = recorder.leasesByEndpoint();
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(WORKERS * CALLS_PER_WORKER);
    const share = (counts.get(slow) ?? 0) / total;
    shares.set(strategy, share);
    return share;
  }

  beforeAll(async () => {
    endpoints = await startEndpoints(3);
    proxy = await startFaultProxy({ target: endpoints[2]!, mode: { kind: "latency", ms: LATENCY_MS } });
    urls = [endpoints[0]!.url, endpoints[1]!.url, proxy.url];
    slow = proxy.url;
  });
  afterAll(async () => {
    await closeAll(undefined, [proxy], endpoints);
  });

  it("round-robin gives the slow endpoint a fair share of the turns", async () => {
    const share = await slowShare("round-robin");
    // Round-robin ignores latency; the slow endpoint gets roughly a third of the picks (less when both of
    // its connections are busy at once, which is when it is skipped).
    expect(share).toBeGreaterThan(0.08);
  });

  it("health-based sends the slow endpoint less work than round-robin", async () => {
    const share = await slowShare("health-based");
    const roundRobin = shares.get("round-robin") ?? (await slowShare("round-robin"));
    expect(share, `health-based ${share} vs round-robin ${roundRobin}`).toBeLessThan(roundRobin * 0.5);
  });

  it("power-of-two-choices sends the slow endpoint less work than round-robin", async () => {
    const share = await slowShare("power-of-two-choices");
    const roundRobin = shares.get("round-robin") ?? (await slowShare("round-robin"));
    expect(share, `power-of-two-choices ${share} vs round-robin ${roundRobin}`).toBeLessThan(
      roundRobin * 0.5,
    );
  });
});
