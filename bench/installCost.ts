import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  createScratchApp,
  installSize,
  packTarball,
  readmeInstallLines,
  type ScratchApp,
} from "../test/package/scratchApp.js";
import { median, type Row, round } from "./measure.js";

/** What one fresh Node process pays to load the package (and, for `open`, to open embedded mem://). */
export interface LoadCost {
  importMs: number;
  /** `import()` plus `ConnectionManager.create()` on mem:// (one connection), when measured. */
  openMs?: number;
  /** Resident set size after the import (and the open), MB. */
  rssMb: number;
}

const probe = (open: boolean) => `
const t0 = performance.now();
const { ConnectionManager } = await import("surreal-pool");
const importMs = performance.now() - t0;
let openMs;
if (${open}) {
  const manager = await ConnectionManager.create({ pool: { minConnections: 1, maxConnections: 1 } });
  openMs = performance.now() - t0;
  const rssMb = process.memoryUsage().rss / 1e6;
  await manager.shutdown();
  console.log(JSON.stringify({ importMs, openMs, rssMb }));
} else {
  console.log(JSON.stringify({ importMs, rssMb: process.memoryUsage().rss / 1e6 }));
}
`;

/** Median over `runs` fresh processes (the first run warms the OS file cache and is dropped). */
export async function loadCost(app: ScratchApp, open: boolean, runs: number): Promise<LoadCost> {
  const file = open ? "probe-open.mjs" : "probe-import.mjs";
  await app.write(file, probe(open));
  const samples: LoadCost[] = [];
  for (let i = 0; i <= runs; i++) {
    const { stdout } = await app.node([file], { timeoutMs: 60_000 });
    if (i > 0) samples.push(JSON.parse(stdout) as LoadCost);
  }
  const pick = (key: keyof LoadCost) => median(samples.map((s) => s[key] ?? 0));
  return {
    importMs: pick("importMs"),
    ...(open ? { openMs: pick("openMs") } : {}),
    rssMb: pick("rssMb"),
  };
}

/**
 * A consumer's cost, the README's way: the packed tarball installed into fresh apps with the README's
 * install lines (full: with the embedded engine; ws://-only: without), then fresh processes that
 * import the package. Baselines are the full install and the embedded user (import + open mem://).
 */
export async function installCost(quick: boolean): Promise<Row[]> {
  const runs = quick ? 3 : 10;
  const work = await mkdtemp(path.join(os.tmpdir(), "surreal-pool-bench-install-"));
  let full: ScratchApp | undefined;
  let wsOnly: ScratchApp | undefined;
  try {
    const tarball = await packTarball(work);
    const lines = await readmeInstallLines();
    const wsLine = lines.find((l) => !l.includes("@surrealdb/node"));
    if (!wsLine) throw new Error("README's Install section has no ws://-only line");
    full = await createScratchApp(tarball, lines[0]!);
    wsOnly = await createScratchApp(tarball, wsLine);
    const [fullSize, wsSize] = await Promise.all([installSize(full.dir), installSize(wsOnly.dir)]);
    const wsImport = await loadCost(wsOnly, false, runs);
    const embeddedImport = await loadCost(full, false, runs);
    const embeddedOpen = await loadCost(full, true, runs);
    const bareNode = await bareNodeRss(full, runs);
    return [
      {
        bench: "install-cost",
        subject: "surreal-pool ws://-only install",
        baseline: "full install (with @surrealdb/node)",
        unit: "MB",
        subjectValue: round(wsSize.megabytes),
        baselineValue: round(fullSize.megabytes),
        ratio: round(wsSize.megabytes / fullSize.megabytes),
        packagesWsOnly: wsSize.packages,
        packagesFull: fullSize.packages,
        installMsWsOnly: Math.round(wsOnly.installMs),
        installMsFull: Math.round(full.installMs),
      },
      {
        bench: "import-cost",
        subject: "import('surreal-pool'), ws://-only install",
        baseline: "embedded user: import + open mem://",
        unit: "ms",
        subjectValue: round(wsImport.importMs),
        baselineValue: round(embeddedOpen.openMs ?? 0),
        ratio: round(wsImport.importMs / (embeddedOpen.openMs ?? 1)),
        rssMbWsOnly: round(wsImport.rssMb),
        rssMbEmbeddedOpen: round(embeddedOpen.rssMb),
        importMsFullInstall: round(embeddedImport.importMs),
        rssMbImportFullInstall: round(embeddedImport.rssMb),
        rssMbBareNode: round(bareNode),
        processes: runs,
      },
    ];
  } finally {
    await full?.remove();
    await wsOnly?.remove();
    await rm(work, { recursive: true, force: true });
  }
}

async function bareNodeRss(app: ScratchApp, runs: number): Promise<number> {
  await app.write(
    "probe-bare.mjs",
    "console.log(JSON.stringify({ rssMb: process.memoryUsage().rss / 1e6 }));\n",
  );
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await app.node(["probe-bare.mjs"]);
    samples.push((JSON.parse(stdout) as { rssMb: number }).rssMb);
  }
  return median(samples);
}
