// The loopback endpoint is a real SurrealDB RPC server as far as the official SDK can tell.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Surreal, Table } from "surrealdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveChildren } from "../support/childReaper.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { closeQuietly, connectWs, createWsSurreal } from "../support/wsClient.js";

const ROOT = { username: "root", password: "root" };
const NS = { namespace: "test", database: "test" };

describe("endpoint on mem://", () => {
  let endpoint: EndpointHandle;
  const clients: Surreal[] = [];
  const open = async (options: Parameters<typeof connectWs>[1] = { ...NS, auth: ROOT }) => {
    const db = await connectWs(endpoint.url, { timeoutMs: 3_000, ...options });
    clients.push(db);
    return db;
  };

  beforeAll(async () => {
    endpoint = await startEndpoint();
  });
  afterAll(async () => {
    await Promise.all(clients.map((db) => closeQuietly(db)));
    await endpoint?.stop();
  });

  it("listens on 127.0.0.1 with the /rpc URL the SDK uses", () => {
    expect(endpoint.url).toBe(`ws://127.0.0.1:${endpoint.port}/rpc`);
    expect(endpoint.port).toBeGreaterThan(0);
    expect(endpoint.running).toBe(true);
  });

  it("signs in as root, uses a database, and CREATE then SELECT round-trips", async () => {
    const db = createWsSurreal();
    clients.push(db);
    await db.connect(endpoint.url, { reconnect: false });
    await db.signin(ROOT);
    await db.use(NS);
    await db.query("CREATE person:alice SET name = 'Alice'");
    const [rows] = await db.query<[Array<{ name: string }>]>("SELECT * FROM person");
    expect(rows.map((r) => r.name)).toEqual(["Alice"]);
    expect((await db.version()).version).toMatch(/^surrealdb-3\./);
  });

  it("refuses a wrong password, both at connect and on signin", async () => {
    await expect(open({ ...NS, auth: { username: "root", password: "wrong" } })).rejects.toThrow(
      /authentication/i,
    );
    const db = await open({});
    await expect(db.signin({ username: "root", password: "wrong" })).rejects.toThrow(/authentication/i);
  });

  it("refuses data access before signin, as a server with auth on does", async () => {
    const db = await open({ ...NS });
    await expect(db.query("RETURN 1")).rejects.toThrow(/permissions/i);
    await db.signin(ROOT);
    expect(await db.query("RETURN 1")).toEqual([1]);
  });

  it("gives every socket its own session", async () => {
    const a = await open();
    const b = await open();
    await a.set("marker", "from-a");
    expect(await a.query("RETURN $marker")).toEqual(["from-a"]);
    expect(await b.query("RETURN $marker")).toEqual([undefined]);
    // use() is per session too.
    await b.use({ namespace: "other", database: "other" });
    expect(await a.query("RETURN session::db()")).toEqual(["test"]);
  });

  it("supports the SDK's extra sessions on one socket", async () => {
    const db = await open();
    const extra = await db.newSession();
    await extra.signin(ROOT);
    await extra.use(NS);
    await db.set("v", 1);
    expect(await extra.query("RETURN $v")).toEqual([undefined]);
    await extra.closeSession();
  });

  it("routes live-query notifications to the socket that owns the query", async () => {
    const watcher = await open();
    const writer = await open();
    await writer.query("DEFINE TABLE IF NOT EXISTS note SCHEMALESS");
    const live = await watcher.live(new Table("note"));
    const seen: string[] = [];
    live.subscribe((message) => seen.push(`${message.action} ${String(message.recordId)}`));
    await writer.query("CREATE note:one SET text = 'hi'");
    const deadline = Date.now() + 2_000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual(["CREATE note:one"]);
    await live.kill();
  });

  it("kills a closed socket's live queries, as a server does when a connection drops", async () => {
    const owner = await open();
    const observer = await open();
    await observer.query("DEFINE TABLE IF NOT EXISTS ticket SCHEMALESS");
    await owner.query("LIVE SELECT * FROM ticket");
    const lives = async () => {
      const [info] = await observer.query<[{ lives: Record<string, string> }]>("INFO FOR TABLE ticket");
      return Object.keys(info.lives).length;
    };
    expect(await lives()).toBe(1);
    await closeQuietly(owner);
    const deadline = Date.now() + 2_000;
    while ((await lives()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await lives()).toBe(0);
  });

  it("keeps the engine's stderr (SHOW CHANGES debug dump) out of test output, in endpoint.log", async () => {
    const db = await open();
    await db.query("DEFINE TABLE feed CHANGEFEED 1h; CREATE feed:1");
    const [changes] = await db.query<[unknown[]]>("SHOW CHANGES FOR TABLE feed SINCE 0 LIMIT 10");
    expect(changes.length).toBeGreaterThan(0);
    // SurrealDB 3.0.2 prints a `kvs/timestamp.rs ... to_be_bytes()` dump here; it lands in the log only.
    expect(endpoint.log).toMatch(/READY \d+/);
    expect(endpoint.log).toMatch(/timestamp\.rs/);
  });

  it("rejects a start that does not get READY in time, and leaves no process behind", async () => {
    const before = liveChildren();
    await expect(startEndpoint({ startTimeoutMs: 20 })).rejects.toThrow(/READY within 20 ms/);
    const deadline = Date.now() + 2_000;
    while (liveChildren() > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(liveChildren()).toBe(before);
  });
});

describe("endpoint with allowGuests", () => {
  let endpoint: EndpointHandle;
  beforeAll(async () => {
    endpoint = await startEndpoint({ allowGuests: true, username: "admin", password: "s3cret" });
  });
  afterAll(async () => {
    await endpoint?.stop();
  });

  it("lets a session that never signed in run queries, and defines the configured root user", async () => {
    const guest = await connectWs(endpoint.url, { namespace: "test", database: "test", timeoutMs: 3_000 });
    try {
      expect(await guest.query("RETURN 1")).toEqual([1]);
      await expect(guest.signin(ROOT)).rejects.toThrow(/authentication/i);
      await guest.signin({ username: "admin", password: "s3cret" });
    } finally {
      await closeQuietly(guest);
    }
  });
});

describe("endpoint on surrealkv://", () => {
  let endpoint: EndpointHandle;
  let dir: string;
  const clients: Surreal[] = [];
  const open = async () => {
    const db = await connectWs(endpoint.url, { ...NS, auth: ROOT, timeoutMs: 3_000 });
    clients.push(db);
    return db;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "surreal-pool-endpoint-"));
    endpoint = await startEndpoint({ store: `surrealkv://${dir}` });
  });
  afterAll(async () => {
    await Promise.all(clients.map((db) => closeQuietly(db)));
    await endpoint?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps data across a SIGKILL and a restart on the same port", async () => {
    const before = await open();
    await before.query("CREATE account:1 SET balance = 100");
    const { port, pid } = endpoint;

    await endpoint.kill();
    expect(endpoint.running).toBe(false);
    // The crash is visible to the client: its connection is gone.
    await expect(before.query("RETURN 1")).rejects.toThrow();

    await endpoint.restart();
    expect(endpoint.port).toBe(port);
    expect(endpoint.pid).not.toBe(pid);
    const after = await open();
    const [rows] = await after.query<[Array<{ balance: number }>]>("SELECT * FROM account");
    expect(rows).toEqual([expect.objectContaining({ balance: 100 })]);
  });

  it("stops gracefully on SIGTERM and keeps data across that too", async () => {
    const db = await open();
    await db.query("CREATE account:2 SET balance = 5");
    await endpoint.stop();
    expect(endpoint.running).toBe(false);
    await endpoint.restart();
    const again = await open();
    const [rows] = await again.query<[unknown[]]>("SELECT * FROM account");
    expect(rows).toHaveLength(2);
  });
});
