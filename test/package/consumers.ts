// The programs a consumer writes, one per module system. Each opens an embedded mem:// pool (or the
// ws:// URL in SURREAL_URL), writes and reads through it, shuts down, and prints one JSON line. The
// process must then exit by itself: a pool that kept it alive would fail the test by timing out.

/**
 * Is the embedded engine's native library mapped into this process? (ESM has no require.cache.) Null
 * where the runtime's process report lists no shared objects (Deno).
 */
const nativeLoaded = (report: string) =>
  `() => { const so = ${report}.sharedObjects; return Array.isArray(so) ? so.some((p) => p.includes("surrealdb-node")) : null; }`;

const body = (kind: string, report = "process.report.getReport()") => `
const loaded = ${nativeLoaded(report)};
const nativeAfterImport = loaded();
const endpoint = process.env.SURREAL_URL ?? "mem://";
const manager = await ConnectionManager.create({
  mode: { kind: "local", endpoint },
  ...(process.env.SURREAL_URL ? { credentials: { username: "root", password: "root" } } : {}),
  namespace: process.env.SURREAL_NS ?? "consumer",
  database: "main",
  pool: { minConnections: 1, maxConnections: 2 },
});
const [, selected] = await manager.executeWithRetry((db) =>
  db.query("CREATE item:1 SET n = 41 + 1; SELECT n FROM item:1"),
);
const report = await manager.shutdown({ timeoutMs: 5_000 });
console.log(JSON.stringify({
  kind: ${JSON.stringify(kind)},
  n: selected[0].n,
  abandoned: report.abandoned.length,
  nativeAfterImport,
  nativeAfterCreate: loaded(),
  isSurrealPoolError: isSurrealPoolError(new Error("x")),
}));
`;

export const esmConsumer = `import { ConnectionManager, isSurrealPoolError } from "surreal-pool";
${body("esm")}`;

/** CommonJS: `require()` of the ES module package (Node 20.19+/22.12+), top-level await unavailable. */
export const cjsConsumer = `"use strict";
const { ConnectionManager, isSurrealPoolError } = require("surreal-pool");
(async () => {
${body("cjs")}
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;

/** TypeScript, strict, NodeNext, in an ESM app. The types must carry a query result through. */
export const tsConsumer = `import { ConnectionManager, isSurrealPoolError, type HealthStatus, type Lease } from "surreal-pool";
import { connectionMachine } from "surreal-pool/machines";

const machineId: string = connectionMachine.id;
${body("ts", "(process.report.getReport() as { sharedObjects?: string[] })").replace(
  'db.query("CREATE item:1 SET n = 41 + 1; SELECT n FROM item:1")',
  'db.query<[unknown, { n: number }[]]>("CREATE item:1 SET n = 41 + 1; SELECT n FROM item:1")',
)}
const health: HealthStatus = manager.healthStatus();
const useLease = async (lease: Lease): Promise<void> => lease.release();
void useLease;
void health;
void machineId;

// Compiled, never called: what the public types must refuse. An unused @ts-expect-error is itself an
// error, so each line fails the type-check if the type lets it through.
async function refusedByTheTypes(lease: Lease): Promise<void> {
  // @ts-expect-error a lease does not expose its connection (it reaches the raw session)
  void lease.connection;
  // @ts-expect-error ending a lease from the pool's side is the pool's
  lease.revoke("shutdown");
  // @ts-expect-error nor does it expose its call tracking
  void lease.track(Promise.resolve(1));
  // @ts-expect-error a number is not a logger
  await ConnectionManager.create({ logger: 42 });
  // What a logger needs, and all it needs: pino's call shapes (a pino logger passes as it is).
  const quiet = { child: () => quiet, debug() {}, info() {}, warn(_: object | string) {}, error() {} };
  await ConnectionManager.create({ logger: quiet });
  const report = await manager.syncNow();
  for (const remote of report.remotes) if (remote.error) console.log(remote.error.stage, remote.error.remote);
}
void refusedByTheTypes;
`;

/** TypeScript compiled to CommonJS (a .cts file): TypeScript 5.8+ types require() of an ES module. */
export const ctsConsumer = `import { ConnectionManager, isConfigError } from "surreal-pool";

export async function main(): Promise<string> {
  try {
    await ConnectionManager.create({ pool: { minConnections: 3, maxConnections: 1 } });
    return "accepted bad options";
  } catch (error) {
    return isConfigError(error) ? "ConfigError" : String(error);
  }
}
main().then((result) => console.log(JSON.stringify({ kind: "cts", result })));
`;

/** The consumers' tsconfig: strict, NodeNext; the test sets `skipLibCheck` and `exactOptionalPropertyTypes`. */
export const tsconfig = {
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2022"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noUncheckedIndexedAccess: false,
    skipLibCheck: false,
    types: ["node"],
    outDir: "build",
  },
  include: ["consumer.ts", "consumer.cts"],
};

/** ws:// with `pool.allowExitOnIdle`, never shut down: it should exit by itself after its last line. */
export const idleConsumer = `import { ConnectionManager } from "surreal-pool";
const manager = await ConnectionManager.create({
  mode: { kind: "local", endpoint: process.env.SURREAL_URL },
  credentials: { username: "root", password: "root" },
  pool: { minConnections: 1, maxConnections: 2, allowExitOnIdle: true },
});
await manager.query("RETURN 1");
console.log(JSON.stringify({ idle: Date.now() }));
`;
