// One model-based property (fc.commands) over a fresh live manager per run: build the world, run the
// sequence, then the world's own end-of-run checks. A failing run still shuts its manager down.
import fc from "fast-check";
import type { ConnectionManager } from "../../../src/index.js";
import { troubleMark } from "../trouble.js";

export interface World<M extends object, R extends { manager: ConnectionManager }> {
  create(): Promise<{ model: M; real: R }>;
  /** Checks after the sequence (nothing leaked, nothing escaped since `mark`), and shuts down. */
  finish(model: M, real: R, mark: number): Promise<void>;
}

export function modelProperty<M extends object, R extends { manager: ConnectionManager }>(
  world: World<M, R>,
  commands: fc.Arbitrary<fc.AsyncCommand<M, R>>[],
) {
  return fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (sequence) => {
    const mark = troubleMark();
    const { model, real } = await world.create();
    try {
      await fc.asyncModelRun(() => ({ model, real }), sequence);
    } catch (error) {
      await real.manager.shutdown({ timeoutMs: 500 }).catch(() => undefined);
      throw error;
    }
    await world.finish(model, real, mark);
  });
}
