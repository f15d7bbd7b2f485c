// Shared pieces of the hybrid-mode tests: real SurrealDB endpoints on 127.0.0.1 (child processes) for
// the local store and the remotes, a hybrid ConnectionManager over them, and table comparison.
//
// Why the local store is a `ws://` endpoint here and not an in-process `mem://`: SurrealDB 3.0.2's engine
// prints a debug dump (`kvs/timestamp.rs ... to_be_bytes()`, ~10 lines) to the process's stderr on EVERY
// commit that records a change-feed entry, and on every SHOW CHANGES. From JavaScript it cannot be
// silenced in-process (it is native code writing to fd 2), so an in-process store would flood the test
// output. Endpoint children capture their stderr. The embedded path (`surrealkv://` in-process) is run in
// a child process too: test/sync/hybridChild.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Surreal } from "surrealdb";
import type { ConnectionManagerOptions } from "../../src/config/options.js";
import { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { type EndpointHandle, type StartEndpointOptions, startEndpoint } from "../support/endpoint.js";
import { closeQuietly, connectWs } from "../support/wsClient.js";

export const ROOT = { username: "root", password: "root" };
export const NS = "sync_ns";
export const DB = "sync_db";

/** A temporary directory for a `surrealkv://` store, removed by the returned function. */
export function tempDir(prefix = "surreal-pool-sync-"): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts endpoints in parallel; if one fails, the others are stopped before rethrowing. */
export async function startEndpoints(options: StartEndpointOptions[]): Promise<EndpointHandle[]> {
  const results = await Promise.allSettled(options.map((o) => startEndpoint(o)));
  const started = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all(started.map((e) => e.stop()));
    throw failed.reason;
  }
  return started;
}

/** Hybrid options with test-sized timeouts; the interval is long so tests drive syncs with syncNow(). */
export function hybridOptions(
  localCache: string,
  remoteSync: string[],
  overrides: { syncIntervalMs?: number; tables?: string[]; connectionTimeoutMs?: number } = {},
): ConnectionManagerOptions {
  return {
    mode: {
      kind: "hybrid",
      localCache,
      remoteSync,
      syncIntervalMs: overrides.syncIntervalMs ?? 600_000,
      ...(overrides.tables ? { tables: overrides.tables } : {}),
    },
    credentials: ROOT,
    namespace: NS,
    database: DB,
    pool: {
      minConnections: 1,
      maxConnections: 4,
      connectionTimeoutMs: overrides.connectionTimeoutMs ?? 3_000,
      connectTimeoutMs: Math.min(overrides.connectionTimeoutMs ?? 3_000, 10_000),
      validationTimeoutMs: 2_000,
      healthCheckIntervalMs: 600_000,
      validateAfterIdleMs: 600_000,
      retryPolicy: { maxAttempts: 3, initialBackoffMs: 50, maxBackoffMs: 500, multiplier: 2 },
    },
  };
}

export function createHybrid(
  localCache: string,
  remoteSync: string[],
  overrides?: Parameters<typeof hybridOptions>[2],
): Promise<ConnectionManager> {
  return ConnectionManager.create(hybridOptions(localCache, remoteSync, overrides));
}

/** An SDK client to an endpoint in the test namespace/database, for reading what arrived. */
export function client(url: string): Promise<Surreal> {
  return connectWs(url, { namespace: NS, database: DB, auth: ROOT, timeoutMs: 5_000 });
}

export { closeQuietly };

/** Every record of `table`, sorted by id, as plain JSON (a missing table reads as empty). */
export async function tableContents(
  db: { query(sql: string, vars?: Record<string, unknown>): unknown },
  table: string,
): Promise<unknown[]> {
  try {
    const [rows] = (await db.query("SELECT * FROM type::table($table) ORDER BY id", { table })) as [
      unknown[],
    ];
    return JSON.parse(JSON.stringify(rows ?? []));
  } catch (error) {
    if ((error as { kind?: unknown }).kind === "NotFound") return [];
    throw error;
  }
}

/** Contents of several tables, keyed by table. */
export async function contents(
  db: { query(sql: string, vars?: Record<string, unknown>): unknown },
  tables: readonly string[],
): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of tables) out[table] = await tableContents(db, table);
  return out;
}

/** Waits until `check` passes (it throws until then), at most `timeoutMs`. */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
