import type { Row } from "./measure.js";
import { round } from "./measure.js";
import { AgentSession, ConnectionManager } from "./pool.js";

/**
 * Log-append throughput of an agent session: `recordTransaction` + `commitTransaction` pairs per
 * second, in memory only and with the durable sink (batched writes into the append-only table of the
 * embedded engine, with one `flush()` at the end, so every entry counted was written). No seed figure
 * exists; reported, not targeted.
 */
export async function agentLog(quick: boolean): Promise<Row[]> {
  const entries = quick ? 5_000 : 20_000;
  const rows: Row[] = [];
  const manager = await ConnectionManager.create({ pool: { minConnections: 2, maxConnections: 4 } });
  try {
    const results: Record<string, number> = {};
    for (const [label, sink] of [
      ["memory", undefined],
      ["durable", { flushIntervalMs: 20, maxBatchSize: 500, maxBufferedEvents: entries * 3 }],
    ] as const) {
      const session = await AgentSession.create({
        id: `bench-${label}`,
        manager,
        namespace: `bench_${label}`,
        ...(sink ? { sink } : {}),
      });
      const started = performance.now();
      for (let i = 0; i < entries; i++) {
        const id = session.recordTransaction({ type: "write", path: `/f${i}`, contentHash: `h${i}` });
        session.commitTransaction(id);
      }
      await session.flush();
      results[label] = entries / ((performance.now() - started) / 1_000);
      await session.close();
    }
    rows.push({
      bench: "agent-log",
      subject: "surreal-pool",
      baseline: "in-memory log",
      unit: "entries/s",
      subjectValue: round(results.durable!),
      baselineValue: round(results.memory!),
      ratio: round(results.durable! / results.memory!),
      entries,
      what: "record+commit per entry; durable = batched into the append-only txlog table and flushed",
    });
  } finally {
    await manager.shutdown();
  }
  return rows;
}
