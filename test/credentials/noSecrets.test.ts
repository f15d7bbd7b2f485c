// Credentials never appear in logs, events or errors: pino output at trace level, every event and every
// error a caller gets (message, cause chain, own fields) are searched for the password and the token,
// under every error path that involves them (refused password, refused token, a revoked user's failed
// renewal, bad credentials options), and on success.
import { Writable } from "node:stream";
import pino from "pino";
import type { Surreal } from "surrealdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionManager, type PoolEvent } from "../../src/index.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { closeQuietly, connectWs } from "../support/wsClient.js";
import { rootClient, sleep } from "./helpers.js";

const PASSWORD = "S3cret-pw-6f1d";
const WRONG_PASSWORD = "Wr0ng-pw-77aa";

/** Everything an error shows: its message, stack, own fields and causes, as text. */
function dump(value: unknown, depth = 0): string {
  if (depth > 6 || value === null || value === undefined) return String(value);
  if (value instanceof Error) {
    const own = Object.fromEntries(Object.entries(value));
    return [value.name, value.message, value.stack, safeJson(own), dump(value.cause, depth + 1)].join("\n");
  }
  return safeJson(value);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) =>
      v instanceof Error ? dump(v) : typeof v === "bigint" ? String(v) : v,
    );
  } catch {
    return String(value);
  }
}

describe("credentials never appear in logs, events or errors", () => {
  let endpoint: EndpointHandle;
  let root: Surreal;
  let token: string;
  const lines: string[] = [];
  const events: PoolEvent[] = [];
  const errors: unknown[] = [];
  const logger = pino(
    { level: "trace" },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );

  beforeAll(async () => {
    endpoint = await startEndpoint();
    root = await rootClient(endpoint.url);
    await root.query(
      `DEFINE USER OVERWRITE carol ON ROOT PASSWORD '${PASSWORD}' ROLES EDITOR DURATION FOR TOKEN 1h, FOR SESSION 2s`,
    );
    const issuer = await connectWs(endpoint.url, {});
    token = (await issuer.signin({ username: "carol", password: PASSWORD })).access;
    await closeQuietly(issuer);
  });
  afterAll(async () => {
    await closeQuietly(root);
    await endpoint?.stop();
  });

  function create(credentials: unknown, pool: Record<string, unknown> = {}) {
    return ConnectionManager.create({
      mode: { kind: "local", endpoint: endpoint.url },
      namespace: "t",
      database: "t",
      credentials: credentials as never,
      logger,
      events: (e) => events.push(e),
      pool: { minConnections: 1, maxConnections: 1, connectTimeoutMs: 3_000, ...pool },
    });
  }

  it("holds under every path that involves them", async () => {
    // A refused password and a refused token, at warm-up and at a later acquire.
    for (const credentials of [
      { username: "carol", password: WRONG_PASSWORD },
      { token: `${token.slice(0, -6)}AAAAAA` },
    ]) {
      errors.push(await create(credentials).catch((e: unknown) => e));
      const lazy = await create(credentials, {
        warmConnections: false,
        minConnections: 0,
        connectionTimeoutMs: 1_500,
      });
      errors.push(await lazy.acquire().catch((e: unknown) => e));
      await lazy.shutdown({ timeoutMs: 1_000 });
    }
    // Options that are wrong in shape, carrying the secret.
    errors.push(await create({ username: "carol", password: PASSWORD, extra: 1 }).catch((e: unknown) => e));
    errors.push(await create({ username: "", password: PASSWORD }).catch((e: unknown) => e));
    errors.push(await create({ token: PASSWORD, username: "carol" }).catch((e: unknown) => e));

    // Success with a password and with a token, renewals included, then a revoked user's failed renewal.
    const byToken = await create({ token });
    await byToken.executeWithRetry((db) => db.query("RETURN 1"));
    await byToken.shutdown({ timeoutMs: 1_000 });
    const m = await create(() => ({ username: "carol", password: PASSWORD }));
    await m.executeWithRetry((db) => db.query("RETURN 1"));
    await sleep(3_100);
    await m.executeWithRetry((db) => db.query("RETURN 2")); // refused as expired, renewed, sent again
    await root.query("REMOVE USER carol ON ROOT");
    await sleep(3_100);
    errors.push(await m.executeWithRetry((db) => db.query("RETURN 3")).catch((e: unknown) => e));
    await m.shutdown({ timeoutMs: 1_000 });

    // The paths were really taken.
    expect(errors.filter((e) => e instanceof Error)).toHaveLength(errors.length);
    expect(events.some((e) => e.type === "auth.renewed")).toBe(true);
    expect(events.some((e) => e.type === "auth.failed")).toBe(true);
    expect(lines.some((l) => l.includes("re-authentication failed"))).toBe(true);
    expect(lines.length).toBeGreaterThan(10);

    const secret = token.split(".")[2]!; // the token's signature: what makes it usable
    const everything = [
      lines.join(""),
      events.map((e) => dump(e)).join("\n"),
      errors.map((e) => dump(e)).join("\n"),
    ];
    for (const text of everything) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(WRONG_PASSWORD);
      expect(text).not.toContain(secret);
    }
  });
});
