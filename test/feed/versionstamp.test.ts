import { describe, expect, it } from "vitest";
import { parseDurationMs } from "../../src/surreal/feed/duration.js";
import { timeOfVersionstamp, toVersionstamp, versionstampAt } from "../../src/surreal/feed/versionstamp.js";

describe("versionstamps", () => {
  it("are epoch milliseconds shifted 16 bits, plus a per-millisecond counter", () => {
    // Measured on SurrealDB 3.0.2: 117684696182423552 was written at 1795725955... ms.
    const vs = 117684696182423552n;
    expect(timeOfVersionstamp(vs)).toBe(Number(vs >> 16n));
    expect(timeOfVersionstamp(vs + 3n)).toBe(timeOfVersionstamp(vs));
    expect(versionstampAt(timeOfVersionstamp(vs))).toBe(vs);
    expect(versionstampAt(-5)).toBe(0n);
  });

  it("are read from what the SDK and the state table hold", () => {
    expect(toVersionstamp(117684696182423552n)).toBe(117684696182423552n);
    expect(toVersionstamp("117684696182423552")).toBe(117684696182423552n);
    expect(toVersionstamp(42)).toBe(42n);
    expect(() => toVersionstamp("x")).toThrow(/not a versionstamp/);
    expect(() => toVersionstamp(1.5)).toThrow(/not a versionstamp/);
  });
});

describe("SurrealQL durations", () => {
  it("parse to milliseconds", () => {
    expect(parseDurationMs("1h")).toBe(3_600_000);
    expect(parseDurationMs("1d12h")).toBe(129_600_000);
    expect(parseDurationMs("500ms")).toBe(500);
    expect(parseDurationMs("2w")).toBe(1_209_600_000);
    expect(parseDurationMs("1h30x")).toBeUndefined();
    expect(parseDurationMs("")).toBeUndefined();
  });
});
