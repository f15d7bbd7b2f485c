import { createNodeEngines } from "@surrealdb/node";
import { RecordId, Surreal } from "surrealdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSessionConflictError } from "../../src/session/errors/SessionConflictError.js";
import { foldTransactionLog } from "../../src/session/foldTransactionLog.js";
import {
  appendTxLogEvents,
  countTxLogEvents,
  defineTxLogTable,
  loadTxLogEvents,
  txLogSchema,
} from "../../src/session/SurrealTxLogStore.js";
import { TransactionLog } from "../../src/session/TransactionLog.js";

const place = { namespace: "agent_ns", database: "agent_db" };
let db: Surreal;

beforeAll(async () => {
  db = new Surreal({ engines: createNodeEngines() });
  await db.connect("mem://");
  await db.use({ namespace: "log_ns", database: "log_db" });
  await defineTxLogTable(db, "txlog");
});
afterAll(async () => {
  await Promise.race([db.close(), new Promise((r) => setTimeout(r, 2_000))]);
});

function sampleLog(agentId: string) {
  const log = new TransactionLog({ agentId });
  const w = log.record({ type: "write", path: "/src/main.rs", contentHash: "abc123" }).txId;
  const q = log.record({ type: "query", text: "SELECT * FROM users" }).txId;
  log.record({
    type: "custom",
    kind: "tool.call",
    data: { tool: "grep", args: ["-r", "x"], deep: { n: null } },
  });
  log.commit(w);
  log.abort(q, "superseded");
  return log;
}

describe("the txlog table in SurrealDB (embedded engine)", () => {
  it("stores the log and reads back the identical events, hence the identical history", async () => {
    const log = sampleLog("store-1");
    await appendTxLogEvents(db, "txlog", log.events(), place);
    const stored = await loadTxLogEvents(db, "txlog", "store-1");
    expect(stored.events).toEqual(log.events());
    expect(stored.place).toEqual(place);
    expect(foldTransactionLog(stored.events)).toEqual(log.history());
    expect(await countTxLogEvents(db, "txlog", "store-1")).toBe(5);
    expect(await countTxLogEvents(db, "txlog", "nobody")).toBe(0);
    expect(await loadTxLogEvents(db, "txlog", "nobody")).toEqual({ events: [], place: undefined });
  });

  it("keeps queryable columns for auditors", async () => {
    const [rows] = await db.query<
      [{ type: string; txId: string; reason?: string; operation?: { type: string } }[]]
    >("SELECT seq, type, txId, reason, operation FROM txlog WHERE agentId = 'store-1' ORDER BY seq");
    expect(rows.map((r) => r.type)).toEqual([
      "txlog.recorded",
      "txlog.recorded",
      "txlog.recorded",
      "txlog.committed",
      "txlog.aborted",
    ]);
    expect(rows[1]?.operation).toEqual({ type: "query", text: "SELECT * FROM users" });
    expect(rows[4]?.reason).toBe("superseded");
  });

  it("is append-only inside the database: UPDATE, UPSERT, DELETE and overwriting inserts all fail", async () => {
    const log = sampleLog("store-2");
    await appendTxLogEvents(db, "txlog", log.events(), place);
    const id = new RecordId("txlog", ["store-2", 1]);
    const forged = () => ({
      agentId: "store-2",
      seq: 1,
      type: "txlog.recorded",
      txId: "x",
      ts: 1,
      at: new Date(),
      ...place,
    });
    const attempts: [string, () => Promise<unknown>, RegExp][] = [
      [
        "UPDATE all",
        () => db.query("UPDATE txlog SET payload = 'forged' WHERE agentId = 'store-2'"),
        /append-only/,
      ],
      ["UPDATE one", () => db.query("UPDATE $id SET type = 'txlog.committed'", { id }), /append-only/],
      ["UPSERT", () => db.query("UPSERT $id SET payload = 'forged'", { id }), /append-only/],
      ["DELETE one", () => db.query("DELETE $id", { id }), /append-only/],
      ["DELETE all", () => db.query("DELETE txlog WHERE agentId = 'store-2'"), /append-only/],
      [
        // Refused by the unique (agentId, seq) index even before the event sees it.
        "INSERT ... ON DUPLICATE KEY UPDATE",
        () =>
          db.query("INSERT INTO txlog $row ON DUPLICATE KEY UPDATE payload = 'forged'", {
            row: { id, ...forged(), payload: "{}" },
          }),
        /append-only|already contains/,
      ],
    ];
    for (const [name, attempt, refusal] of attempts) {
      await expect(attempt(), name).rejects.toThrow(refusal);
    }
    await expect(
      db.query("CREATE $id CONTENT $row", { id, row: { ...forged(), payload: "{}" } }),
    ).rejects.toThrow(/already exists/);
    const stored = await loadTxLogEvents(db, "txlog", "store-2");
    expect(stored.events).toEqual(log.events());
  });

  it("refuses rows that are not log events", async () => {
    const row = {
      id: new RecordId("txlog", ["store-3", 1]),
      agentId: "store-3",
      seq: 1,
      type: "txlog.rewritten",
      txId: "x",
      ts: 1,
      at: new Date(),
      ...place,
      payload: "{}",
    };
    await expect(db.query("CREATE txlog CONTENT $row", { row })).rejects.toThrow(/txlog.recorded/);
  });

  it("retries safely: events already written with the same content count as written", async () => {
    const log = sampleLog("store-4");
    const events = log.events();
    await appendTxLogEvents(db, "txlog", events.slice(0, 3), place);
    // A lost answer: the sink writes 1..5 again.
    await appendTxLogEvents(db, "txlog", events, place);
    expect((await loadTxLogEvents(db, "txlog", "store-4")).events).toEqual(events);
  });

  it("refuses a second writer of the same entries", async () => {
    const first = sampleLog("store-5");
    const second = sampleLog("store-5"); // same agent id, other transaction ids
    await appendTxLogEvents(db, "txlog", first.events(), place);
    const error = await appendTxLogEvents(db, "txlog", second.events(), place).catch((e: unknown) => e);
    expect(isSessionConflictError(error)).toBe(true);
    expect((error as Error).message).toMatch(/seq 1 already exists.*another session/);
    expect((await loadTxLogEvents(db, "txlog", "store-5")).events).toEqual(first.events());
  });

  it("stores custom data the SDK cannot encode as CBOR (integers beyond 2^53) without wedging the log", async () => {
    const log = new TransactionLog({ agentId: "store-6" });
    log.record({ type: "custom", kind: "big", data: { n: -9007199254740994, m: 1e300 } });
    await appendTxLogEvents(db, "txlog", log.events(), place);
    expect((await loadTxLogEvents(db, "txlog", "store-6")).events).toEqual(log.events());
  });

  it("defines the table idempotently and only under a plain identifier", async () => {
    await defineTxLogTable(db, "txlog");
    await defineTxLogTable(db, "txlog");
    expect(() => txLogSchema("txlog; REMOVE TABLE txlog")).toThrow(/not a plain identifier/);
  });
});
