// The nemesis kills the client: a hybrid-mode process (embedded surrealkv:// store, 20 workers writing,
// shipping to two remotes every 300 ms) is SIGKILLed mid-run at a seeded moment, with one remote down
// across the kill (killed before, restarted after the client came back). The restarted process must ship
// everything: every acknowledged write is in the local store and on both remotes, which end identical.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { type JsonLinesChild, spawnJsonLinesChild } from "../support/jsonLinesChild.js";
import { closeQuietly, connectWs } from "../support/wsClient.js";
import { pick } from "./chaosSize.js";
import { chaosSeed, seededRandom } from "./prng.js";
import { DB, itemValue, NS } from "./writes.js";

const WRITER = fileURLToPath(new URL("./hybridWriter.ts", import.meta.url));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
type Item = { w: number; s: number; v: string };

async function remoteItems(url: string): Promise<Item[]> {
  const db = await connectWs(url, {
    namespace: NS,
    database: DB,
    auth: { username: "root", password: "root" },
  });
  try {
    const [rows] = await db.query<[Item[]]>("SELECT w, s, v FROM item ORDER BY w, s");
    return rows;
  } catch (error) {
    if ((error as { kind?: unknown }).kind === "NotFound") return [];
    throw error;
  } finally {
    await closeQuietly(db);
  }
}

describe("nemesis: the hybrid client process SIGKILLed mid-run, a remote down across the kill", () => {
  const seed = chaosSeed();
  const random = seededRandom(seed);
  const rounds = pick(1, 3);
  const dirs = Array.from({ length: 3 }, () => mkdtempSync(join(tmpdir(), "surreal-pool-hybrid-kill-")));
  const children: JsonLinesChild[] = [];
  let remotes: EndpointHandle[] = [];

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    await Promise.all(remotes.map((r) => r.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it(
    `every acknowledged write reaches the local store and both remotes (CHAOS_SEED=${seed}, ${rounds} kill${rounds > 1 ? "s" : ""})`,
    async () => {
      remotes = await Promise.all([1, 2].map((i) => startEndpoint({ store: `surrealkv://${dirs[i]}` })));
      const args = ["--dir", dirs[0]!, "--remotes", remotes.map((r) => r.url).join(",")];
      const acked = new Set<string>();
      const plan: string[] = [];
      for (let round = 0; round < rounds; round++) {
        const writer = spawnJsonLinesChild(WRITER, [...args, "--mode", "write"]);
        children.push(writer);
        await writer.waitFor((l) => l.ready === true, 30_000);
        const downAfter = random.int(300, 1_200);
        const killAfter = downAfter + random.int(800, 2_500);
        const victim = random.pick(remotes);
        plan.push(
          `remote ${remotes.indexOf(victim)} down at ${downAfter} ms, client killed at ${killAfter} ms`,
        );
        await sleep(downAfter);
        await victim.kill();
        await sleep(killAfter - downAfter);
        await writer.kill();
        for (const line of writer.lines) if (Array.isArray(line.ack)) acked.add(line.ack.join(":"));
        // The remote stays down while the client comes back, and returns a seeded moment later.
        const resumer = spawnJsonLinesChild(WRITER, [...args, "--mode", "resume"]);
        children.push(resumer);
        await resumer.waitFor((l) => l.ready === true, 30_000);
        await sleep(random.int(200, 1_000));
        await victim.restart();
        const done = await resumer.waitFor((l) => l.done === true, 45_000);
        const exit = await Promise.race([resumer.exited, sleep(5_000).then(() => undefined)]);
        expect(exit, "the resumed process exits by itself after shutdown()").toMatchObject({ code: 0 });
        expect(done.unsynced).toEqual([]);
        const caughtUp = resumer.lines.find((l) => "local" in l)!;
        expect(caughtUp.caughtUp).toBe(true);
        const local = caughtUp.local as Item[];

        const present = new Map(local.map((i) => [`${i.w}:${i.s}`, i.v]));
        const lost = [...acked].filter((k) => {
          const [w, s] = k.split(":").map(Number) as [number, number];
          return present.get(k) !== itemValue(w, s);
        });
        console.log(
          `hybrid kill CHAOS_SEED=${seed} round ${round + 1}: ${plan[round]}; acked so far ${acked.size}, local ${local.length}, lost ${lost.length}`,
        );
        expect(lost).toEqual([]);
        expect(acked.size).toBeGreaterThan(0);
        for (const remote of remotes) expect(await remoteItems(remote.url)).toEqual(local);
      }
    },
    pick(120_000, 300_000),
  );
});
