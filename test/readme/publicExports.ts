import path from "node:path";
import ts from "typescript";
import { REPO_ROOT } from "../package/scratchApp.js";

/**
 * The package's public API as the TypeScript compiler sees it: the exports of src/index.ts (what the
 * published index.d.ts declares), and the members of every type a user can reach from them.
 */

const INDEX = path.join(REPO_ROOT, "src", "index.ts");
const OURS = [path.join(REPO_ROOT, "src") + path.sep, path.join(REPO_ROOT, "machines") + path.sep];

let loaded: { checker: ts.TypeChecker; exports: ts.Symbol[] } | undefined;

function load(): { checker: ts.TypeChecker; exports: ts.Symbol[] } {
  if (loaded) return loaded;
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(REPO_ROOT, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (!config) throw new Error("tsconfig.json could not be read");
  const program = ts.createProgram([INDEX], { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(INDEX);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error("src/index.ts has no module symbol");
  loaded = { checker, exports: checker.getExportsOfModule(module) };
  return loaded;
}

/** Every name src/index.ts exports, values and types alike, sorted. */
export function publicExports(): string[] {
  return load()
    .exports.map((s) => s.name)
    .sort();
}

function resolved(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

function declaredHere(symbol: ts.Symbol | undefined): boolean {
  return (symbol?.declarations ?? []).some((d) =>
    OURS.some((dir) => d.getSourceFile().fileName.startsWith(dir)),
  );
}

function isPublicMember(symbol: ts.Symbol): boolean {
  if (symbol.name.startsWith("#")) return false; // an ES private member: the .d.ts shows none of it
  return !(symbol.declarations ?? []).some(
    (d) => ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected),
  );
}

/**
 * Every public member of this package's own types that a user reaches from the exports, through
 * properties, method parameters and results, union members and type arguments (`Promise<Lease>`),
 * as "Owner.member". The SDK's and the libraries' own types are not walked into.
 */
export function reachableMembers(): string[] {
  const { checker, exports } = load();
  const seen = new Set<ts.Type>();
  const members = new Set<string>();
  const visit = (type: ts.Type, depth: number): void => {
    if (seen.has(type) || depth > 12) return;
    seen.add(type);
    if (type.isUnionOrIntersection()) {
      for (const t of type.types) visit(t, depth + 1);
      return;
    }
    if (!(type.flags & ts.TypeFlags.Object)) return;
    for (const t of checker.getTypeArguments(type as ts.TypeReference) ?? []) visit(t, depth + 1);
    for (const t of type.aliasTypeArguments ?? []) visit(t, depth + 1);
    const owner = type.aliasSymbol ?? type.getSymbol();
    for (const signature of [...type.getCallSignatures(), ...type.getConstructSignatures()]) {
      for (const parameter of signature.getParameters()) visit(checker.getTypeOfSymbol(parameter), depth + 1);
      visit(signature.getReturnType(), depth + 1);
    }
    if (!declaredHere(owner)) return;
    for (const property of checker.getPropertiesOfType(type)) {
      if (!isPublicMember(property) || !declaredHere(property)) continue;
      members.add(`${checker.typeToString(type)}.${property.name}`);
      visit(checker.getTypeOfSymbol(property), depth + 1);
    }
  };
  for (const exported of exports) {
    const symbol = resolved(checker, exported);
    if (symbol.flags & (ts.SymbolFlags.Type | ts.SymbolFlags.Class))
      visit(checker.getDeclaredTypeOfSymbol(symbol), 0);
    if (symbol.flags & ts.SymbolFlags.Value) visit(checker.getTypeOfSymbol(symbol), 0);
  }
  return [...members].sort();
}
