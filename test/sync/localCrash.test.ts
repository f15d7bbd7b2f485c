import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EndpointHandle } from "../support/endpoint.js";
import { spawnHybridChild } from "./childProcess.js";
import { client, closeQuietly, contents, startEndpoints, tempDir } from "./helpers.js";

// The local process (embedded surrealkv:// store, in a child process) is SIGKILLed in the middle of a
// sync and started again on the same directory: it resumes from the point stored in its local store.
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
    const first = spawnHybridChild([...args, "--writes", "2500"]);
    await first.waitFor((l) => l.written === 2500);
    // Killed after the second batch went out: the first batch's point is stored by then.
    let batches = 0;
    await first.waitFor((l) => l.event === "sync.batch" && ++batches === 2);
    await first.kill();
    expect(first.lines.some((l) => "report" in l)).toBe(false); // it died mid-sync

    const reader = await client(remote.url);
    try {
      const partial = await contents(reader, ["item"]);
      expect(partial.item!.length).toBeGreaterThan(0);
      expect(partial.item!.length).toBeLessThan(2_499);

      const second = spawnHybridChild(args);
      const local = (await second.waitFor((l) => "local" in l)).local as Record<string, unknown[]>;
      const done = await second.waitFor((l) => l.done === true);
      expect(await second.exited).toBe(0);
      expect(done.unsynced).toEqual([]);
      expect(local.item).toHaveLength(2_499);

      // Resumed, not started over: no snapshot copy, and fewer records than were written went out again.
      expect(second.lines.some((l) => l.event === "sync.resynced")).toBe(false);
      const resent = second.lines
        .filter((l) => l.event === "sync.batch")
        .reduce((sum, l) => sum + (l.records as number), 0);
      expect(resent).toBeGreaterThan(0);
      expect(resent).toBeLessThan(2_499);

      expect(await contents(reader, ["item"])).toEqual(local);
    } finally {
      await closeQuietly(reader);
    }
  });
});
