import { describe, expect, it } from "vitest";
import { ConfigError, ConnectionManager, isConfigError } from "../../src/index.js";

describe("ConnectionManager.create with bad options", () => {
  it.each([
    ["min > max", { pool: { minConnections: 3, maxConnections: 2 } }, "pool.minConnections"],
    ["zero timeout", { pool: { connectionTimeoutMs: 0 } }, "pool.connectionTimeoutMs"],
    ["bad URL", { mode: { kind: "local", endpoint: "localhost:8000" } }, "mode.endpoint"],
    ["unknown scheme", { mode: { kind: "local", endpoint: "redis://x" } }, "mode.endpoint"],
    ["unknown mode", { mode: { kind: "sharded" } }, "mode.kind"],
    [
      "unknown strategy",
      { mode: { kind: "remote", endpoints: ["ws://a:1"], loadBalancing: "x" } },
      "mode.loadBalancing",
    ],
    ["unknown key", { pool: { maxConections: 5 } }, "pool"],
    ["empty namespace", { namespace: "" }, "namespace"],
    ["non-object options", 42, ""],
  ])("rejects %s with a ConfigError naming %s", async (_what, options, path) => {
    const error = await ConnectionManager.create(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(isConfigError(error)).toBe(true);
    expect((error as ConfigError).issues.map((i) => i.path)).toContain(path);
  });

  it("rejects an http:// endpoint: it cannot hold sessions", async () => {
    const error = await ConnectionManager.create({
      mode: { kind: "local", endpoint: "http://localhost:8000" },
    }).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /http\(s\) endpoints cannot hold sessions; use ws:\/\/ or wss:\/\//,
    );
  });

  it.each([
    [
      "a getter that throws",
      {
        get pool() {
          throw new Error("secret store offline");
        },
      },
    ],
    [
      "a Proxy that refuses to be read",
      new Proxy(
        {},
        {
          ownKeys: () => {
            throw new Error("no keys");
          },
          get: () => {
            throw new Error("no reads");
          },
        },
      ),
    ],
  ])(
    "options that cannot be read (%s) are a ConfigError, not the getter's own error",
    async (_what, options) => {
      const error = await ConnectionManager.create(options as never).catch((e: unknown) => e);
      expect(isConfigError(error), String(error)).toBe(true);
      expect((error as Error).message).toMatch(/the options could not be read: /);
    },
  );
});
