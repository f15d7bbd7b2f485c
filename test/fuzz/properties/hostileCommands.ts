// A user's fn that throws a hostile value (issue 10, finding 6): an object whose getters throw. The call
// must still settle (with that value or a typed error), return its lease, and leave nothing unhandled.
import fc from "fast-check";
import { isTyped, outcomeOf, show } from "../outcome.js";
import { hostileThrowable } from "../values.js";
import {
  assertConsistent,
  assertConsistentSoon,
  type LeaseModel,
  type LeaseReal,
  MAX_CONNECTIONS,
} from "./leaseWorld.js";

export class HostileThrowCommand implements fc.AsyncCommand<LeaseModel, LeaseReal> {
  constructor(readonly hedged: boolean) {}
  check = (m: LeaseModel) => !m.shutdown && m.held < MAX_CONNECTIONS;
  async run(m: LeaseModel, r: LeaseReal): Promise<void> {
    const thrown = hostileThrowable();
    const fn = async () => Promise.reject(thrown);
    const outcome = await outcomeOf(
      () => (this.hedged ? r.manager.executeHedged(fn) : r.manager.executeWithRetry(fn)),
      2_000,
    );
    const ok = outcome.kind === "error" && !outcome.sync && (outcome.error === thrown || isTyped(outcome));
    if (!ok) throw new Error(`${this}: ${show(outcome)}; expected the thrown value or a typed error`);
    if (this.hedged) await assertConsistentSoon(m, r, this.toString());
    else assertConsistent(m, r, this.toString());
  }
  toString = () =>
    `${this.hedged ? "executeHedged" : "executeWithRetry"}(fn throws an object whose getters throw)`;
}

export const hostileCommands = [fc.boolean().map((h) => new HostileThrowCommand(h))];
