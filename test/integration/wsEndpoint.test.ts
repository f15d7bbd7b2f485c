// Local mode against one ws:// endpoint: a loopback SurrealDB endpoint (test/support), or a real
// SurrealDB server when SURREAL_URL is set (SURREAL_USER / SURREAL_PASS, default root/root), e.g.
//   SURREAL_URL=ws://127.0.0.1:8000 npx vitest run test/integration/wsEndpoint.test.ts
// Everything here is non-destructive, so it runs unchanged against a real server.
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAuthenticationFailedError } from "../../src/errors/AuthenticationFailedError.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";

const external = process.env.SURREAL_URL;
const username = process.env.SURREAL_USER ?? "root";
const password = process.env.SURREAL_PASS ?? "root";

describe(`local mode over ws:// (${external ? `real server ${external}` : "loopback endpoint"})`, () => {
  let endpoint: EndpointHandle | undefined;
  let url = external ?? "";
  const namespace = `ws_test_${process.pid}`;

  beforeAll(async () => {
    if (!external) {
      endpoint = await startEndpoint();
      url = endpoint.url;
    }
  });
  afterAll(async () => {
    await endpoint?.stop();
  });

  const create = (extra: { password?: string; logger?: pino.Logger } = {}) =>
    ConnectionManager.create({
      mode: { kind: "local", endpoint: url },
      credentials: { username, password: extra.password ?? password },
      namespace,
      database: "main",
      pool: { minConnections: 2, maxConnections: 3, connectionTimeoutMs: 10_000 },
      ...(extra.logger ? { logger: extra.logger } : {}),
    });

  it("signs in, writes through one lease and reads through another, and resets what a borrower changed", async () => {
    const manager = await create();
    try {
      const first = await manager.acquire();
      await first.db.query("UPSERT probe:one SET n = 1");
      await first.db.set("leftover", 42);
      await first.db.use({ namespace: `${namespace}_other`, database: "elsewhere" });
      const firstId = first.connectionId;
      await first.release();

      // Take every connection, so the one the first borrower changed is among them.
      const leases = await Promise.all([manager.acquire(), manager.acquire(), manager.acquire()]);
      const again = leases.find((l) => l.connectionId === firstId)!;
      expect(again.db.namespace).toBe(namespace);
      expect(again.db.database).toBe("main");
      const [leftover] = await again.db.query<[unknown]>("RETURN $leftover");
      expect(leftover).toBeUndefined();
      for (const lease of leases) {
        const [rows] = await lease.db.query<[{ n: number }[]]>("SELECT n FROM probe:one");
        expect(rows).toEqual([{ n: 1 }]);
      }
      await Promise.all(leases.map((l) => l.release()));
      await manager.executeWithRetry((db) => db.query("DELETE probe:one"));
    } finally {
      await manager.shutdown({ timeoutMs: 5_000 });
    }
  });

  it("refuses a wrong password at start with AuthenticationFailedError", async () => {
    const error = await create({ password: "definitely-wrong" }).then(
      async (m) => {
        await m.shutdown();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(isAuthenticationFailedError(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/check credentials\.username and credentials\.password/);
  });

  it("logs connection life through child loggers that carry the endpoint and connection id", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const manager = await create({ logger: pino({ level: "debug" }, sink) });
    await manager.shutdown();
    const opened = lines.filter((l) => l.msg === "connection opened");
    expect(opened).toHaveLength(2);
    for (const line of opened) {
      expect(line).toMatchObject({ component: "surreal-pool", endpoint: url });
      expect(typeof line.connectionId).toBe("string");
    }
    expect(lines.some((l) => l.msg === "pool started")).toBe(true);
    expect(lines.filter((l) => l.msg === "connection closed")).toHaveLength(2);
    // Credentials never reach the log.
    expect(JSON.stringify(lines)).not.toContain(password === "root" ? '"password"' : password);
  });
});
