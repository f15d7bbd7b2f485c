// Fuzzing the public API with fast-check (issue 10, build item 4): options and the manager's functions.
// Each property runs in its own child process (test/fuzz/runProperty.ts), so a crash of the library (an
// exception thrown from a timer) fails the property, not the runner. A failure prints its seed and
// fast-check path: FUZZ_SEED=<seed> npx vitest run test/fuzz replays it.
import { describe, expect, it } from "vitest";
import { explain, fuzzSeed, runFuzz } from "./fuzz.js";

const seed = fuzzSeed();
const TIMEOUT = 120_000;

describe(`fuzzing ConnectionManager (FUZZ_SEED=${seed})`, () => {
  it(
    "random and mutated options: create() gives a working manager or a typed error, never a crash or a hang",
    async () => {
      const r = await runFuzz("config", seed);
      expect(r.failed, explain("config", r)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    "random sequences of valid calls (double release, use after release, fns that throw, shutdown in between): results or typed errors, no leaked lease",
    async () => {
      const r = await runFuzz("leaseMisuse", seed);
      expect(r.failed, explain("leaseMisuse", r)).toBe(false);
    },
    TIMEOUT,
  );

  // Regression (issue 10, findings 4 and 6): before the core fix, acquire(null) throws a TypeError at once,
  // acquire({ signal: <not an AbortSignal> }) and { timeoutMs: NaN / -1 / Infinity } are accepted,
  // executeWithRetry(null) and executeWithRetry(fn, null) reject with TypeErrors.
  it(
    "bad arguments to acquire, executeWithRetry, executeHedged, as() and a user's handle: a typed refusal, and no state changes",
    async () => {
      const r = await runFuzz("badArguments", seed);
      expect(r.failed, explain("badArguments", r)).toBe(false);
    },
    TIMEOUT,
  );

  // Regression (issue 10, finding 6): before the core fix, a fn that throws an object whose getters throw makes
  // executeWithRetry reject with the getter's error and leak its lease (inUse stays 1); executeHedged
  // never settles and leaves an unhandled rejection.
  it(
    "fns that throw objects whose getters throw: the call settles, its lease returns, nothing unhandled",
    async () => {
      const r = await runFuzz("hostileThrows", seed);
      expect(r.failed, explain("hostileThrows", r)).toBe(false);
    },
    TIMEOUT,
  );
});
