// Finds the code blocks of a Markdown file that the README test runs, and what it should do with each.
//
// Every ```ts / ```js block (also typescript, javascript, mjs, mts) is RUN by default. A comment
// directly above the fence (blank lines between are allowed) changes that:
//   <!-- readme-test: typecheck (why it cannot run here) -->   type-checked only
//   <!-- readme-test: skip (why) -->                           neither (a fragment that is not code)
// An unknown directive is an error, so a typo cannot silently turn a test off.

export type BlockMode = "run" | "typecheck" | "skip";

export interface ReadmeBlock {
  /** 1-based line of the first line of code (after the opening fence). */
  line: number;
  lang: "ts" | "js";
  code: string;
  mode: BlockMode;
  /** The reason given in the directive, if any. */
  reason?: string;
  /** The nearest heading above the block, to name it in test output. */
  heading: string;
}

const LANGS: Record<string, "ts" | "js"> = {
  ts: "ts",
  typescript: "ts",
  mts: "ts",
  js: "js",
  javascript: "js",
  mjs: "js",
};
const DIRECTIVE = /^<!--\s*readme-test:\s*([a-z-]+)\s*(?:\((.*)\))?\s*-->$/;
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/;

export function extractBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split("\n");
  const blocks: ReadmeBlock[] = [];
  let heading = "(top)";
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const headingMatch = /^#{1,6}\s+(.*)$/.exec(text);
    if (headingMatch) {
      heading = headingMatch[1]!.trim();
      continue;
    }
    const open = FENCE.exec(text);
    if (!open) continue;
    const [, indent = "", fence = "", info = ""] = open;
    const close = lines.findIndex((l, j) => j > i && closesFence(l.trim(), fence));
    const end = close === -1 ? lines.length : close;
    const lang = LANGS[info.toLowerCase()];
    if (lang) {
      const code = lines
        .slice(i + 1, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
        .join("\n");
      blocks.push({ line: i + 2, lang, code, heading, ...directiveAbove(lines, i) });
    }
    i = end;
  }
  return blocks;
}

/** A closing fence: only fence characters, of the opening's kind, at least as many. */
function closesFence(line: string, fence: string): boolean {
  return line.length >= fence.length && /^(`+|~+)$/.test(line) && line[0] === fence[0];
}

function directiveAbove(lines: string[], fenceIndex: number): { mode: BlockMode; reason?: string } {
  let j = fenceIndex - 1;
  while (j >= 0 && lines[j]!.trim() === "") j--;
  const text = j >= 0 ? lines[j]!.trim() : "";
  if (!text.startsWith("<!--") || !text.includes("readme-test")) return { mode: "run" };
  const match = DIRECTIVE.exec(text);
  const mode = match?.[1];
  if (mode !== "run" && mode !== "typecheck" && mode !== "skip") {
    throw new Error(
      `README line ${j + 1}: "${text}" is not a readme-test directive; write <!-- readme-test: run | typecheck (reason) | skip (reason) -->`,
    );
  }
  if (mode !== "run" && !match?.[2]?.trim()) {
    throw new Error(
      `README line ${j + 1}: "${text}": say why in parentheses, e.g. readme-test: ${mode} (needs a server)`,
    );
  }
  const reason = match?.[2]?.trim();
  return reason ? { mode, reason } : { mode };
}
