import { Table } from "surrealdb";
import type { LiveNotification } from "../src/live/LiveNotification.js";
import { startCluster } from "../test/support/cluster.js";
import { cpuSince, readCpu } from "./cpuClock.js";
import { settledHeap } from "./gc.js";
import { type Row, ratioRow, round, roundUs } from "./measure.js";
import { ConnectionManager } from "./pool.js";
import { openRawSdk } from "./rawSdk.js";
import { p50p99 } from "./stats.js";

/**
 * Live queries (issue 11): notification latency through `manager.live()` against the raw SDK's
 * `db.live()` (each on its own embedded engine, the same writes taking turns write by write, timed from
 * just before the write to the notification), on a table without a change feed (notifications passed
 * on) and with one (delivered from the feed, in commit order), the latter also against its floor (a raw
 * notification followed by one feed read); memory per idle subscription against the raw SDK's;
 * the subscriptions per connection at which latency doubles; and resubscribe time after a node SIGKILL,
 * back-fill included (2-node cluster, target p99 < 1 s).
 */
export async function live(quick: boolean): Promise<Row[]> {
  const writes = quick ? 200 : 1_000;
  const rows: Row[] = [];
  // One write at a time, each subject's next write after the other subjects' (interleaved): a burst of
  // outside load falls on all of them alike, where one subject after the other read p50 0.83 then 1.20.
  const subjects = {
    raw: await openRaw(false),
    floor: await openRaw(true),
    plain: await openPool(false, 1),
    fed: await openPool(true, 1),
  };
  try {
    const timed = await timeInterleaved(writes, subjects);
    rows.push(latencyRow(timed.plain, timed.raw, "table without a change feed"));
    rows.push(
      latencyRow(timed.fed, timed.raw, "table with a change feed (commit order from the feed)", timed.floor),
    );
  } finally {
    for (const subject of Object.values(subjects)) await subject.close();
  }
  rows.push(await memoryRow(quick ? 200 : 1_000));
  rows.push(await doublingRow(quick));
  rows.push(await resubscribeRow(quick));
  return rows;
}

function latencyRow(pool: Timed, raw: Timed, condition: string, floor?: Timed): Row {
  const p = p50p99(pool.ms);
  const r = p50p99(raw.ms);
  const f = floor && p50p99(floor.ms).p50;
  return ratioRow({
    bench: "live-latency",
    baseline: "raw-sdk db.live()",
    unit: "ms",
    subjectValue: p.p50,
    baselineValue: r.p50,
    target: "p50 ratio <= 1.1",
    meets: (ratio) => ratio <= 1.1,
    extra: {
      condition,
      p50: round(p.p50),
      p99: round(p.p99),
      baselineP50: round(r.p50),
      baselineP99: round(r.p99),
      p99Ratio: round(p.p99 / r.p99),
      samples: pool.ms.length,
      cpuUsPerOp: roundUs(pool.cpuUsPerOp),
      baselineCpuUsPerOp: roundUs(raw.cpuUsPerOp),
      cpuRatio: round(pool.cpuUsPerOp / raw.cpuUsPerOp),
      // The floor of exact delivery: a raw notification, then one feed read (see openRaw).
      ...(f === undefined
        ? {}
        : { floorP50: round(f), floorRatio: round(f / r.p50), p50VsFloor: round(p.p50 / f) }),
    },
  });
}

/** Each write's latency to its notification (ms), and the process CPU per write and notification. */
interface Timed {
  ms: number[];
  cpuUsPerOp: number;
}

/** Something written to and watched: `write(i)` creates record `i`, `arrived` resolves its notification. */
interface LatencySubject {
  write(i: number): Promise<unknown>;
  arrived: Map<number, () => void>;
  close(): Promise<void>;
}

/**
 * Times `n` writes of every subject, one write at a time (the next after the previous one's
 * notification), the subjects taking turns write by write. The process CPU of each write to its
 * notification is charged to its subject (each engine's threads are idle between a subject's turns).
 */
async function timeInterleaved<K extends string>(
  n: number,
  subjects: Record<K, LatencySubject>,
): Promise<Record<K, Timed>> {
  const names = Object.keys(subjects) as K[];
  const ms = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const cpuUs = Object.fromEntries(names.map((k) => [k, 0])) as Record<K, number>;
  for (let i = 0; i < n; i++) {
    for (const name of names) {
      const subject = subjects[name];
      const got = new Promise<void>((resolve) => subject.arrived.set(i, resolve));
      const cpu = readCpu();
      const start = performance.now();
      await subject.write(i);
      await got;
      ms[name].push(performance.now() - start);
      cpuUs[name] += cpuSince(cpu).processUs;
      subject.arrived.delete(i);
    }
  }
  return Object.fromEntries(
    names.map((k) => [k, { ms: ms[k], cpuUsPerOp: cpuUs[k] / Math.max(n, 1) }]),
  ) as Record<K, Timed>;
}

/**
 * A raw SDK `db.live()` on its own embedded engine: the baseline. With `floor`, the least any exact
 * delivery on this engine can take: every notification followed by one change-feed read (what the pool
 * does per burst, since a notification carries no versionstamp and the engine sends them out of commit
 * order), timed to the read's answer.
 */
async function openRaw(floor: boolean): Promise<LatencySubject> {
  const db = await openRawSdk();
  await db.query(`DEFINE TABLE lat${floor ? " CHANGEFEED 1h" : ""}`);
  const arrived = new Map<number, () => void>();
  let since = 0n;
  const readFeed = async () => {
    const [changes] = await db.query<[{ versionstamp: number | bigint }[]]>(
      `SHOW CHANGES FOR TABLE lat SINCE ${since + 1n} LIMIT 1000`,
    );
    const last = changes.at(-1);
    if (last) since = BigInt(last.versionstamp);
  };
  const sub = await db.live(new Table("lat"));
  sub.subscribe((m) => {
    if (m.action === "KILLED") return;
    const done = arrived.get(Number((m.value as { i: number }).i));
    if (floor) void readFeed().then(done);
    else done?.();
  });
  return {
    write: (i) => db.query(`CREATE lat SET i = ${i}`),
    arrived,
    close: async () => {
      await sub.kill();
      await db.close();
    },
  };
}

/** `manager.live()` on its own pool and engine, `subscribers` subscriptions; a write arrives at the last. */
async function openPool(feed: boolean, subscribers: number): Promise<LatencySubject> {
  const manager = await ConnectionManager.create({
    namespace: "bench",
    database: "bench",
    pool: { minConnections: 1, maxConnections: 2 },
  });
  const lease = await manager.acquire();
  await lease.db.query(`DEFINE TABLE lat${feed ? " CHANGEFEED 1h" : ""}`);
  const arrived = new Map<number, () => void>();
  const counts = new Map<number, number>();
  const registered = waitForEvents(manager, "live.subscribed", subscribers);
  const subs = Array.from({ length: subscribers }, () =>
    manager.live("lat").subscribe((n: LiveNotification) => {
      if (n.kind === "gap") return;
      const i = Number((n.record as { i: number }).i);
      const c = (counts.get(i) ?? 0) + 1;
      counts.set(i, c);
      if (c === subscribers) {
        counts.delete(i);
        arrived.get(i)?.();
      }
    }),
  );
  await registered;
  return {
    write: (i) => lease.db.query(`CREATE lat SET i = ${i}`),
    arrived,
    close: async () => {
      for (const s of subs) s.unsubscribe();
      await lease.release();
      await manager.shutdown({ timeoutMs: 5_000 });
    },
  };
}

function waitForEvents(manager: ConnectionManager, type: string, count: number): Promise<void> {
  return new Promise((resolve) => {
    let n = 0;
    const s = manager.events$.subscribe((e) => {
      if (e.type === type && ++n === count) {
        s.unsubscribe();
        resolve();
      }
    });
  });
}

/** Heap per idle subscription: N live queries registered and idle, against N raw `db.live()` on one session. */
async function memoryRow(n: number): Promise<Row> {
  const db = await openRawSdk();
  await db.query("DEFINE TABLE mem");
  const before = settledHeap();
  const rawSubs = [];
  for (let i = 0; i < n; i++) {
    const s = await db.live(new Table("mem"));
    s.subscribe(() => {});
    rawSubs.push(s);
  }
  const rawBytes = (settledHeap() - before) / n;
  for (const s of rawSubs) await s.kill();
  await db.close();

  const manager = await ConnectionManager.create({
    namespace: "bench",
    database: "bench",
    pool: { minConnections: 1, maxConnections: 2 },
  });
  try {
    await manager.executeWithRetry((d) => d.query("DEFINE TABLE mem"));
    const registered = waitForEvents(manager, "live.subscribed", n);
    const start = settledHeap();
    const subs = Array.from({ length: n }, () => manager.live("mem").subscribe(() => {}));
    await registered;
    const poolBytes = (settledHeap() - start) / n;
    for (const s of subs) s.unsubscribe();
    return ratioRow({
      bench: "live-memory",
      baseline: "raw-sdk db.live()",
      unit: "KB/subscription",
      subjectValue: poolBytes / 1024,
      baselineValue: rawBytes / 1024,
      extra: { subscriptions: n },
    });
  } finally {
    await manager.shutdown({ timeoutMs: 5_000 });
  }
}

/** p50 latency to the last of N subscribers on one connection, N = 1, 10, 100, 1 000: where it doubles. */
async function doublingRow(quick: boolean): Promise<Row> {
  const writes = quick ? 40 : 200;
  const counts = quick ? [1, 10, 100] : [1, 10, 100, 1_000];
  const p50s: Record<number, number> = {};
  let doubledAt: number | undefined;
  for (const n of counts) {
    const subject = await openPool(false, n);
    try {
      p50s[n] = p50p99((await timeInterleaved(writes, { pool: subject })).pool.ms).p50;
    } finally {
      await subject.close();
    }
    if (doubledAt === undefined && p50s[n]! >= 2 * p50s[counts[0]!]!) doubledAt = n;
  }
  return {
    bench: "live-fanout",
    subject: "surreal-pool",
    baseline: "1 subscription",
    unit: "subscriptions/connection",
    subjectValue: doubledAt ?? counts.at(-1)!,
    baselineValue: 1,
    ratio: round(p50s[counts.at(-1)!]! / p50s[counts[0]!]!),
    condition: `p50 ms to the last subscriber, by subscriptions on one connection: ${JSON.stringify(Object.fromEntries(Object.entries(p50s).map(([k, v]) => [k, round(v)])))}; ratio: the largest count's p50 / one's${doubledAt === undefined ? "; latency never doubled up to the largest count" : `; doubled at ${doubledAt}`}`,
  };
}

/** Resubscribe time after a node SIGKILL, back-fill included: live.resubscribed durationMs. */
async function resubscribeRow(quick: boolean): Promise<Row> {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "surreal-pool-bench-live-"));
  const cluster = await startCluster({ nodes: 2, store: `surrealkv://${dir}` });
  const durations: number[] = [];
  const kills = quick ? 1 : 3;
  const subscriptions = quick ? 10 : 50;
  let manager: ConnectionManager | undefined;
  try {
    manager = await ConnectionManager.create({
      mode: { kind: "remote", endpoints: cluster.urls, loadBalancing: "round-robin" },
      credentials: { username: "root", password: "root" },
      namespace: "bench",
      database: "bench",
      pool: { minConnections: 2, maxConnections: 4, connectTimeoutMs: 4_000 },
      circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 400 },
      live: { connectionsPerEndpoint: 1, initialBackoffMs: 20, maxBackoffMs: 200 },
    });
    const m = manager;
    await m.executeWithRetry((db) => db.query("DEFINE TABLE feed CHANGEFEED 1h"));
    const s = m.events$.subscribe((e) => {
      if (e.type === "live.resubscribed") durations.push(e.durationMs);
    });
    const registered = waitForEvents(m, "live.subscribed", subscriptions);
    const subs = Array.from({ length: subscriptions }, () => m.live("feed").subscribe(() => {}));
    await registered;
    let seq = 0;
    for (let k = 0; k < kills; k++) {
      const node = m.healthStatus().live!.connections[0]!.endpoint;
      const victim = cluster.nodes[cluster.urls.indexOf(node)]!;
      const expected = durations.length + subscriptions;
      await victim.kill();
      // Writes during the outage: the resubscribe back-fills them.
      for (let i = 0; i < 10; i++)
        await m.executeWithRetry((db) => db.query(`CREATE feed SET seq = ${++seq}`));
      const deadline = performance.now() + 15_000;
      while (durations.length < expected && performance.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      await victim.restart();
    }
    s.unsubscribe();
    for (const sub of subs) sub.unsubscribe();
  } finally {
    await manager?.shutdown({ timeoutMs: 3_000 }).catch(() => undefined);
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const { p50, p99 } = p50p99(durations);
  return {
    bench: "live-resubscribe",
    subject: "surreal-pool",
    baseline: "target",
    unit: "ms",
    subjectValue: round(p99),
    baselineValue: 1_000,
    ratio: round(p99 / 1_000),
    target: "p99 < 1 s",
    met: p99 < 1_000,
    p50: round(p50),
    p99: round(p99),
    samples: durations.length,
    condition: `${kills} node SIGKILL(s), ${subscriptions} subscriptions on a change-feed table, 10 writes during each outage`,
  };
}
