// The floors of the source: a folder imports only from its own floor or the floors below it, so the
// core knows no feature and a feature can be read without the ones beside it. Circles are refused on
// every floor, and no file grows past 450 lines. The README's layout section draws the same floors.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { circles, importGraph, sourceFiles } from "./importGraph.js";

/** Lowest first. A path belongs to the floor of the longest prefix that names it. */
const FLOORS: readonly (readonly string[])[] = [
  ["src/errors", "src/util"],
  ["src/config", "src/events", "machines"],
  ["src/core"],
  ["src/surreal"],
  ["src/operations", "src/transaction", "src/live", "src/session", "src/sync", "src/users"],
  ["src/observers", "src/dashboard"],
  ["src/manager", "src/demo", "src/index.ts"],
];

const MAX_LINES = 450;
const root = resolve(import.meta.dirname, "../..");

function floorOf(file: string): number {
  let best = -1;
  let bestLength = -1;
  FLOORS.forEach((prefixes, floor) => {
    for (const prefix of prefixes) {
      if ((file === prefix || file.startsWith(`${prefix}/`)) && prefix.length > bestLength) {
        best = floor;
        bestLength = prefix.length;
      }
    }
  });
  return best;
}

/** Lines as `wc -l` counts them (a final newline ends the last line; it does not start another). */
function lineCount(text: string): number {
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

describe("source floors", () => {
  const files = sourceFiles(root);
  const graph = importGraph(root, files);

  it("every source file is on a floor", () => {
    expect(files.filter((file) => floorOf(file) < 0)).toEqual([]);
  });

  it("no file imports from a floor above its own", () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        if (floorOf(target) > floorOf(file)) upward.push(`${file} -> ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("no import circle", () => {
    expect(circles(graph)).toEqual([]);
  });

  it(`no source file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((file) => [file, lineCount(readFileSync(join(root, file), "utf8"))] as const)
      .filter(([, lines]) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it("the README's layout draws the same floors", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const block = /## Layout\n[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    const drawn = new Map<string, number>();
    let floor = -1;
    for (const line of block.split("\n")) {
      const m = /^(\d)?\s+((?:src\/\w+)|machines)\/?\s/.exec(line);
      if (!m) continue;
      if (m[1] !== undefined) floor = Number(m[1]);
      drawn.set(m[2]!, floor);
    }
    const expected = new Map<string, number>();
    FLOORS.forEach((prefixes, f) => {
      for (const prefix of prefixes) if (!prefix.endsWith(".ts")) expected.set(prefix, f);
    });
    expect(Object.fromEntries(drawn)).toEqual(Object.fromEntries(expected));
  });

  it("the checker sees an upward import and a circle (it can fail)", () => {
    expect(floorOf("src/core/x.ts")).toBeLessThan(floorOf("src/live/y.ts"));
    expect(
      circles(
        new Map([
          ["a", ["b"]],
          ["b", ["a"]],
          ["c", ["a"]],
        ]),
      ),
    ).toEqual([["a", "b"]]);
  });
});
