// The renewal schedule against its model: whatever order sign-ins, expiry refusals and the clock come
// in, a connection is renewed before its token's exp and before a learned session lifetime runs out,
// what one connection learns reaches the other, and nothing is renewed early.
import fc from "fast-check";
import { describe, it } from "vitest";
import { Advance, Check, Refuse, SignIn, setup } from "./renewalCommands.js";

const which = fc.constantFrom<0 | 1>(0, 1);

describe("renewal schedule against its model", () => {
  it("renews in time and never early, on every sequence of sign-ins, refusals and clock ticks", () => {
    const commands = fc.commands(
      [
        fc.integer({ min: 0, max: 400_000 }).map((ms) => new Advance(ms)),
        fc.integer({ min: 0, max: 3_000 }).map((ms) => new Advance(ms)),
        fc
          .tuple(which, fc.option(fc.integer({ min: 1, max: 7_200_000 }), { nil: undefined }))
          .map(([w, life]) => new SignIn(w, life)),
        which.map((w) => new Refuse(w)),
        which.map((w) => new Check(w)),
      ],
      { maxCommands: 80 },
    );
    fc.assert(
      fc.property(commands, (cmds) => {
        fc.modelRun(setup, cmds);
      }),
      { numRuns: 300 },
    );
  });
});
