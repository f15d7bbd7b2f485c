export interface ReadmeEntry {
  name: string;
  source: string;
  mermaid: string;
  states: number;
  transitions: number;
}

/** visualizations/README.md: each machine as the rendered SVG and as Mermaid source (GitHub renders both). */
export function readmeOf(entries: readonly ReadmeEntry[]): string {
  const lines = [
    "# State machine diagrams",
    "",
    "Generated from the machine definitions in `machines/` by `npm run visualize` (scripts/visualize.ts):",
    "each machine's states, nested states, event transitions (with guards), delayed transitions",
    "(`after <delay>`), invoked actors' `onDone` / `onError`, eventless `always` transitions and final",
    "states. Do not edit these files by hand: `test/visual/diagrams.test.ts` regenerates them in memory and",
    "fails when a committed file no longer matches its machine.",
    "",
    "The SVGs are drawn by a small layered layout in `scripts/visualize/` (no browser, no network); the",
    "`.mmd` files are Mermaid `stateDiagram-v2` sources of the same graphs.",
    "",
    "| machine | source | states | transitions |",
    "| ------- | ------ | -----: | ----------: |",
    ...entries.map(
      (e) => `| [${e.name}](#${e.name.toLowerCase()}) | \`${e.source}\` | ${e.states} | ${e.transitions} |`,
    ),
    "",
  ];
  for (const e of entries) {
    lines.push(
      `## ${e.name}`,
      "",
      `![${e.name} state machine](${e.name}.svg)`,
      "",
      `<details><summary>Mermaid source (<a href="${e.name}.mmd">${e.name}.mmd</a>)</summary>`,
      "",
      "```mermaid",
      e.mermaid.trimEnd(),
      "```",
      "",
      "</details>",
      "",
    );
  }
  lines.push(
    "## Live dashboard",
    "",
    "`npm run dashboard` serves a live view of a running pool (connection states, breakers, agent",
    "sessions, throughput, acquire wait, errors). `dashboard.png` is a screenshot `npm run visualize`",
    "takes in headless Chromium while the demo workload runs (`npm run dashboard -- --screenshot=PATH`).",
    "",
    "![dashboard](dashboard.png)",
    "",
  );
  return lines.join("\n");
}
