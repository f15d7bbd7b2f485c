// fast-check commands on agent sessions: create, acquire (up to the session's share, past it, aborted),
// release, release twice, use after release, record / commit / abort (twice, unknown ids), close and
// use after close, the manager's shutdown in between.
import fc from "fast-check";
import { AgentSession, type SessionLease } from "../../../src/index.js";
import { isTyped, outcomeOf, show } from "../outcome.js";
import { hostileObject } from "../values.js";
import {
  assertConsistent,
  heldInTotal,
  PER_SESSION,
  POOL_SIZE,
  SESSION_TIMEOUT_MS,
  type SessionModel,
  type SessionReal,
} from "./sessionWorld.js";

type SessionCommand = fc.AsyncCommand<SessionModel, SessionReal>;

const fail = (what: string, outcome: Awaited<ReturnType<typeof outcomeOf>>): never => {
  throw new Error(`${what}: ${show(outcome)}`);
};

export class CreateSessionCommand implements SessionCommand {
  // Not after shutdown: that a closed manager still opens sessions is its own test (api.fuzz.test.ts).
  check = (m: SessionModel) => m.sessions.length < 3 && !m.shutdown;
  async run(m: SessionModel, r: SessionReal): Promise<void> {
    const n = r.sessions.length;
    const outcome = await outcomeOf(() =>
      AgentSession.create(`agent-${n}`, r.manager, `ns${n}`, undefined, {
        maxConcurrentLeases: PER_SESSION,
        acquireTimeoutMs: SESSION_TIMEOUT_MS,
      }),
    );
    if (outcome.kind !== "value") fail("create a session", outcome);
    r.sessions.push(outcome.kind === "value" ? (outcome.value as AgentSession) : (undefined as never));
    r.held.push([]);
    r.txIds.push([]);
    m.sessions.push({ open: true, held: 0, txs: [] });
    assertConsistent(m, r, this.toString());
  }
  toString = () => "AgentSession.create";
}

abstract class OnSession implements SessionCommand {
  constructor(readonly index: number) {}
  check = (m: SessionModel) => m.sessions.length > 0;
  protected at(m: SessionModel, r: SessionReal) {
    const i = this.index % m.sessions.length;
    return { i, model: m.sessions[i]!, session: r.sessions[i]!, usable: m.sessions[i]!.open && !m.shutdown };
  }
  abstract run(m: SessionModel, r: SessionReal): Promise<void>;
}

export class SessionAcquireCommand extends OnSession {
  constructor(
    index: number,
    readonly aborted: boolean,
  ) {
    super(index);
  }
  async run(m: SessionModel, r: SessionReal): Promise<void> {
    const { i, model, session, usable } = this.at(m, r);
    const outcome = await outcomeOf(() =>
      session.acquire(this.aborted ? { signal: AbortSignal.abort() } : {}),
    );
    if (!usable || this.aborted || model.held >= PER_SESSION || heldInTotal(m) >= POOL_SIZE) {
      if (outcome.kind === "value") await (outcome.value as SessionLease).release();
      if (!isTyped(outcome)) fail(`${this} (refusal expected)`, outcome);
    } else {
      if (outcome.kind !== "value") fail(this.toString(), outcome);
      r.held[i]!.push((outcome as { value: SessionLease }).value);
      model.held++;
    }
    assertConsistent(m, r, this.toString());
  }
  toString = () => `session#${this.index}.acquire(${this.aborted ? "aborted signal" : ""})`;
}

export class SessionReleaseCommand extends OnSession {
  check = (m: SessionModel) => m.sessions.some((s) => s.held > 0);
  async run(m: SessionModel, r: SessionReal): Promise<void> {
    const i = m.sessions.findIndex((s, k) => s.held > 0 && k >= this.index % m.sessions.length);
    const at = i >= 0 ? i : m.sessions.findIndex((s) => s.held > 0);
    const lease = r.held[at]!.shift()!;
    const outcome = await outcomeOf(() => lease.release());
    if (outcome.kind !== "value") fail(this.toString(), outcome);
    r.released.push(lease);
    m.sessions[at]!.held--;
    // Released again, and used after release: harmless, and a typed LeaseReleasedError.
    const again = await outcomeOf(() => lease.release());
    if (again.kind !== "value") fail("a second release", again);
    const use = await outcomeOf(() => lease.db.query("RETURN 1"));
    if (!isTyped(use, "LEASE_RELEASED")) fail("use after release", use);
    assertConsistent(m, r, this.toString());
  }
  toString = () => `session lease release (twice, then use)`;
}

export class RecordCommand extends OnSession {
  async run(m: SessionModel, r: SessionReal): Promise<void> {
    const { i, model, session, usable } = this.at(m, r);
    const outcome = await outcomeOf(() =>
      session.recordTransaction({ type: "write", path: `/f${i}`, contentHash: "h" }),
    );
    if (!usable) {
      if (!isTyped(outcome)) fail(`${this} on a closed session`, outcome);
      return;
    }
    if (outcome.kind !== "value") fail(this.toString(), outcome);
    r.txIds[i]!.push(outcome.kind === "value" ? String(outcome.value) : "");
    model.txs.push("recorded");
  }
  toString = () => `session#${this.index}.recordTransaction`;
}

export class SettleCommand extends OnSession {
  constructor(
    index: number,
    readonly tx: number,
    readonly how: "commit" | "abort" | "unknown",
  ) {
    super(index);
  }
  async run(m: SessionModel, r: SessionReal): Promise<void> {
    const { i, model, session, usable } = this.at(m, r);
    const t = model.txs.length === 0 ? -1 : this.tx % model.txs.length;
    const id = this.how === "unknown" || t < 0 ? "no-such-transaction" : r.txIds[i]![t]!;
    const outcome = await outcomeOf(() =>
      this.how === "abort" ? session.abortTransaction(id, "fuzz") : session.commitTransaction(id),
    );
    const valid = usable && this.how !== "unknown" && t >= 0 && model.txs[t] === "recorded";
    if (valid) {
      if (outcome.kind !== "value") fail(this.toString(), outcome);
      model.txs[t] = this.how === "abort" ? "aborted" : "committed";
    } else if (!isTyped(outcome)) {
      fail(`${this} (a TransactionLogError or SessionClosedError expected)`, outcome);
    }
  }
  toString = () =>
    `session#${this.index}.${this.how === "abort" ? "abort" : "commit"}(tx ${this.how === "unknown" ? "unknown" : this.tx})`;
}

export class CloseSessionCommand extends OnSession {
  async run(m: SessionModel, r: SessionReal): Promise<void> {
    const { i, model, session } = this.at(m, r);
    const outcome = await outcomeOf(() => session.close({ timeoutMs: 100 }), 5_000);
    if (outcome.kind !== "value") fail(this.toString(), outcome);
    // Close takes back what the agent still held.
    r.released.push(...r.held[i]!.splice(0));
    model.held = 0;
    model.open = false;
    const after = await outcomeOf(() => session.acquire());
    if (!isTyped(after)) fail("acquire after close", after);
    assertConsistent(m, r, this.toString());
  }
  toString = () => `session#${this.index}.close`;
}

export class ManagerShutdownCommand implements SessionCommand {
  check = (m: SessionModel) => !m.shutdown;
  async run(m: SessionModel, r: SessionReal): Promise<void> {
    const outcome = await outcomeOf(() => r.manager.shutdown({ timeoutMs: 100 }), 5_000);
    if (outcome.kind !== "value") fail("shutdown", outcome);
    m.shutdown = true;
    for (const [i, s] of m.sessions.entries()) {
      r.released.push(...r.held[i]!.splice(0));
      s.held = 0;
      s.open = false;
    }
    assertConsistent(m, r, this.toString());
  }
  toString = () => "manager.shutdown";
}

const controller = () => new AbortController();
const BAD_SESSION_CALLS: [string, (r: SessionReal, session: AgentSession) => unknown][] = [
  ["AgentSession.create(null, ..)", (r) => AgentSession.create(null as never, r.manager, "ns")],
  ["AgentSession.create(.., namespace 5)", (r) => AgentSession.create("bad-ns", r.manager, 5 as never)],
  [
    "AgentSession.create(.., options null)",
    (r) => AgentSession.create("bad-opts", r.manager, "ns", undefined, null as never),
  ],
  [
    "AgentSession.create(.., maxConcurrentLeases -1)",
    (r) => AgentSession.create("bad-max", r.manager, "ns", undefined, { maxConcurrentLeases: -1 }),
  ],
  ["AgentSession.create(.., manager {})", () => AgentSession.create("bad-manager", {} as never, "ns")],
  ["AgentSession.restore(.., null)", (r) => AgentSession.restore("bad-restore", r.manager, null as never)],
  ["session.acquire(null)", (_, s) => s.acquire(null as never)],
  ["session.acquire({ signal: an AbortController })", (_, s) => s.acquire({ signal: controller() as never })],
  ["session.acquire({ signal: hostile })", (_, s) => s.acquire({ signal: hostileObject() as never })],
  ["session.acquire({ timeoutMs: NaN })", (_, s) => s.acquire({ timeoutMs: Number.NaN })],
  ["session.close(null)", (_, s) => s.close(null as never)],
  ["session.recordTransaction(null)", (_, s) => s.recordTransaction(null as never)],
  ["session.commitTransaction(42)", (_, s) => s.commitTransaction(42 as never)],
];

/** A bad argument: refused with a typed error, and nothing changes (later acquires still get their share). */
export class BadSessionCallCommand extends OnSession {
  constructor(
    index: number,
    readonly label: string,
    readonly call: (r: SessionReal, session: AgentSession) => unknown,
  ) {
    super(index);
  }
  check = (m: SessionModel) => m.sessions.length > 0 && !m.shutdown;
  async run(m: SessionModel, r: SessionReal): Promise<void> {
    const { session } = this.at(m, r);
    const outcome = await outcomeOf(() => this.call(r, session), 2_000);
    if (outcome.kind === "value") {
      const v = outcome.value as { release?: () => Promise<void>; close?: () => Promise<void> };
      await (typeof v?.release === "function" ? v.release() : v?.close?.());
    }
    // recordTransaction and commitTransaction are synchronous: a typed throw is their way to refuse.
    const syncApi = /recordTransaction|commitTransaction/.test(this.label);
    if (!isTyped(outcome) || (outcome.kind === "error" && outcome.sync && !syncApi)) {
      fail(`${this.label} (a rejection with a typed SurrealPoolError expected)`, outcome);
    }
    assertConsistent(m, r, this.label);
  }
  toString = () => this.label;
}

export function sessionCommands(badArguments: boolean): fc.Arbitrary<SessionCommand>[] {
  const everyday = [
    fc.constant(new CreateSessionCommand()),
    fc.tuple(fc.nat(), fc.boolean()).map(([i, a]) => new SessionAcquireCommand(i, a)),
    fc.nat().map((i) => new SessionReleaseCommand(i)),
    fc.nat().map((i) => new RecordCommand(i)),
    fc
      .tuple(fc.nat(), fc.nat(), fc.constantFrom("commit" as const, "abort" as const, "unknown" as const))
      .map(([i, t, h]) => new SettleCommand(i, t, h)),
    ...(badArguments
      ? [
          fc
            .tuple(fc.nat(), fc.constantFrom(...BAD_SESSION_CALLS))
            .map(([i, [label, call]]) => new BadSessionCallCommand(i, label, call)),
        ]
      : []),
  ];
  return [
    fc.oneof(
      { weight: 20, arbitrary: fc.oneof(...everyday) },
      { weight: 1, arbitrary: fc.nat().map((i) => new CloseSessionCommand(i)) },
      { weight: 1, arbitrary: fc.constant(new ManagerShutdownCommand()) },
    ),
  ];
}
