import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../package/scratchApp.js";
import { publicExports } from "./publicExports.js";

/**
 * The README's "API" section is the list a user reads to know what the package has: every name
 * src/index.ts exports is on it, and nothing else is. A line names one export, or an error class and
 * its guard: "- `Name`: what it is." or "- `XError`, `isXError`: when it is thrown."
 */
function readmeApiList(): string[] {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const section = /^## API\n([\s\S]*?)^## /m.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "## API" section');
  const names: string[] = [];
  for (const line of section.split("\n")) {
    const head = /^- ((?:`[\w$]+`, )*`[\w$]+`): \S/.exec(line)?.[1];
    if (head) names.push(...head.split(", ").map((n) => n.slice(1, -1)));
    else if (line.startsWith("- ")) throw new Error(`README "API": a line that names no export: ${line}`);
  }
  return names;
}

describe("README API list", () => {
  it("names every export of src/index.ts, and nothing else, once each", () => {
    const listed = readmeApiList();
    const exported = publicExports();
    const twice = listed.filter((name, i) => listed.indexOf(name) !== i);
    expect(twice, "listed more than once").toEqual([]);
    expect(
      exported.filter((name) => !listed.includes(name)),
      "exported, missing from the README",
    ).toEqual([]);
    expect(
      listed.filter((name) => !exported.includes(name)),
      "in the README, not exported",
    ).toEqual([]);
  }, 60_000);
});
