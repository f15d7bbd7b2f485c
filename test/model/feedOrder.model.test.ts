// FeedOrder against its model: changes go out in commit order, once each, with the action their
// notification gave, or as back-filled `update`s after waiting STALL_MS (or at once when forced); a read
// overtaken by another is refused whole.
import fc from "fast-check";
import { afterAll, beforeAll, describe, it, vi } from "vitest";
import {
  AdvanceCommand,
  NoteCommand,
  ReadCommand,
  StaleReadCommand,
  TakeCommand,
} from "./feedOrder/commands.js";
import { setup } from "./feedOrder/model.js";

const action = fc.constantFrom("create" as const, "update" as const);

describe("FeedOrder against its model", () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it("agrees on every sequence of reads, notifications, clock ticks and takes", () => {
    const commands = fc.commands(
      [
        fc
          .array(fc.option(action, { nil: undefined }), { minLength: 1, maxLength: 4 })
          .map((e) => new ReadCommand(e)),
        fc.constant(new StaleReadCommand()),
        fc.tuple(fc.nat(10), action).map(([pick, a]) => new NoteCommand(pick, a)),
        fc.integer({ min: 0, max: 1_500 }).map((ms) => new AdvanceCommand(ms)),
        fc.boolean().map((force) => new TakeCommand(force)),
      ],
      { maxCommands: 40 },
    );
    fc.assert(
      fc.property(commands, (cmds) => {
        fc.modelRun(setup, cmds);
      }),
      { numRuns: 300 },
    );
  });
});
