// fast-check commands on a live manager: acquire (also on a full pool, with an aborted signal, after
// shutdown), release, discard, release twice, use after release, queries, executeWithRetry and
// executeHedged with fns that return or throw all sorts of things, shutdown in between.
import fc from "fast-check";
import type { PooledDb } from "../../../src/index.js";
import { isTyped, type Outcome, outcomeOf } from "../outcome.js";
import {
  ACQUIRE_TIMEOUT_MS,
  assertConsistent,
  assertConsistentSoon,
  expectOutcome,
  type LeaseModel,
  type LeaseReal,
  MAX_CONNECTIONS,
} from "./leaseWorld.js";

type LeaseCommand = fc.AsyncCommand<LeaseModel, LeaseReal>;

const ACQUIRE_OPTIONS = {
  none: () => undefined,
  empty: () => ({}),
  timeout: () => ({ timeoutMs: ACQUIRE_TIMEOUT_MS }),
  namespace: () => ({ namespace: "elsewhere" }),
  signal: () => ({ signal: new AbortController().signal }),
  aborted: () => ({ signal: AbortSignal.abort() }),
} as const;

export class AcquireCommand implements LeaseCommand {
  constructor(readonly options: keyof typeof ACQUIRE_OPTIONS) {}
  // On a full pool only with a short wait of its own: the pool's default wait would only slow the run.
  check = (m: LeaseModel) =>
    m.shutdown || m.held < MAX_CONNECTIONS || this.options === "timeout" || this.options === "aborted";
  async run(m: LeaseModel, r: LeaseReal): Promise<void> {
    const outcome = await outcomeOf(() => r.manager.acquire(ACQUIRE_OPTIONS[this.options]()));
    if (m.shutdown) return expectOutcome(isTyped(outcome, "POOL_CLOSED"), "acquire after shutdown", outcome);
    if (this.options === "aborted")
      return expectOutcome(isTyped(outcome, "ACQUIRE_ABORTED"), "aborted acquire", outcome);
    if (m.held < MAX_CONNECTIONS) {
      expectOutcome(outcome.kind === "value", "acquire with a connection free", outcome);
      r.held.push((outcome as { value: LeaseReal["held"][number] }).value);
      m.held++;
    } else {
      expectOutcome(isTyped(outcome, "ACQUIRE_TIMEOUT"), "acquire on a full pool", outcome);
    }
    assertConsistent(m, r, this.toString());
  }
  toString = () => `acquire(${this.options})`;
}

export class ReleaseCommand implements LeaseCommand {
  constructor(
    readonly index: number,
    readonly discard: boolean,
  ) {}
  check = (m: LeaseModel) => m.held > 0 && !m.shutdown;
  async run(m: LeaseModel, r: LeaseReal): Promise<void> {
    const [lease] = r.held.splice(this.index % r.held.length, 1);
    const outcome = await outcomeOf(() => (this.discard ? lease!.discard() : lease!.release()));
    expectOutcome(outcome.kind === "value", this.toString(), outcome);
    r.released.push(lease!);
    m.held--;
    assertConsistent(m, r, this.toString());
  }
  toString = () => `${this.discard ? "discard" : "release"}(#${this.index})`;
}

/** Release twice, or use `db` after release: harmless, and a typed LeaseReleasedError respectively. */
export class AfterReleaseCommand implements LeaseCommand {
  constructor(
    readonly index: number,
    readonly what: "release" | "query",
  ) {}
  check = () => true;
  async run(m: LeaseModel, r: LeaseReal): Promise<void> {
    const lease = r.released[this.index % Math.max(1, r.released.length)];
    if (!lease) return;
    if (this.what === "release") {
      const again = await outcomeOf(() => lease.release());
      expectOutcome(again.kind === "value", "a second release", again);
    } else {
      const outcome = await outcomeOf(() => lease.db.query("RETURN 1"));
      expectOutcome(isTyped(outcome, "LEASE_RELEASED"), "use after release", outcome);
    }
    assertConsistent(m, r, this.toString());
  }
  toString = () => `${this.what}-after-release(#${this.index})`;
}

export class QueryCommand implements LeaseCommand {
  constructor(readonly index: number) {}
  check = (m: LeaseModel) => m.held > 0 && !m.shutdown;
  async run(m: LeaseModel, r: LeaseReal): Promise<void> {
    const lease = r.held[this.index % r.held.length]!;
    const outcome = await outcomeOf(() => lease.db.query("RETURN 1"));
    expectOutcome(outcome.kind === "value", "a query on a held lease", outcome);
    assertConsistent(m, r, this.toString());
  }
  toString = () => `query(#${this.index})`;
}

/** What a user's fn does; `thrown` is what it throws, so the outcome can be matched to it. */
const FNS = {
  value: () => ({ fn: async (db: PooledDb) => db.query("RETURN 1") }),
  nonPromise: () => ({ fn: () => 42 }),
  userError: () => {
    const thrown = new Error("user's own failure");
    return { thrown, fn: async () => Promise.reject(thrown) };
  },
  syncThrow: () => {
    const thrown = new Error("thrown before any await");
    return {
      thrown,
      fn: () => {
        throw thrown;
      },
    };
  },
  throwsString: () => ({ thrown: "a string", fn: async () => Promise.reject("a string") }),
  throwsNull: () => ({ thrown: null, fn: async () => Promise.reject(null) }),
  looksTransient: () => {
    const thrown = Object.assign(new Error("socket reset"), { code: "ECONNRESET" });
    return { thrown, fn: async () => Promise.reject(thrown) };
  },
  queryError: () => ({ server: true, fn: async (db: PooledDb) => db.query("SELEC nothing") }),
} as const;

export class ExecuteCommand implements LeaseCommand {
  constructor(
    readonly kind: keyof typeof FNS,
    readonly hedged: boolean,
  ) {}
  check = (m: LeaseModel) => m.held < MAX_CONNECTIONS || m.shutdown;
  async run(m: LeaseModel, r: LeaseReal): Promise<void> {
    const made: { fn: (db: PooledDb) => unknown; thrown?: unknown; server?: boolean } = FNS[this.kind]();
    const fn = made.fn as (db: PooledDb) => Promise<unknown>;
    const outcome = await outcomeOf(() =>
      this.hedged ? r.manager.executeHedged(fn) : r.manager.executeWithRetry(fn),
    );
    const expected = m.shutdown
      ? isTyped(outcome, "POOL_CLOSED")
      : "thrown" in made
        ? isOwn(outcome, made.thrown) || isTyped(outcome, "RETRIES_EXHAUSTED")
        : made.server
          ? outcome.kind === "error" && typeof (outcome.error as { kind?: unknown }).kind === "string"
          : outcome.kind === "value";
    expectOutcome(expected, this.toString(), outcome);
    if (outcome.kind === "error" && outcome.sync)
      expectOutcome(false, `${this} threw instead of rejecting`, outcome);
    if (this.hedged) await assertConsistentSoon(m, r, this.toString());
    else assertConsistent(m, r, this.toString());
  }
  toString = () => `${this.hedged ? "executeHedged" : "executeWithRetry"}(${this.kind})`;
}

/** The fn's own error, passed through as it is. */
function isOwn(outcome: Outcome, thrown: unknown): boolean {
  return outcome.kind === "error" && outcome.error === thrown;
}

export class ShutdownCommand implements LeaseCommand {
  check = (m: LeaseModel) => !m.shutdown;
  async run(m: LeaseModel, r: LeaseReal): Promise<void> {
    const outcome = await outcomeOf(() => r.manager.shutdown({ timeoutMs: 100 }), 5_000);
    expectOutcome(outcome.kind === "value", "shutdown", outcome);
    m.shutdown = true;
    // Held leases were taken back: releasing them later is harmless, using them is a typed error.
    for (const lease of r.held) {
      const use = await outcomeOf(() => lease.db.query("RETURN 1"));
      expectOutcome(isTyped(use, "LEASE_RELEASED"), "use of a lease shutdown took back", use);
    }
    assertConsistent(m, r, this.toString());
  }
  toString = () => "shutdown";
}

/** The commands, shutdown rarer than the rest so most of a run happens on a live pool. */
export function leaseCommands(extra: fc.Arbitrary<LeaseCommand>[] = []): fc.Arbitrary<LeaseCommand>[] {
  const everyday = fc.oneof(
    fc
      .constantFrom(...(Object.keys(ACQUIRE_OPTIONS) as (keyof typeof ACQUIRE_OPTIONS)[]))
      .map((o) => new AcquireCommand(o)),
    fc.tuple(fc.nat(), fc.boolean()).map(([i, d]) => new ReleaseCommand(i, d)),
    fc
      .tuple(fc.nat(), fc.constantFrom("release" as const, "query" as const))
      .map(([i, w]) => new AfterReleaseCommand(i, w)),
    fc.nat().map((i) => new QueryCommand(i)),
    fc
      .tuple(fc.constantFrom(...(Object.keys(FNS) as (keyof typeof FNS)[])), fc.boolean())
      .map(([k, h]) => new ExecuteCommand(k, h)),
    ...extra,
  );
  return [
    fc.oneof(
      { weight: 12, arbitrary: everyday },
      { weight: 1, arbitrary: fc.constant(new ShutdownCommand()) },
    ),
  ];
}
