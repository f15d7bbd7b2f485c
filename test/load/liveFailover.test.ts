// A live query survives the death of its node: registered again on another node of a cluster (one shared
// store), with the writes made during the outage back-filled from the change feed (0 lost, 0 duplicated,
// commit order) or, on a table without one, exactly one explicit gap.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { ConnectionManager } from "../../src/manager/ConnectionManager.js";
import { nodeKillScenario } from "../live/failoverScenario.js";
import { type Cluster, startCluster } from "../support/cluster.js";
import { pick, timeoutFor } from "./loadSize.js";

const dir = mkdtempSync(join(tmpdir(), "surreal-pool-live-load-"));

describe("load: live queries across repeated node kills", () => {
  let cluster: Cluster;
  let manager: ConnectionManager | undefined;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2, store: `surrealkv://${dir}` });
  }, 30_000);
  afterAll(async () => {
    await manager?.shutdown({ timeoutMs: 2_000 }).catch(() => undefined);
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "back-fills the outage's writes exactly once in order with a change feed, and puts one gap in without",
    async () => {
      await nodeKillScenario(cluster, pick(1, 5), (m) => {
        manager = m;
      });
    },
    timeoutFor(90_000, 240_000),
  );
});
