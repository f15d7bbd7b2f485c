import { describe, expect, it } from "vitest";
import { analyzeBlock, renderBlock } from "./prepareBlock.js";
import { extractBlocks } from "./readmeBlocks.js";

const md = [
  "# Title",
  "```ts",
  'const a = 1; // "ws://in.a.comment:1"',
  "```",
  "## Section",
  "<!-- readme-test: typecheck (needs a server) -->",
  "",
  "```js",
  "manager.events$.subscribe(() => {});",
  "```",
  "```sh",
  "npm test",
  "```",
  "- a list item:",
  "",
  "  ```typescript",
  "  isConfigError(1);",
  "  ```",
  "<!-- readme-test: skip (an excerpt) -->",
  "````ts",
  "pool: { max: 1 }",
  "```",
  "still inside the four-backtick block",
  "````",
].join("\n");

describe("README block extraction", () => {
  const blocks = extractBlocks(md);

  it("finds ts and js blocks (not sh), with their line, heading and mode; run is the default", () => {
    expect(blocks.map((b) => [b.line, b.lang, b.mode, b.heading])).toEqual([
      [3, "ts", "run", "Title"],
      [9, "js", "typecheck", "Section"],
      [17, "ts", "run", "Section"],
      [21, "ts", "skip", "Section"],
    ]);
    expect(blocks[1]?.reason).toBe("needs a server");
    expect(blocks[2]?.code).toBe("isConfigError(1);");
    expect(blocks[3]?.code).toContain("still inside");
  });

  it("refuses an unknown directive, or one without a reason", () => {
    expect(() => extractBlocks("<!-- readme-test: skp (typo) -->\n```ts\nx\n```")).toThrow(
      /not a readme-test directive/,
    );
    expect(() => extractBlocks("<!-- readme-test: skip -->\n```ts\nx\n```")).toThrow(/say why/);
  });
});

describe("README block preparation", () => {
  const exported = new Set(["ConnectionManager", "isConfigError", "PoolConfig"]);

  it("a fragment using `manager` gets one; package exports it uses are imported", () => {
    const code = 'isConfigError(manager);\nconst x = { username: "root", password: "..." };';
    const analysis = analyzeBlock(code, "ts", exported);
    expect(analysis).toMatchObject({ needsManager: true, missingImports: ["isConfigError"] });
    const program = renderBlock(code, "ts", analysis, { entry: (sub) => `../src/${sub || "index"}.js` });
    const [prelude, ...rest] = program.split("\n");
    expect(prelude).toContain(
      'import { isConfigError, ConnectionManager as __ReadmeManager } from "../src/index.js";',
    );
    expect(prelude).toContain("const manager = await __ReadmeManager.create();");
    expect(rest.slice(0, 2).join("\n")).toBe(code); // block line N is program line N + 1
    expect(program).toContain("await manager.shutdown(");
  });

  it("a block that declares what it uses gets nothing added", () => {
    const code =
      'import { ConnectionManager } from "surreal-pool";\nconst manager = await ConnectionManager.create();';
    const analysis = analyzeBlock(code, "ts", exported);
    expect(analysis).toMatchObject({ needsManager: false, missingImports: [], endpoints: [] });
    const program = renderBlock(code, "ts", analysis, { entry: (sub) => `/repo/${sub || "src"}/index.js` });
    expect(program).toContain('import { ConnectionManager } from "/repo/src/index.js";');
    expect(program.split("\n")[0]).toBe(" ");
  });

  it("a block that creates a manager and never shuts it down gets a shutdown at the end", () => {
    const create = "const manager = await ConnectionManager.create();";
    expect(analyzeBlock(create, "ts", exported).needsShutdown).toBe(true);
    expect(analyzeBlock(`${create}\nawait manager.shutdown();`, "ts", exported).needsShutdown).toBe(false);
    expect(
      analyzeBlock(`await using manager = await ConnectionManager.create();`, "ts", exported).needsShutdown,
    ).toBe(false);
    const program = renderBlock(create, "ts", analyzeBlock(create, "ts", exported), { entry: () => "x" });
    expect(program).toContain("await manager.shutdown(");
  });

  it("ws(s):// URLs in string literals (not comments) are found, with the credentials, and can be swapped", () => {
    const code = [
      'import { connectionMachine } from "surreal-pool/machines";',
      '// "ws://commented:1"',
      'const remotes = ["wss://db-eu:8000", "wss://db-us:8000", "wss://db-eu:8000"];',
      'const credentials = { username: "root", password: "secret" };',
    ].join("\n");
    const analysis = analyzeBlock(code, "ts", exported);
    expect(analysis.endpoints).toEqual(["wss://db-eu:8000", "wss://db-us:8000"]);
    expect(analysis.credentials).toEqual({ username: "root", password: "secret" });
    const urls = new Map([["wss://db-eu:8000", "ws://127.0.0.1:1/rpc"]]);
    const program = renderBlock(code, "ts", analysis, { entry: (sub) => `./${sub}.js`, urls });
    expect(program).toContain('["ws://127.0.0.1:1/rpc", "wss://db-us:8000", "ws://127.0.0.1:1/rpc"]');
    expect(program).toContain('from "./machines.js"');
    expect(program).toContain('"ws://commented:1"');
  });
});
