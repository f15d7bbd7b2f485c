// Spawns runProperty.ts for one property and returns its result; a seed from FUZZ_SEED replays a run.
import { fileURLToPath } from "node:url";
import { spawnJsonLinesChild } from "../support/jsonLinesChild.js";
import { PROPERTIES, type PropertyName } from "./registry.js";

const RUNNER = fileURLToPath(new URL("./runProperty.ts", import.meta.url));

export interface FuzzResult {
  failed: boolean;
  interrupted: boolean;
  numRuns: number;
  numShrinks: number;
  seed: number;
  path?: string;
  counterexample?: string;
  error?: string;
}

export function fuzzSeed(): number {
  const given = process.env.FUZZ_SEED;
  return given ? Number(given) : Math.floor(Math.random() * 0x7fff_ffff);
}

export async function runFuzz(name: PropertyName, seed: number): Promise<FuzzResult> {
  const scale = Number(process.env.FUZZ_RUNS_SCALE ?? 1);
  const runs = Math.max(1, Math.round(PROPERTIES[name].runs * scale));
  const child = spawnJsonLinesChild(RUNNER, [name, String(seed), String(runs)]);
  try {
    const line = await child.waitFor((l) => "result" in l, 110_000);
    return line.result as FuzzResult;
  } finally {
    await child.kill();
  }
}

/** The failure, with what replays it. */
export function explain(name: string, r: FuzzResult): string {
  return [
    `fuzz property "${name}" failed after ${r.numRuns} runs (${r.numShrinks} shrinks)${r.interrupted ? ", interrupted" : ""}`,
    `replay: FUZZ_SEED=${r.seed} npx vitest run test/fuzz  (fast-check path ${r.path})`,
    `counterexample: ${r.counterexample}`,
    `error: ${r.error}`,
  ].join("\n");
}
