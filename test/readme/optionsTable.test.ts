import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { REPO_ROOT } from "../package/scratchApp.js";

/**
 * The README's options table is the reference a user reads: it lists every option the config schema
 * accepts (and nothing it refuses), and each plain default (a number, a boolean, null) is the schema's.
 */

interface Row {
  option: string;
  defaultText: string;
}

function optionsTable(): Row[] {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const section = /^## Options\n([\s\S]*?)^## /m.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "## Options" section');
  const rows: Row[] = [];
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const option = /^`([\w.]+)`$/.exec(cells[1] ?? "")?.[1];
    // The first table of the section: rows whose first cell is one backticked name.
    if (option && cells.length >= 4 && !rows.some((r) => r.option === option)) {
      rows.push({ option, defaultText: cells[2]! });
    }
    if (rows.length > 0 && line.trim() === "") break;
  }
  return rows;
}

/** `schema` without its default/optional/nullable wrappers. */
function unwrap(schema: unknown): { _zod: { def: { type: string } }; shape?: Record<string, unknown> } {
  let s = schema as { _zod: { def: { type: string; innerType?: unknown } } };
  while (s._zod.def.innerType) s = s._zod.def.innerType as typeof s;
  return s as ReturnType<typeof unwrap>;
}

/** Every option path the schema accepts: top-level keys, and one level into the option groups. */
function schemaOptions(): string[] {
  const paths: string[] = [];
  for (const [key, value] of Object.entries(configSchema.shape)) {
    const inner = unwrap(value);
    if (inner._zod.def.type === "object" && inner.shape) {
      for (const child of Object.keys(inner.shape)) paths.push(`${key}.${child}`);
    } else paths.push(key);
  }
  return paths;
}

/** A default cell as a value, when it is a plain one: "30 000" -> 30000, "`null`" -> null, "true". */
function plainValue(text: string): number | boolean | null | undefined {
  const t = text.replace(/`/g, "").trim();
  if (t === "null") return null;
  if (t === "true" || t === "false") return t === "true";
  if (/^\d[\d  ,_]*$/.test(t)) return Number(t.replace(/[  ,_]/g, ""));
  return undefined;
}

describe("the README's options table", () => {
  const rows = optionsTable();
  // `events` is an argument of create(), not configuration: validated apart (ConnectionManager.create).
  const documented = rows.map((r) => r.option).filter((o) => o !== "events");

  it("lists every option of the config schema, and only those", () => {
    expect(rows.length).toBeGreaterThan(20);
    expect([...documented].sort()).toEqual(schemaOptions().sort());
  });

  it("gives each plain default as the schema resolves it", () => {
    const resolved = configSchema.parse({}) as unknown as Record<string, Record<string, unknown>>;
    const mismatches: string[] = [];
    let compared = 0;
    for (const { option, defaultText } of rows) {
      const [group, key] = option.split(".");
      if (!key) continue;
      const expected = plainValue(defaultText);
      if (expected === undefined) continue;
      compared++;
      const actual = resolved[group!]?.[key];
      if (actual !== expected) mismatches.push(`${option}: README says ${defaultText}, the schema ${actual}`);
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(20);
  });
});
