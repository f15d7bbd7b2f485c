// fast-check model of UserSessions, the cache that decides which session an end user's call runs on.
// Random sequences of calls (stateless and leases) of a few identities (tokens expiring at different
// times, credentials signed in once, credentials the server refuses), ends of calls (clean, with changes
// to undo, signed in as someone else, tainted), dropped transports (told or silent), expiry, logout and
// server refusals, against fake sessions that record who they were authenticated as. After every step:
// every session handed out was authenticated as exactly the caller, with its token, and never handed to
// another identity; the sessions open are exactly the model's (so forgotten, expired, refused and dropped
// sessions are closed when they must be, and kept otherwise), never more than maxSessions; the least
// recently used identity's idle session is the one evicted for room; a call waits only when every
// session is in use; and the events' `cached` is the number of sessions open.
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type Death,
  DropCommand,
  EndCallCommand,
  ExpireCommand,
  ForgetCommand,
  type LeaseEnd,
  RefuseCommand,
  RefuseRunningCommand,
  TakeCommand,
} from "./userSessions/commands.js";
import { newRun, START, shutdown, type UsersModel, type UsersReal } from "./userSessions/model.js";

/** Identities 0-5 (t1h, t3h, tnoexp, ann, bob, eve): the ones that live longest come up most. */
/** LOAD=long runs ten times as many cases. */
const SCALE = process.env.LOAD === "long" ? 10 : 1;

const ident = fc.constantFrom(0, 1, 2, 2, 3, 3, 4, 5);
const ends: LeaseEnd[] = ["clean", "clean", "vars", "use", "auth", "tainted"];

const commands = fc.commands<UsersModel, UsersReal, false>(
  [
    fc.tuple(ident, fc.boolean()).map(([i, exclusive]) => new TakeCommand(i, exclusive)),
    fc.tuple(ident, fc.boolean()).map(([i, exclusive]) => new TakeCommand(i, exclusive)),
    fc.tuple(ident, fc.boolean()).map(([i, exclusive]) => new TakeCommand(i, exclusive)),
    fc.tuple(ident, fc.boolean()).map(([i, exclusive]) => new TakeCommand(i, exclusive)),
    fc.tuple(fc.nat(), fc.constantFrom(...ends)).map(([n, how]) => new EndCallCommand(n, how)),
    fc.tuple(fc.nat(), fc.constantFrom(...ends)).map(([n, how]) => new EndCallCommand(n, how)),
    fc.tuple(fc.nat(), fc.constantFrom(...ends)).map(([n, how]) => new EndCallCommand(n, how)),
    fc
      .tuple(fc.nat(), fc.constantFrom<Death>("dropped", "dropped", "silently", "signedOut", "renewed"))
      .map(([n, how]) => new DropCommand(n, how)),
    fc.tuple(ident, fc.constantFrom(-1, 0, 1, 60_000)).map(([i, offset]) => new ExpireCommand(i, offset)),
    ident.map((i) => new ForgetCommand(i)),
    ident.map((i) => new RefuseCommand(i)),
    fc.nat().map((n) => new RefuseRunningCommand(n)),
  ],
  { maxCommands: 50, size: "medium" },
);

describe("UserSessions against its model", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout", "performance"], now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("hands each call a session of its own identity, bounded, expiring, forgotten and dropped as the model says", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), commands, async (max, cmds) => {
        let run: { model: UsersModel; real: UsersReal } | undefined;
        await fc.asyncModelRun(() => {
          run = newRun(max);
          return run;
        }, cmds);
        await shutdown(run!.model, run!.real);
      }),
      { numRuns: 200 * SCALE },
    );
  });

  it("a call makes its identity the most recently used: the idle session evicted for room is another's", async () => {
    const [tnoexp, ann, bob] = [2, 3, 4];
    const { model, real } = newRun(2);
    await fc.asyncModelRun(
      () => ({ model, real }),
      [
        new TakeCommand(ann, false),
        new EndCallCommand(0, "clean"),
        new TakeCommand(bob, false),
        new EndCallCommand(0, "clean"),
        new TakeCommand(ann, false), // reused: ann is now the most recently used
        new EndCallCommand(0, "clean"),
        new TakeCommand(tnoexp, false), // at the bound: bob's idle session goes, not ann's
      ],
    );
    const evicted = real.events.filter((e) => e.type === "user.session.evicted");
    expect(evicted.map((e) => [e.user, e.reason])).toEqual([[real.specs[bob]!.parsed.id, "lru"]]);
    await shutdown(model, real);
  });
});
