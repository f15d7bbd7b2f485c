// Turns a README code block into a program the test can type-check and run, changing as little as
// possible: the package's imports point at this repository's sources, a block that uses `manager`
// without creating one gets an embedded mem:// one (shut down at the end), exports of the package
// it uses without importing them are imported, and ws(s):// URLs can be swapped for loopback endpoints.
import ts from "typescript";

export interface BlockAnalysis {
  /** Distinct ws:// / wss:// URLs in the block's string literals (not in comments). */
  endpoints: string[];
  /** The first `username` / `password` string properties, to define on those endpoints. */
  credentials?: { username: string; password: string };
  /** `manager` is used but never declared: the harness provides one. */
  needsManager: boolean;
  /** The block creates `manager` and never shuts it down: the harness does, so the process can exit. */
  needsShutdown: boolean;
  /** Names the package exports that the block uses without importing or declaring them. */
  missingImports: string[];
}

/** The context variable the README's fragments assume: a ConnectionManager. */
const MANAGER = "manager";
const WS_URL = /^wss?:\/\/[^\s"'`]+$/;

export function analyzeBlock(
  code: string,
  lang: "ts" | "js",
  packageExports: ReadonlySet<string>,
): BlockAnalysis {
  const { declared, referenced, strings } = scan(parse(code, lang));
  const endpoints = [...new Set(strings.filter((s) => WS_URL.test(s.text)).map((s) => s.text))];
  const username = strings.find((s) => s.property === "username")?.text;
  const password = strings.find((s) => s.property === "password")?.text;
  return {
    endpoints,
    ...(username !== undefined && password !== undefined ? { credentials: { username, password } } : {}),
    needsManager: referenced.has(MANAGER) && !declared.has(MANAGER),
    needsShutdown:
      declared.has(MANAGER) &&
      !/\bshutdown\b/.test(code) &&
      !new RegExp(`await using ${MANAGER}\\b`).test(code),
    missingImports: [...referenced].filter((n) => packageExports.has(n) && !declared.has(n)).sort(),
  };
}

export interface RenderOptions {
  /** The module specifier to use for `surreal-pool` (subpath "") and `surreal-pool/<subpath>`. */
  entry: (subpath: string) => string;
  /** Replacement for each ws(s):// URL literal (unmapped URLs stay as written). */
  urls?: ReadonlyMap<string, string>;
}

/**
 * The block as a module. Everything the harness adds before the block's code is on ONE line, so a
 * diagnostic at line N of the program is at line N - 1 of the block.
 */
export function renderBlock(
  code: string,
  lang: "ts" | "js",
  analysis: BlockAnalysis,
  options: RenderOptions,
): string {
  const source = parse(code, lang);
  const edits: { start: number; end: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      const specifier = /^surreal-pool(?:\/(.+))?$/.exec(node.text);
      if (specifier && isModuleSpecifier(node)) {
        edits.push({
          start: node.getStart(source),
          end: node.end,
          text: JSON.stringify(options.entry(specifier[1] ?? "")),
        });
      }
      const url = options.urls?.get(node.text);
      if (url) edits.push({ start: node.getStart(source), end: node.end, text: JSON.stringify(url) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  let body = code;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    body = body.slice(0, edit.start) + edit.text + body.slice(edit.end);
  }
  const entry = JSON.stringify(options.entry(""));
  const imports = [
    ...analysis.missingImports,
    ...(analysis.needsManager ? ["ConnectionManager as __ReadmeManager"] : []),
  ];
  const prelude = [
    imports.length > 0 ? `import { ${imports.join(", ")} } from ${entry};` : "",
    analysis.needsManager ? `const ${MANAGER} = await __ReadmeManager.create();` : "",
  ].join(" ");
  const epilogue =
    analysis.needsManager || analysis.needsShutdown
      ? `await ${MANAGER}.shutdown({ timeoutMs: 10_000 });\n`
      : "";
  return `${prelude}\n${body}\n${epilogue}export {};\n`;
}

function parse(code: string, lang: "ts" | "js"): ts.SourceFile {
  return ts.createSourceFile(
    lang === "ts" ? "block.ts" : "block.mjs",
    code,
    ts.ScriptTarget.Latest,
    true,
    lang === "ts" ? ts.ScriptKind.TS : ts.ScriptKind.JS,
  );
}

function isModuleSpecifier(node: ts.Node): boolean {
  const parent = node.parent;
  return (
    ((ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent)) && parent.moduleSpecifier === node) ||
    (ts.isCallExpression(parent) && parent.expression.kind === ts.SyntaxKind.ImportKeyword) ||
    (ts.isLiteralTypeNode(parent) && ts.isImportTypeNode(parent.parent))
  );
}

interface Scan {
  declared: Set<string>;
  referenced: Set<string>;
  strings: { text: string; property?: string }[];
}

/** Declared names (anywhere in the block), referenced identifiers, and string literals. */
function scan(source: ts.SourceFile): Scan {
  const declared = new Set<string>();
  const referenced = new Set<string>();
  const strings: Scan["strings"] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      if (isDeclarationName(node)) declared.add(node.text);
      else if (!isPropertyName(node)) referenced.add(node.text);
    } else if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      const parent = node.parent;
      const property =
        ts.isPropertyAssignment(parent) && parent.initializer === node && ts.isIdentifier(parent.name)
          ? parent.name.text
          : undefined;
      strings.push(property ? { text: node.text, property } : { text: node.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { declared, referenced, strings };
}

function isDeclarationName(node: ts.Identifier): boolean {
  const parent = node.parent;
  return (
    (ts.isVariableDeclaration(parent) ||
      ts.isFunctionDeclaration(parent) ||
      ts.isClassDeclaration(parent) ||
      ts.isParameter(parent) ||
      ts.isBindingElement(parent) ||
      ts.isImportClause(parent) ||
      ts.isNamespaceImport(parent) ||
      ts.isImportSpecifier(parent) ||
      ts.isTypeAliasDeclaration(parent) ||
      ts.isInterfaceDeclaration(parent)) &&
    parent.name === node
  );
}

function isPropertyName(node: ts.Identifier): boolean {
  const parent = node.parent;
  return (
    (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
    (ts.isPropertyAssignment(parent) && parent.name === node) ||
    (ts.isBindingElement(parent) && parent.propertyName === node) ||
    (ts.isPropertySignature(parent) && parent.name === node) ||
    (ts.isMethodDeclaration(parent) && parent.name === node) ||
    (ts.isQualifiedName(parent) && parent.right === node) ||
    ((ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent)) && parent.propertyName === node) ||
    ts.isLabeledStatement(parent)
  );
}
