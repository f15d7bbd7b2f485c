import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { AnyStateMachine } from "xstate";

export interface MachineSource {
  /** File name without `.machine.ts`: `connection`, `circuitBreaker`, ... */
  name: string;
  /** Path relative to the repository root, for the "generated from" line. */
  source: string;
  machine: AnyStateMachine;
}

/**
 * Every machine exported by `machines/*.machine.ts`, found by looking rather than by a list, so a new
 * machine gets its diagram (and the staleness test) without anyone remembering to add it.
 */
export async function loadMachines(root: string): Promise<MachineSource[]> {
  const dir = join(root, "machines");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".machine.ts")).sort();
  const found: MachineSource[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
    const machines = Object.values(module).filter(isMachine);
    const stem = basename(file, ".machine.ts");
    for (const machine of machines) {
      // One machine per file is the convention; a second one is named by its id.
      const name = machines.length === 1 ? stem : `${stem}.${machine.id}`;
      found.push({ name, source: `machines/${file}`, machine });
    }
  }
  return found;
}

function isMachine(value: unknown): value is AnyStateMachine {
  return (
    typeof value === "object" &&
    value !== null &&
    "root" in value &&
    "config" in value &&
    typeof (value as { provide?: unknown }).provide === "function"
  );
}
