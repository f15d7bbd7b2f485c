// Starting while one of three endpoints is down: the pool starts on the other two (warm-up fails fast
// only when no endpoint can be reached), the dead one's breaker opens, and it joins once it is up.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import type { EndpointHandle } from "../support/endpoint.js";
import { closeAll, remoteOptions, startEndpoints, waitFor } from "./helpers.js";

describe("remote: starting with an endpoint down", () => {
  let endpoints: EndpointHandle[] = [];
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    endpoints = await startEndpoints(3);
    await endpoints[2]!.kill();
  });
  afterAll(async () => {
    await closeAll(manager, [], endpoints);
  });

  it("starts on the live endpoints, serves every call, and takes the dead one in when it returns", async () => {
    const urls = endpoints.map((e) => e.url);
    manager = await ConnectionManager.create(
      remoteOptions(urls, {
        pool: { minConnections: 6, maxConnections: 9 },
        circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 300 },
      }),
    );
    const dead = urls[2]!;
    for (let i = 0; i < 30; i++) {
      const [n] = await manager.executeWithRetry((db) => db.query<[number]>(`RETURN ${i}`));
      expect(n).toBe(i);
    }
    await waitFor(
      () => manager!.healthStatus().endpoints.find((e) => e.endpoint === dead)!.breaker !== "closed",
      "the dead endpoint's breaker should leave closed",
    );
    expect(manager.healthStatus().endpoints.find((e) => e.endpoint === dead)!.size).toBe(0);
    expect(manager.metrics().snapshot().errors).toBe(0);

    await endpoints[2]!.restart();
    await waitFor(
      () => {
        const e = manager!.healthStatus().endpoints.find((x) => x.endpoint === dead)!;
        return e.breaker === "closed" && e.size > 0;
      },
      () =>
        `the returned endpoint should hold connections: ${JSON.stringify(manager!.healthStatus().endpoints)}`,
      { timeoutMs: 10_000 },
    );
  });
});
