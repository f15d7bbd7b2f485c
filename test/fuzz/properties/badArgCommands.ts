// Bad arguments to the manager's public functions (issue 10, findings 4 and 6): each must be refused with
// a typed SurrealPoolError naming the argument, as a rejection (not a synchronous throw), before any
// state changes: nothing queued, nothing leased, no timer left to throw later.
import fc from "fast-check";
import { isTyped, outcomeOf, show } from "../outcome.js";
import { hostileObject } from "../values.js";
import { assertConsistent, type LeaseModel, type LeaseReal } from "./leaseWorld.js";

type LeaseCommand = fc.AsyncCommand<LeaseModel, LeaseReal>;

const controller = () => new AbortController();
/** [label, argument]: things that are not `AcquireOptions` or an `ExecuteOptions`. */
const BAD_OPTIONS: [string, () => unknown][] = [
  ["null", () => null],
  ["42", () => 42],
  ['"fast"', () => "fast"],
  ["{ signal: an AbortController }", () => ({ signal: controller() })],
  ["{ signal: {} }", () => ({ signal: {} })],
  ["{ signal: hostile }", () => ({ signal: hostileObject() })],
  ["{ timeoutMs: NaN }", () => ({ timeoutMs: Number.NaN })],
  ["{ timeoutMs: Infinity }", () => ({ timeoutMs: Number.POSITIVE_INFINITY })],
  ["{ timeoutMs: -1 }", () => ({ timeoutMs: -1 })],
  ['{ timeoutMs: "5" }', () => ({ timeoutMs: "5" })],
  ["{ timeoutMs: 2^31 }", () => ({ timeoutMs: 2 ** 31 })],
];
const BAD_ACQUIRE: [string, () => unknown][] = [
  ...BAD_OPTIONS,
  ["{ namespace: 5 }", () => ({ namespace: 5 })],
  ["{ database: {} }", () => ({ database: {} })],
];
const BAD_FNS: [string, () => unknown][] = [
  ["null", () => null],
  ["42", () => 42],
  ["an object", () => ({})],
];
const GOOD_FN = async () => 1;

export class BadCallCommand implements LeaseCommand {
  constructor(
    readonly target: "acquire" | "executeWithRetry" | "executeHedged",
    readonly label: string,
    readonly make: () => unknown,
    readonly badFn: boolean,
  ) {}
  check = (m: LeaseModel) => !m.shutdown;
  async run(m: LeaseModel, r: LeaseReal): Promise<void> {
    const arg = this.make();
    const call = () => {
      if (this.target === "acquire") return r.manager.acquire(arg as never);
      const fn = (this.badFn ? arg : GOOD_FN) as never;
      const options = (this.badFn ? undefined : arg) as never;
      return this.target === "executeWithRetry"
        ? r.manager.executeWithRetry(fn, options)
        : r.manager.executeHedged(fn, options);
    };
    const outcome = await outcomeOf(call, 2_000);
    if (outcome.kind === "value" && typeof (outcome.value as { release?: unknown })?.release === "function") {
      await (outcome.value as { release(): Promise<void> }).release(); // keep the model's count honest
    }
    if (!isTyped(outcome) || (outcome.kind === "error" && outcome.sync)) {
      throw new Error(`${this}: ${show(outcome)}; expected a rejection with a typed SurrealPoolError`);
    }
    assertConsistent(m, r, this.toString());
  }
  toString = () =>
    this.target === "acquire"
      ? `acquire(${this.label})`
      : this.badFn
        ? `${this.target}(fn: ${this.label})`
        : `${this.target}(fn, ${this.label})`;
}

/** A JWT the handle accepts without asking the server (no claims to disagree with): arguments come first. */
const UNKNOWN_USER = `e30.${Buffer.from(JSON.stringify({ ID: "user:nobody" })).toString("base64url")}.sig`;
const BAD_IDENTITIES: [string, () => unknown][] = [
  ["null", () => null],
  ['"a token string"', () => UNKNOWN_USER],
  ["{}", () => ({})],
  ["{ token: 5 }", () => ({ token: 5 })],
  ['{ token: "not.a-jwt" }', () => ({ token: "not.a-jwt" })],
  ["{ token, access }", () => ({ token: UNKNOWN_USER, access: "account" })],
  ['{ access: "" }', () => ({ access: "" })],
  ["{ access, variables: hostile }", () => ({ access: "account", variables: hostileObject() })],
  ["hostile", () => hostileObject()],
];

/**
 * An end user's handle called with bad arguments: refused (a rejection, typed) before its session is
 * looked for, so no session opens and the pool is untouched. `as()` itself throws at once, typed.
 */
export class BadUserCallCommand implements LeaseCommand {
  constructor(
    readonly target: "as" | "query" | "acquire" | "executeWithRetry" | "transaction",
    readonly label: string,
    readonly make: () => unknown,
  ) {}
  check = (m: LeaseModel) => !m.shutdown;
  async run(m: LeaseModel, r: LeaseReal): Promise<void> {
    const arg = this.make();
    const call = () => {
      if (this.target === "as") return r.manager.as(arg as never);
      const user = r.manager.as({ token: UNKNOWN_USER });
      if (this.target === "query") return user.query("RETURN 1", arg as never);
      if (this.target === "acquire") return user.acquire(arg as never);
      if (this.target === "executeWithRetry") return user.executeWithRetry(GOOD_FN, arg as never);
      return user.transaction(GOOD_FN, arg as never);
    };
    const outcome = await outcomeOf(call, 2_000);
    const syncExpected = this.target === "as";
    if (!isTyped(outcome) || (outcome.kind === "error" && outcome.sync !== syncExpected)) {
      const expected = syncExpected
        ? "a typed error thrown at once"
        : "a rejection with a typed SurrealPoolError";
      throw new Error(`${this}: ${show(outcome)}; expected ${expected}`);
    }
    if (r.manager.healthStatus().users?.cached !== 0) throw new Error(`${this}: a user session was opened`);
    assertConsistent(m, r, this.toString());
  }
  toString = () => (this.target === "as" ? `as(${this.label})` : `as(user).${this.target}(${this.label})`);
}

const pick = (list: [string, () => unknown][]) => fc.constantFrom(...list);

export const badArgCommands: fc.Arbitrary<LeaseCommand>[] = [
  pick(BAD_ACQUIRE).map(([label, make]) => new BadCallCommand("acquire", label, make, false)),
  fc
    .tuple(fc.constantFrom("executeWithRetry" as const, "executeHedged" as const), fc.boolean())
    .chain(([target, badFn]) =>
      pick(badFn ? BAD_FNS : BAD_OPTIONS).map(
        ([label, make]) => new BadCallCommand(target, label, make, badFn),
      ),
    ),
  pick(BAD_IDENTITIES).map(([label, make]) => new BadUserCallCommand("as", label, make)),
  fc
    .tuple(
      fc.constantFrom(
        "query" as const,
        "acquire" as const,
        "executeWithRetry" as const,
        "transaction" as const,
      ),
      pick(BAD_OPTIONS),
    )
    .map(([target, [label, make]]) => new BadUserCallCommand(target, label, make)),
];
