import pino from "pino";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { BreakerState } from "../../machines/circuitBreaker.machine.js";
import type { RefusingBreakerState } from "../../src/errors/CircuitOpenError.js";
import type {
  ConnectionManagerOptions,
  Lease,
  Logger,
  SessionLease,
  SyncError,
  SyncReport,
} from "../../src/index.js";
import { reachableMembers } from "../readme/publicExports.js";

// Type-level: `npm run typecheck` compiles this file, so a type that lets more through fails there
// (the packed-package test checks the same from a consumer's side, against the published .d.ts). The
// reachability test walks the exports with the compiler, as a consumer's editor would.
describe("public types", () => {
  it("a Lease shows db, release, discard, dispose and facts: nothing that reaches its connection", () => {
    expectTypeOf<keyof Lease>().toEqualTypeOf<
      | "db"
      | "connectionId"
      | "endpoint"
      | "acquiredAt"
      | "queryTimeoutMs"
      | "released"
      | "callsInFlight"
      | "openTransactions"
      | "timedOut"
      | "release"
      | "discard"
      | typeof Symbol.asyncDispose
    >();
  });

  it("a SessionLease shows db, release, dispose and facts: nothing that ends or reaches what is behind it", () => {
    expectTypeOf<keyof SessionLease>().toEqualTypeOf<
      | "db"
      | "agentId"
      | "connectionId"
      | "endpoint"
      | "acquiredAt"
      | "released"
      | "release"
      | typeof Symbol.asyncDispose
    >();
  });

  it("no type a user reaches from the package's exports has a member that reaches a raw connection", () => {
    // What the pool and the agent sessions keep to themselves: the pooled connection and its raw
    // session, a lease's revocation and call tracking, a session lease's forced ends.
    const internal = new Set(["connection", "requireRaw", "revoke", "track", "cutOff", "forceRelease"]);
    const members = reachableMembers();
    expect(members.length).toBeGreaterThan(100); // the walk reached the API (Lease.db among it)
    expect(members).toContain("Lease.db");
    expect(members.filter((m) => internal.has(m.slice(m.lastIndexOf(".") + 1)))).toEqual([]);
  }, 60_000);

  it("logger: a pino logger fits, a number does not", () => {
    expectTypeOf(pino({ level: "silent" })).toExtend<Logger>();
    expectTypeOf<42>().not.toExtend<NonNullable<ConnectionManagerOptions["logger"]>>();
  });

  it("a remote's sync error is a SyncError (its stage is readable)", () => {
    expectTypeOf<NonNullable<SyncReport["remotes"][number]["error"]>>().toEqualTypeOf<SyncError>();
  });
});

describe("CircuitOpenError's state", () => {
  it("names exactly the breaker states that refuse a call", () => {
    expectTypeOf<RefusingBreakerState>().toEqualTypeOf<Exclude<BreakerState, "closed">>();
  });
});
