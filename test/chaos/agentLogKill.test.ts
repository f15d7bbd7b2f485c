// The nemesis kills the client while an agent's log is written: the process is SIGKILLed at seeded
// moments (after a seeded number of flushed entries), restarted, and continues the same log; at the end a
// reader restores it. Every entry whose flush had resolved is there, in order, with its status.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { type JsonLinesChild, spawnJsonLinesChild } from "../support/jsonLinesChild.js";
import { pick } from "./chaosSize.js";
import { chaosSeed, seededRandom } from "./prng.js";

const WRITER = fileURLToPath(new URL("./agentLogWriter.ts", import.meta.url));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("nemesis: the client SIGKILLed while an agent log is written", () => {
  const seed = chaosSeed();
  const random = seededRandom(seed);
  const kills = pick(2, 5);
  const dir = mkdtempSync(join(tmpdir(), "surreal-pool-agent-kill-"));
  const children: JsonLinesChild[] = [];

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    `keeps every flushed entry, in order, across ${kills} kills mid-write (CHAOS_SEED=${seed})`,
    async () => {
      const durable: { id: string; status: string }[] = [];
      const killPoints: number[] = [];
      for (let k = 0; k < kills; k++) {
        const writer = spawnJsonLinesChild(WRITER, ["--dir", dir, "--mode", "write"]);
        children.push(writer);
        const ready = await writer.waitFor((l) => l.ready === true, 30_000);
        // What was durable before this run is what it restored (plus, at most, the entry in flight at the kill).
        expect(ready.restored as number).toBeGreaterThanOrEqual(durable.length);
        const after = random.int(5, 40);
        killPoints.push(after);
        let seen = 0;
        await writer.waitFor((l) => "durable" in l && ++seen === after, 30_000);
        await writer.kill();
        for (const line of writer.lines) {
          if ("durable" in line) durable.push({ id: line.durable as string, status: line.status as string });
        }
      }
      const reader = spawnJsonLinesChild(WRITER, ["--dir", dir, "--mode", "read"]);
      children.push(reader);
      const { history } = (await reader.waitFor((l) => "history" in l, 30_000)) as unknown as {
        history: { id: string; status: string }[];
      };
      const exit = await Promise.race([reader.exited, sleep(5_000).then(() => undefined)]);
      console.log(
        `agent log kill CHAOS_SEED=${seed}: killed after ${killPoints.join(", ")} flushed entries; durable ${durable.length}, restored ${history.length}`,
      );
      expect(exit, "the reader exits by itself after shutdown()").toMatchObject({ code: 0 });

      // Every flushed entry, with its status, in the order it was written.
      const position = new Map(history.map((e, i) => [e.id, i]));
      const missing = durable.filter((d) => !position.has(d.id));
      expect(missing).toEqual([]);
      for (const d of durable) expect(history[position.get(d.id)!]!.status).toBe(d.status);
      const order = durable.map((d) => position.get(d.id)!);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      // Nothing twice, and beyond the flushed ones at most the entry in flight at each kill.
      expect(new Set(history.map((e) => e.id)).size).toBe(history.length);
      expect(history.length - durable.length).toBeLessThanOrEqual(kills);
    },
    pick(90_000, 240_000),
  );
});
