/**
 * `npm run visualize`: writes visualizations/<machine>.mmd and .svg for every machine in machines/ and
 * visualizations/README.md embedding them, each only when its content changed.
 * Options: --check (write nothing; exit 1 when stale); --dashboard (also take a fresh
 * visualizations/dashboard.png of the live dashboard under the demo workload, where Debian's Chromium
 * is installed: a screenshot differs at every run, so it is only taken when asked for).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CHROMIUM } from "./dashboard/screenshot.js";
import { renderDiagrams } from "./visualize/renderDiagrams.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "visualizations");
const check = process.argv.includes("--check");

const files = await renderDiagrams(root);
await mkdir(out, { recursive: true });
const stale: string[] = [];
for (const [name, content] of files) {
  const path = join(out, name);
  const current = await readFile(path, "utf8").catch(() => undefined);
  if (current === content) continue;
  stale.push(name);
  if (!check) await writeFile(path, content);
}
if (check) {
  console.log(stale.length === 0 ? "visualizations/ is up to date" : `stale: ${stale.join(", ")}`);
  process.exitCode = stale.length === 0 ? 0 : 1;
} else {
  console.log(
    `visualizations/: ${files.size} files, ${stale.length} written${stale.length ? ` (${stale.join(", ")})` : ""}`,
  );
}
if (!check && !process.argv.includes("--dashboard")) {
  console.log("visualizations/dashboard.png kept (npm run visualize -- --dashboard takes a new one)");
} else if (!check) {
  if (existsSync(CHROMIUM)) {
    const args = ["--import", "tsx", join(root, "scripts", "dashboard.ts"), "--seconds=20", "--linger=0"];
    execFileSync(process.execPath, [...args, `--screenshot=${join(out, "dashboard.png")}`], {
      stdio: "inherit",
    });
  } else console.log(`visualizations/dashboard.png kept: ${CHROMIUM} is not installed`);
}
