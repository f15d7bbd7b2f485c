// Fuzzing the agent-session API with fast-check (issue 10, build item 4); see manager.fuzz.test.ts.
import { describe, expect, it } from "vitest";
import { AgentSession, ConnectionManager, isSurrealPoolError } from "../../src/index.js";
import { explain, fuzzSeed, runFuzz } from "./fuzz.js";

const seed = fuzzSeed();
const TIMEOUT = 120_000;

describe(`fuzzing agent sessions (FUZZ_SEED=${seed})`, () => {
  it(
    "random sequences of valid calls (release twice, use after release, settle twice, close and shutdown in between): results or typed errors, counts consistent",
    async () => {
      const r = await runFuzz("sessionMisuse", seed);
      expect(r.failed, explain("sessionMisuse", r)).toBe(false);
    },
    TIMEOUT,
  );

  // Regression (issue 10, findings 4 and 6): before the core fix, AgentSession.create(.., null),
  // restore(.., null), session.acquire(null) and close(null) reject with TypeErrors; a bogus signal
  // leaks the session's fairness slot.
  it(
    "bad arguments to every agent-session function: a typed rejection, and no state changes",
    async () => {
      const r = await runFuzz("sessionBadArguments", seed);
      expect(r.failed, explain("sessionBadArguments", r)).toBe(false);
    },
    TIMEOUT,
  );

  // Found by the fuzzer (sessionMisuse, shrunk to [manager.shutdown, AgentSession.create]): a manager that
  // was shut down still opens agent sessions. Fixed by issue 15 item 7 (atomic shutdown:
  // every new acquire, the pool's and the sessions', refused with PoolClosedError) is fixed.
  it("AgentSession.create on a manager that was shut down is refused with a typed error", async () => {
    const manager = await ConnectionManager.create({ pool: { minConnections: 1 } });
    await manager.shutdown();
    const outcome = await AgentSession.create("late", manager, "late_ns").then(
      async (session) => {
        await session.close().catch(() => undefined);
        return session;
      },
      (error: unknown) => error,
    );
    expect(isSurrealPoolError(outcome), String(outcome)).toBe(true);
  });
});
