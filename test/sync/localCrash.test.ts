import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EndpointHandle } from "../support/endpoint.js";
import { spawnHybridChild } from "./childProcess.js";
import { client, closeQuietly, contents, startEndpoints, tempDir } from "./helpers.js";

// The local process (embedded surrealkv:// store, in a child process) is SIGKILLed in the middle of a
// sync and started again on the same directory: it resumes from the point stored in its local store.
/** Writes the first process makes (one record deleted afterwards, so WRITES - 1 remain). */
const WRITES = 4_000;

describe("hybrid mode: the local process killed mid-sync", () => {
  const store = tempDir();
  let remote: EndpointHandle;

  beforeAll(async () => {
    [remote] = await startEndpoints([{}]);
  });

  afterAll(async () => {
    await remote?.stop();
    store.remove();
  });

  it("resumes from the stored point after a restart and the remote ends identical to the local store", async () => {
    const args = ["--dir", store.dir, "--remote", remote.url];
    // Four batches' worth: killed after the second, the child is far from done even when the parent
    // reacts late (a loaded machine), so "it died mid-sync" does not depend on timing.
    const first = spawnHybridChild([...args, "--writes", String(WRITES)]);
    await first.waitFor((l) => l.written === WRITES, 60_000);
    // Killed after the second batch went out: the first batch's point is stored by then.
    let batches = 0;
    await first.waitFor((l) => l.event === "sync.batch" && ++batches === 2, 60_000);
    await first.kill();
    expect(first.lines.some((l) => "report" in l)).toBe(false); // it died mid-sync

    const reader = await client(remote.url);
    try {
      const partial = await contents(reader, ["item"]);
      expect(partial.item!.length).toBeGreaterThan(0);
      expect(partial.item!.length).toBeLessThan(WRITES - 1);

      const second = spawnHybridChild(args);
      const local = (await second.waitFor((l) => "local" in l, 60_000)).local as Record<string, unknown[]>;
      const done = await second.waitFor((l) => l.done === true, 60_000);
      expect((await second.exited).code).toBe(0);
      expect(done.unsynced).toEqual([]);
      expect(local.item).toHaveLength(WRITES - 1);

      // Resumed, not started over: no snapshot copy, and fewer records than were written went out again.
      expect(second.lines.some((l) => l.event === "sync.resynced")).toBe(false);
      const resent = second.lines
        .filter((l) => l.event === "sync.batch")
        .reduce((sum, l) => sum + (l.records as number), 0);
      expect(resent).toBeGreaterThan(0);
      expect(resent).toBeLessThan(WRITES - 1);

      expect(await contents(reader, ["item"])).toEqual(local);
    } finally {
      await closeQuietly(reader);
    }
  }, 90_000);
});
