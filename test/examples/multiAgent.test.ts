import { describe, expect, it } from "vitest";
import { multiAgent } from "../../examples/multiAgent.js";

describe("the README's multi-agent example", () => {
  it("runs as written: isolated namespaces, one committed entry per agent", async () => {
    const result = await multiAgent();
    expect(result.planner.notes).toEqual(["plan: ship it"]);
    expect(result.executor.notes).toEqual(["done: shipped"]);
    for (const { log } of [result.planner, result.executor]) {
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({
        status: "committed",
        operation: { type: "write", contentHash: "abc123" },
      });
    }
  });
});
