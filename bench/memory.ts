import { startEndpoint } from "../test/support/endpoint.js";
import { connectWs } from "../test/support/wsClient.js";
import { settledHeap } from "./gc.js";
import { type Row, ratioRow } from "./measure.js";
import { ConnectionManager } from "./pool.js";
import { openRawSdk } from "./rawSdk.js";

/**
 * Heap per pooled connection against what it wraps: a pooled embedded session vs a raw `newSession()`
 * of one engine, and a pooled ws:// connection vs a raw SDK client on the loopback endpoint. Both
 * measured as the heap that N more units add (after full collections), divided by N.
 */
export async function memory(quick: boolean): Promise<Row[]> {
  const n = quick ? 20 : 50;
  const rows: Row[] = [];

  // Embedded: grow a pool from 1 to n+1 sessions. A few hundred bytes per unit are within the heap's
  // noise at small n, so the embedded row uses more units, and each side runs once unmeasured first
  // (code compiled, lazy module state made) so the measured run adds only what units cost.
  const units = quick ? 200 : 400;
  const pooledEmbedded = async () => {
    const manager = await ConnectionManager.create({
      pool: { minConnections: 1, maxConnections: units + 1, validateAfterIdleMs: 600_000 },
    });
    const held = [await manager.acquire()];
    const before = settledHeap();
    for (let i = 0; i < units; i++) held.push(await manager.acquire());
    const perUnit = (settledHeap() - before) / units;
    await Promise.all(held.map((l) => l.release()));
    await manager.shutdown();
    return perUnit;
  };
  const rawEmbedded = async () => {
    const raw = await openRawSdk();
    const sessions = [await raw.newSession()];
    const before = settledHeap();
    for (let i = 0; i < units; i++) sessions.push(await raw.newSession());
    const perUnit = (settledHeap() - before) / units;
    await raw.close();
    return perUnit;
  };
  await pooledEmbedded();
  await rawEmbedded();
  const pooled = await pooledEmbedded();
  const rawSession = await rawEmbedded();
  let before: number;
  rows.push(
    ratioRow({
      bench: "memory-embedded",
      baseline: "raw newSession()",
      unit: "KB/unit",
      subjectValue: pooled / 1024,
      baselineValue: rawSession / 1024,
      target: "ratio <= 2.0",
      meets: (r) => r <= 2.0,
      extra: { units },
    }),
  );

  // ws://: the loopback endpoint; pooled connections vs raw clients.
  const endpoint = await startEndpoint();
  try {
    const m = n / 2;
    const wsManager = await ConnectionManager.create({
      mode: { kind: "local", endpoint: endpoint.url },
      credentials: { username: "root", password: "root" },
      pool: { minConnections: 1, maxConnections: m + 1, validateAfterIdleMs: 600_000 },
    });
    const wsHeld = [await wsManager.acquire()];
    before = settledHeap();
    for (let i = 0; i < m; i++) wsHeld.push(await wsManager.acquire());
    const pooledWs = (settledHeap() - before) / m;
    await Promise.all(wsHeld.map((l) => l.release()));
    await wsManager.shutdown();
    const clients = [];
    before = settledHeap();
    for (let i = 0; i < m; i++) {
      clients.push(
        await connectWs(endpoint.url, {
          namespace: "b",
          database: "b",
          auth: { username: "root", password: "root" },
        }),
      );
    }
    const rawWs = (settledHeap() - before) / m;
    await Promise.all(clients.map((c) => c.close()));
    rows.push(
      ratioRow({
        bench: "memory-ws",
        baseline: "raw SDK client",
        unit: "KB/unit",
        subjectValue: pooledWs / 1024,
        baselineValue: rawWs / 1024,
        target: "ratio <= 2.0",
        meets: (r) => r <= 2.0,
        extra: { units: m },
      }),
    );
  } finally {
    await endpoint.stop();
  }
  return rows;
}
