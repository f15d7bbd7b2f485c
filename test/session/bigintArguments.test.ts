// BigInt arguments to agent sessions: a typed error that names the value, never JSON's
// `TypeError: Do not know how to serialize a BigInt`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isArgumentError } from "../../src/errors/ArgumentError.js";
import { AgentSession, ConnectionManager, isTransactionLogError } from "../../src/index.js";

let manager: ConnectionManager;
beforeAll(async () => {
  manager = await ConnectionManager.create({ pool: { minConnections: 1, maxConnections: 2 } });
});
afterAll(async () => {
  await manager.shutdown({ timeoutMs: 2_000 });
});

describe("BigInt arguments of agent sessions", () => {
  it("AgentSession.create: an ArgumentError naming the bigint", async () => {
    const byId = await AgentSession.create({ id: 5n as unknown as string, manager, namespace: "x" }).catch(
      (e) => e,
    );
    expect(isArgumentError(byId)).toBe(true);
    expect((byId as Error).message).toContain("5n (a bigint)");
    const byNamespace = await AgentSession.create({
      id: "a",
      manager,
      namespace: 7n as unknown as string,
    }).catch((e) => e);
    expect(isArgumentError(byNamespace)).toBe(true);
  });

  it("recordTransaction: a TransactionLogError naming the bigint, nothing recorded", async () => {
    const session = await AgentSession.create({ id: "bigint-agent", manager, namespace: "x" });
    try {
      for (const operation of [{ type: "write", path: 5n }, { type: 9n }]) {
        let error: unknown;
        try {
          session.recordTransaction(operation as never);
        } catch (e) {
          error = e;
        }
        expect(isTransactionLogError(error)).toBe(true);
        expect((error as Error).message).toContain("(a bigint)");
      }
      expect(session.transactionHistory()).toEqual([]);
    } finally {
      await session.close();
    }
  });
});
