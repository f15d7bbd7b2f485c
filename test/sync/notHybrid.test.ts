import { afterEach, describe, expect, it } from "vitest";
import type { ConnectionManager, PoolEvent } from "../../src/index.js";
import { createManager } from "../integration/helpers.js";

/**
 * syncNow() outside hybrid mode: no remote exists, so none is behind. It resolves at once with an empty
 * report (no sync events, nothing else changes), so code that runs in every mode needs no branch.
 */
describe("syncNow() outside hybrid mode", () => {
  let manager: ConnectionManager | undefined;
  afterEach(async () => {
    await manager?.shutdown({ timeoutMs: 1_000 });
    manager = undefined;
  });

  it("local mode: { ok: true, remotes: [] } at once, no sync events, no sync health", async () => {
    manager = await createManager();
    const events: PoolEvent[] = [];
    manager.events$.subscribe((e) => events.push(e));
    const reports = await Promise.all([manager.syncNow(), manager.syncNow()]);
    expect(reports).toEqual([
      { ok: true, remotes: [] },
      { ok: true, remotes: [] },
    ]);
    expect(events.filter((e) => e.type.startsWith("sync."))).toEqual([]);
    expect(manager.healthStatus().sync).toBeUndefined();
    await manager.shutdown();
    expect(await manager.syncNow()).toEqual({ ok: true, remotes: [] });
  });
});
