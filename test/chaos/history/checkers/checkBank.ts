// The bank, against the store afterwards: each client's total is what it opened with (and every total it
// read during the run was too); no transfer applied twice (one row per transfer id); every acknowledged
// transfer applied; and each account's balance is its opening balance moved by exactly the transfer rows
// that name it (so no half-applied transfer either).
import { ACCOUNTS, OPENING_BALANCE } from "../config.js";
import type { Op } from "../history.js";
import type { CheckResult, Violation } from "./violation.js";

export interface TransferRow {
  tid: string;
  c: number;
  from: string;
  to: string;
  amount: number;
}

export function checkBank(
  ops: readonly Op[],
  accounts: ReadonlyMap<string, number>,
  rows: readonly TransferRow[],
  clients: number,
): CheckResult {
  const violations: Violation[] = [];
  const transfers = ops.filter((o) => o.f === "transfer");
  const byTid = new Map<string, TransferRow[]>();
  for (const r of rows) byTid.set(r.tid, [...(byTid.get(r.tid) ?? []), r]);
  const opOf = (tid: string) => transfers.filter((o) => (o.value as { tid: string }).tid === tid);
  for (const [tid, list] of byTid) {
    if (list.length > 1) {
      violations.push({
        property: "bank",
        message: `transfer ${tid} applied ${list.length} times`,
        ops: opOf(tid),
      });
    }
    if (opOf(tid).length === 0) {
      violations.push({ property: "bank", message: `transfer ${tid} applied but never invoked`, ops: [] });
    }
  }
  for (const op of transfers) {
    const tid = (op.value as { tid: string }).tid;
    if (op.outcome === "ok" && !byTid.has(tid)) {
      violations.push({
        property: "bank",
        message: `acknowledged transfer ${tid} is not in the store (lost)`,
        ops: [op],
      });
    }
  }
  for (let c = 0; c < clients; c++) {
    const expected = new Map<string, number>();
    for (let i = 0; i < ACCOUNTS; i++) expected.set(`b${c}_${i}`, OPENING_BALANCE);
    for (const r of rows.filter((row) => row.c === c)) {
      expected.set(r.from, expected.get(r.from)! - r.amount);
      expected.set(r.to, expected.get(r.to)! + r.amount);
    }
    let total = 0;
    for (const [id, balance] of expected) {
      const actual = accounts.get(id);
      total += actual ?? 0;
      if (actual !== balance) {
        violations.push({
          property: "bank",
          message: `account ${id} holds ${actual}, its transfer rows say ${balance} (a transfer applied in part)`,
          ops: transfers.filter((o) => o.client === `bank ${c}`).slice(-3),
        });
      }
    }
    if (total !== ACCOUNTS * OPENING_BALANCE) {
      violations.push({
        property: "bank",
        message: `client ${c}'s total is ${total}, not ${ACCOUNTS * OPENING_BALANCE}`,
        ops: [],
      });
    }
  }
  const reads = ops.filter((o) => o.f === "read" && o.client.startsWith("bank") && o.outcome === "ok");
  for (const read of reads) {
    if (read.result !== ACCOUNTS * OPENING_BALANCE) {
      violations.push({
        property: "bank",
        message: `a read saw a total of ${String(read.result)}`,
        ops: [read],
      });
    }
  }
  return {
    property: "bank",
    counts: {
      transfers: transfers.length,
      acknowledged: transfers.filter((o) => o.outcome === "ok").length,
      applied: byTid.size,
      reads: reads.length,
    },
    violations,
  };
}
