import { describe, expect, it } from "vitest";
import type { PoolOptions } from "../../src/config/options.js";
import { PoolConfig } from "../../src/config/PoolConfig.js";
import { resolveConfig } from "../../src/config/resolveConfig.js";
import { ConnectionManager } from "../../src/index.js";

/** The seed's values: min / max / connect timeout / idle / lifetime / attempts / initial backoff / max backoff. */
const seed: [keyof typeof PoolConfig, number[]][] = [
  ["development", [2, 10, 5_000, 60_000, 300_000, 3, 100, 5_000]],
  ["production", [10, 50, 30_000, 300_000, 1_800_000, 5, 100, 30_000]],
  ["highThroughput", [20, 100, 10_000, 180_000, 3_600_000, 3, 50, 10_000]],
];

function seedFields(p: PoolOptions): number[] {
  return [
    p.minConnections,
    p.maxConnections,
    p.connectionTimeoutMs,
    p.idleTimeoutMs ?? Number.NaN,
    p.maxLifetimeMs ?? Number.NaN,
    p.retryPolicy.maxAttempts,
    p.retryPolicy.initialBackoffMs,
    p.retryPolicy.maxBackoffMs,
  ];
}

describe("PoolConfig presets", () => {
  it.each(seed)("%s carries the seed's values", (name, values) => {
    expect(seedFields(PoolConfig[name]())).toEqual(values);
    expect(PoolConfig[name]().retryPolicy.multiplier).toBe(2);
  });

  it.each(seed)("%s passes validation unchanged", (name) => {
    expect(resolveConfig({ pool: PoolConfig[name]() }).pool).toEqual(PoolConfig[name]());
  });

  it("returns a fresh object each call, so spreading and overriding is safe", () => {
    const a = PoolConfig.production();
    a.retryPolicy.maxAttempts = 99;
    a.maxConnections = 1;
    expect(PoolConfig.production().maxConnections).toBe(50);
    expect(PoolConfig.production().retryPolicy.maxAttempts).toBe(5);
    expect(
      resolveConfig({ pool: { ...PoolConfig.production(), maxConnections: 80 } }).pool.maxConnections,
    ).toBe(80);
  });

  it.each(seed)(
    "%s is accepted by ConnectionManager.create and warms minConnections",
    async (name, values) => {
      const manager = await ConnectionManager.create({ pool: PoolConfig[name]() });
      try {
        expect(manager.config.pool).toEqual(PoolConfig[name]());
        expect(manager.healthStatus().poolSize).toBe(values[0]);
      } finally {
        await manager.shutdown({ timeoutMs: 1_000 });
      }
    },
  );
});
