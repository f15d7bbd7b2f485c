import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { CHAR_WIDTH, FONT_SIZE } from "../../scripts/visualize/measure.js";
import { renderDiagrams } from "../../scripts/visualize/renderDiagrams.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dir = join(root, "visualizations");
const regenerate = "visualizations/ is stale: run `npm run visualize` and commit the result";

describe("visualizations/ matches the machines", () => {
  let files: Map<string, string>;
  beforeAll(async () => {
    files = await renderDiagrams(root);
  });

  it("has a diagram for every machine in machines/", async () => {
    const machineFiles = (await readdir(join(root, "machines"))).filter((f) => f.endsWith(".machine.ts"));
    for (const file of machineFiles) {
      const name = file.replace(/\.machine\.ts$/, "");
      expect([...files.keys()], `no diagram rendered for ${file}`).toContain(`${name}.mmd`);
    }
  });

  it("every committed file equals its regeneration", async () => {
    for (const [name, content] of files) {
      const committed = await readFile(join(dir, name), "utf8").catch(() => undefined);
      expect(committed, `${name} is missing: ${regenerate}`).toBeDefined();
      expect(committed === content, `${name} differs from its machine: ${regenerate}`).toBe(true);
    }
  });

  it("no diagram is left over from a machine that is gone", async () => {
    const present = (await readdir(dir)).filter((f) => f.endsWith(".mmd") || f.endsWith(".svg"));
    for (const name of present)
      expect(files.has(name), `${name} has no machine any more: ${regenerate}`).toBe(true);
  });

  it("no text runs past the edges of its diagram (labels are not clipped)", () => {
    const clipped: string[] = [];
    for (const [name, svg] of files) {
      if (!name.endsWith(".svg")) continue;
      const width = Number(/<svg[^>]* width="([\d.]+)"/.exec(svg)?.[1]);
      for (const m of svg.matchAll(/<text x="([\d.-]+)"([^>]*)>([^<]*)<\/text>/g)) {
        const [, x, attributes, text] = m;
        const size = Number(/font-size="([\d.]+)"/.exec(attributes!)?.[1] ?? FONT_SIZE);
        const extent = text!.replace(/&\w+;/g, "x").length * CHAR_WIDTH * (size / FONT_SIZE);
        const middle = attributes!.includes('text-anchor="middle"');
        const left = Number(x) - (middle ? extent / 2 : 0);
        const right = Number(x) + (middle ? extent / 2 : extent);
        if (left < 0 || right > width)
          clipped.push(`${name}: "${text}" spans ${left.toFixed(0)}..${right.toFixed(0)} of ${width}`);
      }
    }
    expect(clipped).toEqual([]);
  });

  it("the connection diagram shows delays, invoke outcomes, nesting and final states", () => {
    const mmd = files.get("connection.mmd")!;
    expect(mmd).toContain("stateDiagram-v2");
    expect(mmd).toContain("[*] --> connecting");
    expect(mmd).toContain("connecting --> ready : onDone (open)");
    expect(mmd).toContain("connecting --> failed : onError (open)");
    expect(mmd).toContain("connecting --> failed : after connectTimeout");
    expect(mmd).toContain("ready --> validating : connection.validate");
    expect(mmd).toContain("retiring --> closed : after closeTimeout");
    expect(mmd).toContain("closed --> [*]");
    const svg = files.get("connection.svg")!;
    expect(svg.startsWith("<svg")).toBe(true);
    for (const state of ["connecting", "ready", "validating", "resetting", "retiring", "closed", "failed"]) {
      expect(svg).toContain(`data-id="connection.${state}"`);
    }
    expect(svg).toContain(">after connectTimeout</text>");
  });

  it("the breaker diagram nests open's substates and labels guards", () => {
    const mmd = files.get("circuitBreaker.mmd")!;
    expect(mmd).toContain('state "open" as open {');
    expect(mmd).toContain("[*] --> open_cooling");
    expect(mmd).toContain("closed --> open : breaker.failure [failureTrips]");
    expect(mmd).toContain("open_cooling --> halfOpen : after resetTimeout");
    expect(mmd).toContain("halfOpen : breaker.probe [probeSlotFree]");
  });
});
