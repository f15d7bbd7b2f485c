import pino from "pino";
import { describe, expectTypeOf, it } from "vitest";
import type { ConnectionManagerOptions, Lease, Logger, SyncError, SyncReport } from "../../src/index.js";

// Type-level: `npm run typecheck` compiles this file, so a type that lets more through fails there
// (the packed-package test checks the same from a consumer's side, against the published .d.ts).
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

  it("logger: a pino logger fits, a number does not", () => {
    expectTypeOf(pino({ level: "silent" })).toExtend<Logger>();
    expectTypeOf<42>().not.toExtend<NonNullable<ConnectionManagerOptions["logger"]>>();
  });

  it("a remote's sync error is a SyncError (its stage is readable)", () => {
    expectTypeOf<NonNullable<SyncReport["remotes"][number]["error"]>>().toEqualTypeOf<SyncError>();
  });
});
