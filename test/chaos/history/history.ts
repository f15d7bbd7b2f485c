// A Jepsen-style history: every operation a client of the history run performs, as it was invoked and as
// it completed, with values and times. The checkers read it afterwards, with the store's own record of
// what committed; nothing is judged while the run goes.

/** How an operation ended: `ok` it happened (acknowledged), `fail` it did not, `info` it may have. */
export type Outcome = "ok" | "fail" | "info";

export interface Op {
  /** Its place in the history (invocation order). */
  index: number;
  /** Who did it: "writer 3", "bank 1", "live 0", ... */
  client: string;
  /** What it did: "write", "delete", "transfer", "read", "notify", ... */
  f: string;
  /** What it was asked to do (the write's record and value, the transfer's accounts and amount, ...). */
  value: Record<string, unknown>;
  /** ms since the run started (performance.now() of the client process, less its start). */
  invokedAt: number;
  completedAt?: number;
  outcome?: Outcome;
  /** What it returned (a read's value, a notification), when it matters. */
  result?: unknown;
  /** Its error: class name and code. */
  error?: string;
  /** How long it was allowed to take, ms (its deadline times its attempts, with their backoff). */
  deadlineMs?: number;
}

const start = performance.now();
const now = () => performance.now() - start;

export class History {
  readonly ops: Op[] = [];

  /** Records an invocation; call `ok`, `fail` or `info` on what it returns when it completes. */
  invoke(client: string, f: string, value: Record<string, unknown>, deadlineMs?: number): Invocation {
    const op: Op = {
      index: this.ops.length,
      client,
      f,
      value,
      invokedAt: now(),
      ...(deadlineMs ? { deadlineMs } : {}),
    };
    this.ops.push(op);
    return new Invocation(op);
  }

  /** Something observed, not invoked (a live notification): invoked and completed at once. */
  observe(client: string, f: string, value: Record<string, unknown>): Op {
    const t = now();
    const op: Op = { index: this.ops.length, client, f, value, invokedAt: t, completedAt: t, outcome: "ok" };
    this.ops.push(op);
    return op;
  }

  /** Ops still not completed (hung). */
  pending(): Op[] {
    return this.ops.filter((o) => o.outcome === undefined);
  }
}

export class Invocation {
  constructor(readonly op: Op) {}

  ok(result?: unknown): void {
    this.#complete("ok", result);
  }

  /** It certainly did not happen (refused before it was sent, or a transaction known rolled back). */
  fail(error: unknown): void {
    this.#complete("fail", undefined, error);
  }

  /** It may or may not have happened (a deadline, a dropped socket, an unknown commit outcome). */
  info(error: unknown): void {
    this.#complete("info", undefined, error);
  }

  #complete(outcome: Outcome, result: unknown, error?: unknown): void {
    if (this.op.outcome) return;
    this.op.outcome = outcome;
    this.op.completedAt = now();
    if (result !== undefined) this.op.result = result;
    if (error !== undefined) this.op.error = describeError(error);
  }
}

export function describeError(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string; cause?: unknown };
  const cause = e?.cause as { name?: string } | undefined;
  return `${e?.name ?? typeof error}${e?.code ? `(${e.code})` : ""}${cause?.name ? ` <- ${cause.name}` : ""}`;
}

/** One op as one line of the history file, and the lines around a violation. */
export function describeOp(op: Op): string {
  const took = op.completedAt === undefined ? "pending" : `${(op.completedAt - op.invokedAt).toFixed(0)} ms`;
  const result = op.result === undefined ? "" : ` -> ${JSON.stringify(op.result)}`;
  const error = op.error ? ` ! ${op.error}` : "";
  return `#${op.index} @${op.invokedAt.toFixed(0)} ${op.client} ${op.f} ${JSON.stringify(op.value)} ${op.outcome ?? "?"} (${took})${result}${error}`;
}
