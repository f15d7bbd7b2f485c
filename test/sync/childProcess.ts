// Runs test/sync/hybridChild.ts as its own process and reads its JSON lines, through the shared
// test/support/jsonLinesChild.ts.
import { fileURLToPath } from "node:url";
import { type JsonLinesChild, spawnJsonLinesChild } from "../support/jsonLinesChild.js";

const SCRIPT = fileURLToPath(new URL("./hybridChild.ts", import.meta.url));

export function spawnHybridChild(args: string[]): JsonLinesChild {
  return spawnJsonLinesChild(SCRIPT, args);
}
