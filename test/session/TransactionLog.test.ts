import { describe, expect, it } from "vitest";
import type { TransactionOperation } from "../../src/events/TransactionOperation.js";
import {
  isTransactionLogError,
  type TransactionLogError,
} from "../../src/session/errors/TransactionLogError.js";
import { foldTransactionLog } from "../../src/session/foldTransactionLog.js";
import { TransactionLog } from "../../src/session/TransactionLog.js";

function makeLog() {
  let t = 1_000;
  let n = 0;
  return new TransactionLog({ agentId: "a1", now: () => t++, newId: () => `tx-${++n}` });
}

function refusal(fn: () => unknown): TransactionLogError {
  try {
    fn();
  } catch (error) {
    if (isTransactionLogError(error)) return error;
    throw error;
  }
  throw new Error("expected a TransactionLogError");
}

describe("TransactionLog", () => {
  it("records pending entries, settles them once, and keeps every change as an event", () => {
    const log = makeLog();
    const w = log.record({ type: "write", path: "/src/main.rs", contentHash: "abc123" }).txId;
    const r = log.record({ type: "read", path: "/README.md" }).txId;
    log.commit(w);
    log.abort(r, "not needed");
    expect(log.history()).toEqual([
      {
        id: "tx-1",
        operation: { type: "write", path: "/src/main.rs", contentHash: "abc123" },
        status: "committed",
        recordedAt: 1000,
        committedAt: 1002,
      },
      {
        id: "tx-2",
        operation: { type: "read", path: "/README.md" },
        status: "aborted",
        recordedAt: 1001,
        abortedAt: 1003,
        abortReason: "not needed",
      },
    ]);
    expect(log.events().map((e) => [e.seq, e.type, e.txId])).toEqual([
      [1, "txlog.recorded", "tx-1"],
      [2, "txlog.recorded", "tx-2"],
      [3, "txlog.committed", "tx-1"],
      [4, "txlog.aborted", "tx-2"],
    ]);
    expect(foldTransactionLog(log.events())).toEqual(log.history());
  });

  it("accepts every operation kind, keeping only its fields", () => {
    const log = makeLog();
    const ops: TransactionOperation[] = [
      { type: "write", path: "p", contentHash: "h" },
      { type: "read", path: "p" },
      { type: "delete", path: "p" },
      { type: "query", text: "SELECT * FROM x" },
      {
        type: "custom",
        kind: "tool.call",
        data: { tool: "grep", args: ["-r", "x"], n: 1, ok: true, none: null },
      },
      { type: "custom", kind: "ping" },
    ];
    for (const op of ops) log.record({ ...op, extra: "dropped" } as unknown as TransactionOperation);
    expect(log.history().map((e) => e.operation)).toEqual(ops);
  });

  it("keeps a frozen copy, so the caller cannot edit the past", () => {
    const log = makeLog();
    const data = { nested: { value: 1 } };
    const id = log.record({ type: "custom", kind: "k", data }).txId;
    data.nested.value = 2;
    const entry = log.entry(id)!;
    expect(entry.operation).toEqual({ type: "custom", kind: "k", data: { nested: { value: 1 } } });
    expect(Object.isFrozen(entry)).toBe(true);
    expect(Object.isFrozen((entry.operation as { data: { nested: object } }).data.nested)).toBe(true);
    expect(Object.isFrozen(log.events()[0])).toBe(true);
    log.history().pop(); // a copy: the log is untouched
    expect(log.size).toBe(1);
  });

  it("refuses an unknown id, a second commit and a commit after abort, leaving the log unchanged", () => {
    const log = makeLog();
    const a = log.record({ type: "read", path: "a" }).txId;
    const b = log.record({ type: "read", path: "b" }).txId;
    log.commit(a);
    log.abort(b);
    const before = { events: log.events(), history: log.history() };

    const unknown = refusal(() => log.commit("nope"));
    expect(unknown).toMatchObject({
      code: "TRANSACTION_LOG",
      reason: "unknownTransaction",
      transactionId: "nope",
    });
    expect(unknown.message).toMatch(/recordTransaction\(\)/);

    const twice = refusal(() => log.commit(a));
    expect(twice).toMatchObject({ reason: "alreadyCommitted", transactionId: a });
    expect(twice.message).toMatch(/settles once.*Record a new transaction/);

    expect(refusal(() => log.commit(b))).toMatchObject({ reason: "alreadyAborted" });
    expect(refusal(() => log.abort(a))).toMatchObject({ reason: "alreadyCommitted" });
    expect(refusal(() => log.abort(b))).toMatchObject({ reason: "alreadyAborted" });
    expect(refusal(() => log.abort("nope"))).toMatchObject({ reason: "unknownTransaction" });

    expect(log.events()).toEqual(before.events);
    expect(log.history()).toEqual(before.history);
    expect(log.lastSeq).toBe(4);
  });

  it("refuses malformed operations with a message naming the field", () => {
    const log = makeLog();
    const bad: unknown[] = [
      null,
      "write",
      { type: "move", path: "a" },
      { type: "write", path: "a" },
      { type: "write", path: "", contentHash: "h" },
      { type: "read" },
      { type: "query", text: 42 },
      { type: "custom" },
      { type: "custom", kind: "k", data: 10n },
      { type: "custom", kind: "k", data: () => 1 },
    ];
    for (const op of bad) {
      const error = refusal(() => log.record(op as TransactionOperation));
      expect(error.reason).toBe("invalidOperation");
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(refusal(() => log.record({ type: "custom", kind: "k", data: cyclic })).reason).toBe(
      "invalidOperation",
    );
    expect(refusal(() => log.record({ type: "write", path: "a" } as TransactionOperation)).message).toMatch(
      /"contentHash"/,
    );
    expect(log.lastSeq).toBe(0);
  });

  it("starts from replayed events and continues their sequence", () => {
    const original = makeLog();
    const a = original.record({ type: "read", path: "a" }).txId;
    original.record({ type: "delete", path: "b" });
    original.commit(a);
    const replayed = new TransactionLog({ agentId: "a1", events: original.events() });
    expect(replayed.history()).toEqual(original.history());
    expect(replayed.pending).toBe(1);
    expect(replayed.record({ type: "read", path: "c" }).seq).toBe(4);
  });

  it("prepare* changes nothing until append, and append re-checks", () => {
    const log = makeLog();
    const id = log.record({ type: "read", path: "a" }).txId;
    const commit = log.prepareCommit(id);
    const abort = log.prepareAbort(id);
    expect(log.lastSeq).toBe(1);
    log.append(commit);
    // The abort was prepared for seq 2, which the commit took; the log refuses it.
    expect(() => log.append(abort)).toThrow(/seq 2 does not follow seq 2/);
    expect(log.entry(id)?.status).toBe("committed");
  });
});
