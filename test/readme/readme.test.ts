import { readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as packageExports from "../../src/index.js";
import { REPO_ROOT } from "../package/scratchApp.js";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { analyzeBlock, renderBlock } from "./prepareBlock.js";
import { extractBlocks, type ReadmeBlock } from "./readmeBlocks.js";
import { runProgram } from "./runProgram.js";

/**
 * Every ```ts / ```js block of README.md is type-checked (strict, against src/) and run in its own
 * Node process, which must exit 0 by itself within RUN_TIMEOUT_MS. A block that needs a ws:// server
 * gets one loopback endpoint (test/support) per URL it names, with the credentials it signs in with.
 * See test/readme/readmeBlocks.ts for the `<!-- readme-test: ... -->` directives.
 */
const README = path.join(REPO_ROOT, "README.md");
const RUN_TIMEOUT_MS = 60_000;
const blocks = extractBlocks(readFileSync(README, "utf8"));
const exported = new Set(Object.keys(packageExports));
const workDir = path.join(REPO_ROOT, "scratch", `readme-${process.pid}`);

const fileOf = (block: ReadmeBlock) =>
  path.join(workDir, `line-${block.line}`, block.lang === "ts" ? "index.ts" : "index.mjs");
const nameOf = (block: ReadmeBlock) =>
  `README.md:${block.line} (${block.heading})${block.reason ? `: ${block.reason}` : ""}`;

/** `surreal-pool[/sub]` -> this repository's source of that export (package.json `exports`, dist -> src). */
function entryFor(file: string): (subpath: string) => string {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
    exports: Record<string, { import: string } | string>;
  };
  return (subpath) => {
    const target = manifest.exports[subpath ? `./${subpath}` : "."];
    const built = typeof target === "string" ? target : target?.import;
    if (!built) throw new Error(`package.json exports nothing at "surreal-pool/${subpath}"`);
    const source = path.join(REPO_ROOT, built.replace(/^\.\/dist\//, ""));
    const relative = path.relative(path.dirname(file), source);
    return relative.startsWith(".") ? relative : `./${relative}`;
  };
}

async function writeBlock(block: ReadmeBlock, urls?: ReadonlyMap<string, string>): Promise<string> {
  const file = fileOf(block);
  const analysis = analyzeBlock(block.code, block.lang, exported);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    renderBlock(block.code, block.lang, analysis, { entry: entryFor(file), ...(urls ? { urls } : {}) }),
  );
  return file;
}

describe("README.md code blocks", () => {
  const diagnostics = new Map<string, string[]>();

  beforeAll(async () => {
    await rm(workDir, { recursive: true, force: true });
    const files = await Promise.all(blocks.filter((b) => b.mode !== "skip").map((b) => writeBlock(b)));
    const { config } = ts.readConfigFile(path.join(REPO_ROOT, "tsconfig.json"), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, REPO_ROOT);
    const program = ts.createProgram(files, {
      ...options,
      noEmit: true,
      // Examples show values they do not go on to use.
      noUnusedLocals: false,
      noUnusedParameters: false,
      allowJs: true,
      checkJs: true,
      // Node's globals only (no DOM): `alert` or `window` in a Node example must fail.
      lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts"],
    });
    for (const block of blocks.filter((b) => b.mode !== "skip")) {
      const source = program.getSourceFile(fileOf(block));
      const found = source ? ts.getPreEmitDiagnostics(program, source) : [];
      diagnostics.set(
        fileOf(block),
        found.map((d) => {
          const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
          // The harness's additions sit on the program's first line; block line 1 is program line 2.
          const line =
            d.start === undefined
              ? block.line
              : block.line + source!.getLineAndCharacterOfPosition(d.start).line - 1;
          return `README.md:${line} TS${d.code}: ${text}`;
        }),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it("there are blocks to test, and most of them run", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    expect(blocks.filter((b) => b.mode === "run").length).toBeGreaterThan(blocks.length / 2);
  });

  for (const block of blocks) {
    if (block.mode === "skip") {
      it.skip(nameOf(block), () => {});
      continue;
    }
    it(
      `${block.mode === "run" ? "runs" : "type-checks"}: ${nameOf(block)}`,
      async () => {
        expect(diagnostics.get(fileOf(block))).toEqual([]);
        if (block.mode !== "run") return;
        const analysis = analyzeBlock(block.code, block.lang, exported);
        const endpoints: EndpointHandle[] = [];
        try {
          const urls = new Map<string, string>();
          for (const url of analysis.endpoints) {
            const endpoint = await startEndpoint(
              analysis.credentials ? { ...analysis.credentials } : { allowGuests: true },
            );
            endpoints.push(endpoint);
            urls.set(url, endpoint.url);
          }
          const file = await writeBlock(block, urls);
          const result = await runProgram(file, path.dirname(file), RUN_TIMEOUT_MS);
          const output = `--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
          expect(result.timedOut, `did not exit within ${RUN_TIMEOUT_MS} ms\n${output}`).toBe(false);
          expect(result.code, `exited with ${result.code ?? result.signal}\n${output}`).toBe(0);
        } finally {
          await Promise.all(endpoints.map((e) => e.stop()));
        }
      },
      RUN_TIMEOUT_MS + 30_000,
    );
  }
});
