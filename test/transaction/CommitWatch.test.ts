// The rule of a transaction attempt's commit, whatever reports the failure: once a COMMIT went out and no
// answer of the server said it failed, the attempt never runs again and the caller is told its outcome is
// unknown. (The database is not the subject here: the commit is a promise the test settles.)
import { fc, test } from "@fast-check/vitest";
import { ServerError } from "surrealdb";
import { describe, expect, it } from "vitest";
import { isCommitOutcomeUnknownError } from "../../src/errors/CommitOutcomeUnknownError.js";
import { LeaseReleasedError } from "../../src/errors/LeaseReleasedError.js";
import { OperationTimeoutError } from "../../src/errors/OperationTimeoutError.js";
import { CommitWatch } from "../../src/transaction/CommitWatch.js";

/** Errors that can end an attempt while its commit is in flight, or that a commit can reject with. */
const reporters: Record<string, () => unknown> = {
  deadline: () => new OperationTimeoutError(50, "ws://db"),
  socket: () => Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
  leaseBroken: () => new LeaseReleasedError("c1", "broken"),
  leaseShutdown: () => new LeaseReleasedError("c1", "shutdown"),
  plain: () => new Error("something else"),
  thrownString: () => "not even an error",
};

const conflict = () =>
  new ServerError({
    kind: "Query",
    message: "Transaction conflict: write conflict",
    details: { kind: "TransactionConflict" },
  } as never);

describe("CommitWatch", () => {
  test.prop([fc.constantFrom(...Object.keys(reporters)), fc.boolean()])(
    "a commit in flight, or rejected without the server's answer: outcome unknown, never run again",
    async (name, settleFirst) => {
      const watch = new CommitWatch();
      const error = reporters[name]!();
      let reject!: (e: unknown) => void;
      const sent = watch.commit(() => new Promise<void>((_, r) => (reject = r)));
      sent.catch(() => {});
      if (settleFirst) {
        reject(error);
        await sent.catch(() => {});
      }
      const verdict = watch.verdict(error, "ws://db");
      expect(watch.mayBeApplied).toBe(true);
      expect(verdict.mayRunAgain).toBe(false);
      expect(isCommitOutcomeUnknownError(verdict.error)).toBe(true);
      expect((verdict.error as Error).cause).toBe(error);
    },
  );

  it("before any commit went out the error is judged as usual", () => {
    const watch = new CommitWatch();
    const deadline = new OperationTimeoutError(50, "ws://db");
    expect(watch.verdict(deadline, "ws://db")).toEqual({ error: deadline, mayRunAgain: true });
    const mine = new Error("business rule");
    expect(watch.verdict(mine, "ws://db")).toEqual({ error: mine, mayRunAgain: false });
  });

  it("a commit refused before it left (a lease already ended) sent nothing", () => {
    const watch = new CommitWatch();
    const ended = new LeaseReleasedError("c1", "released");
    expect(() =>
      watch.commit(() => {
        throw ended;
      }),
    ).toThrow(ended);
    expect(watch.sent).toBe(false);
    expect(watch.verdict(ended, "ws://db").error).toBe(ended);
  });

  it("a conflict is the server's answer: not applied, the attempt may run again", async () => {
    const watch = new CommitWatch();
    const error = conflict();
    await expect(watch.commit(() => Promise.reject(error))).rejects.toBe(error);
    expect(watch.mayBeApplied).toBe(false);
    expect(watch.verdict(error, "ws://db")).toEqual({ error, mayRunAgain: true });
  });

  it("after an applied commit, a later error ends the call as it is, never run again", async () => {
    const watch = new CommitWatch();
    await watch.commit(() => Promise.resolve());
    const late = Object.assign(new Error("after the commit"), { code: "ECONNRESET" });
    expect(watch.applied).toBe(true);
    expect(watch.verdict(late, "ws://db")).toEqual({ error: late, mayRunAgain: false });
  });

  it("sees fn end the transaction itself: the first commit or cancel counts, the call goes through", async () => {
    const calls: string[] = [];
    const tx = {
      commit: async () => void calls.push("commit"),
      cancel: async () => void calls.push("cancel"),
      query: async () => void calls.push("query"),
    };
    const watch = new CommitWatch();
    const seen = watch.handFn(tx as never) as unknown as typeof tx;
    await seen.query();
    expect(watch.endedByFn).toBeUndefined();
    await seen.cancel();
    await seen.commit();
    expect(watch.endedByFn).toBe("cancel");
    expect(watch.sent).toBe(false);
    expect(calls).toEqual(["query", "cancel", "commit"]);
  });
});
