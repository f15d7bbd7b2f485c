import { layoutMachine } from "./layout.js";
import { loadMachines } from "./loadMachines.js";
import { machineGraph } from "./machineGraph.js";
import { readmeOf } from "./readme.js";
import { toMermaid } from "./toMermaid.js";
import { toSvg } from "./toSvg.js";

/**
 * Every file of `visualizations/` that is derived from the machines, by name, rendered in memory.
 * `npm run visualize` writes them; test/visual/diagrams.test.ts compares them with what is committed.
 */
export async function renderDiagrams(root: string): Promise<Map<string, string>> {
  const machines = await loadMachines(root);
  const files = new Map<string, string>();
  const entries = [];
  for (const { name, source, machine } of machines) {
    const graph = machineGraph(machine);
    const mermaid = toMermaid(graph, source);
    files.set(`${name}.mmd`, mermaid);
    files.set(`${name}.svg`, toSvg(layoutMachine(graph), graph.id));
    entries.push({ name, source, mermaid, states: countStates(graph.root), transitions: graph.edges.length });
  }
  files.set("README.md", readmeOf(entries));
  return files;
}

function countStates(box: { children: { children: unknown[] }[] }): number {
  return box.children.reduce((n, c) => n + 1 + countStates(c as typeof box), 0);
}
