// A process that uses the embedded engine on a table with a change feed, hard: writers, a live query
// (which reads SHOW CHANGES), then exits. Its stderr is a pipe its parent reads slowly
// (test/connection/stderrPipe.test.ts): the engine's debug dump on every such commit must not abort it.
import { ConnectionManager } from "../../src/index.js";

const manager = await ConnectionManager.create({
  namespace: "t",
  database: "t",
  pool: { maxConnections: 8 },
});
await manager.executeWithRetry((db) => db.query("DEFINE TABLE fed CHANGEFEED 1h"));
let notified = 0;
const subscription = manager.live("fed").subscribe(() => notified++);
const end = performance.now() + 1_500;
await Promise.all(
  Array.from({ length: 8 }, async (_, w) => {
    for (let i = 0; performance.now() < end; i++) {
      await manager.executeWithRetry((db) => db.query(`CREATE fed:w${w}_${i} SET n = ${i}`));
    }
  }),
);
subscription.unsubscribe();
await manager.shutdown({ timeoutMs: 5_000 });
console.log(JSON.stringify({ done: true, notified }));
