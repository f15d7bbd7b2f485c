// FeedOrder against its model: commits land in any order within the landing horizon, notifications come
// for some of them in any order; what goes out is every landed commit once, per record in commit order,
// with its action (or marked backfilled, and only after waiting for its notification as the rules say);
// a read overtaken by another is refused whole.
import fc from "fast-check";
import { afterAll, beforeAll, describe, it, vi } from "vitest";
import {
  AdvanceCommand,
  LandCommand,
  NoteCommand,
  OvertakenReadCommand,
  ReadCommand,
  SettleCommand,
  TakeCommand,
} from "./feedOrder/commands.js";
import { RECORDS, setup } from "./feedOrder/model.js";

const land = fc
  .tuple(fc.nat(RECORDS - 1), fc.boolean(), fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4_999 })))
  .map(([record, remove, delay]) => new LandCommand(record, remove, delay));
const read = fc.constantFrom("window" as const, "tail" as const).map((from) => new ReadCommand(from));
// Landings and reads weigh more: a commit that lands late needs a younger one read before it.
const commands = fc.commands(
  [
    land,
    land,
    land,
    read,
    read,
    fc.nat(20).map((pick) => new NoteCommand(pick)),
    fc.nat(20).map((pick) => new NoteCommand(pick)),
    fc.constant(new OvertakenReadCommand()),
    fc.integer({ min: 0, max: 3_000 }).map((ms) => new AdvanceCommand(ms)),
    fc.boolean().map((force) => new TakeCommand(force)),
    fc.constant(new SettleCommand()),
  ],
  { maxCommands: 60 },
);

describe("FeedOrder against its model", () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  for (const originals of [false, true]) {
    it(`agrees on every sequence of late landings, notifications, reads and takes (originals: ${originals})`, async () => {
      await fc.assert(
        fc.asyncProperty(commands, async (cmds) => {
          await fc.asyncModelRun(setup(originals), [...cmds, new SettleCommand()]);
        }),
        { numRuns: 1_000 },
      );
    });
  }
});
