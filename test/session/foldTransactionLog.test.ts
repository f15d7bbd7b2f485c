import { describe, expect, it } from "vitest";
import type { TxLogEvent } from "../../src/events/SessionEvent.js";
import { foldTransactionLog, foldTransactionLogState } from "../../src/session/foldTransactionLog.js";

const base = { agentId: "a1" };
const rec = (seq: number, txId: string, ts = seq): TxLogEvent => ({
  ...base,
  type: "txlog.recorded",
  seq,
  txId,
  ts,
  operation: { type: "read", path: txId },
});
const com = (seq: number, txId: string, ts = seq): TxLogEvent => ({
  ...base,
  type: "txlog.committed",
  seq,
  txId,
  ts,
});
const abo = (seq: number, txId: string, reason?: string): TxLogEvent => ({
  ...base,
  type: "txlog.aborted",
  seq,
  txId,
  ts: seq,
  ...(reason ? { reason } : {}),
});

describe("foldTransactionLog", () => {
  it("is the history: statuses and times from the events, in recording order", () => {
    expect(foldTransactionLog([rec(1, "x"), rec(2, "y"), abo(3, "y", "why"), com(4, "x")])).toEqual([
      { id: "x", operation: { type: "read", path: "x" }, status: "committed", recordedAt: 1, committedAt: 4 },
      {
        id: "y",
        operation: { type: "read", path: "y" },
        status: "aborted",
        recordedAt: 2,
        abortedAt: 3,
        abortReason: "why",
      },
    ]);
    expect(foldTransactionLog([])).toEqual([]);
  });

  it("is pure: neither the events nor the starting state change", () => {
    const events = [rec(1, "x"), com(2, "x")];
    const copy = structuredClone(events);
    const start = foldTransactionLogState([rec(1, "x")]);
    const startEntries = [...start.entries.values()];
    const after = foldTransactionLogState([com(2, "x")], start);
    foldTransactionLog(events);
    expect(events).toEqual(copy);
    expect([...start.entries.values()]).toEqual(startEntries);
    expect(start.lastSeq).toBe(1);
    expect(after.lastSeq).toBe(2);
    expect(after.entries.get("x")?.status).toBe("committed");
  });

  it.each([
    ["a gap in seq", [rec(1, "x"), rec(3, "y")], /seq 3 does not follow seq 1/],
    ["a duplicated seq", [rec(1, "x"), rec(1, "y")], /seq 1 does not follow seq 1/],
    ["a settle of an unknown id", [rec(1, "x"), com(2, "z")], /no such entry/],
    ["a second settle", [rec(1, "x"), com(2, "x"), abo(3, "x")], /already committed/],
    ["an id recorded twice", [rec(1, "x"), rec(2, "x")], /recorded twice/],
    ["a log not starting at 1", [rec(2, "x")], /seq 2 does not follow seq 0/],
  ])("refuses a corrupt log: %s", (_name, events, message) => {
    expect(() => foldTransactionLog(events)).toThrow(message);
    try {
      foldTransactionLog(events);
    } catch (error) {
      expect(error).toMatchObject({ code: "TRANSACTION_LOG", reason: "corruptLog" });
    }
  });
});
