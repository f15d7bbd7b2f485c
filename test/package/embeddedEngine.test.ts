import { describe, expect, it } from "vitest";
import { isConfigError } from "../../src/errors/ConfigError.js";
import {
  assertEmbeddedEngineInstalled,
  type EmbeddedEngineModule,
  loadEmbeddedEngine,
} from "../../src/surreal/embeddedEngine.js";

// A package name that is really absent, so the module loader produces its real error. It contains
// "@surrealdb/node", as the loader's message for the real package would.
const ABSENT = "@surrealdb/node-not-installed";

/**
 * `@surrealdb/node` is an optional peer: when it is missing, an embedded endpoint is refused with a
 * typed error naming the package and the option, at create() (resolution) or at the first engine open
 * (the import). test/package/consumer.test.ts proves the same with the package really absent.
 */
describe("the optional embedded engine", () => {
  it("resolution failure: ConfigError naming the package, the option and the fix", () => {
    let caught: unknown;
    try {
      assertEmbeddedEngineInstalled("mem://", "mode.endpoint", () => import.meta.resolve(ABSENT));
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught)).toBe(true);
    const error = caught as import("../../src/errors/ConfigError.js").ConfigError;
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe("mode.endpoint");
    expect(error.message).toContain("@surrealdb/node");
    expect(error.message).toContain("npm install @surrealdb/node");
    expect(error.message).toContain('"mem://"');
  });

  it("import failure: the same error, from the lazy import", async () => {
    const load = () => import(/* @vite-ignore */ ABSENT as string) as Promise<EmbeddedEngineModule>;
    const error = await loadEmbeddedEngine("surrealkv://./data", "mode.localCache", load).catch((e) => e);
    expect(isConfigError(error)).toBe(true);
    expect(error.issues[0].path).toBe("mode.localCache");
    expect(error.message).toContain("npm install @surrealdb/node");
  });

  it("any other failure inside the package is passed on unchanged, not blamed on a missing install", async () => {
    const broken = Object.assign(new Error("Cannot find module 'libfoo' imported from x"), {
      code: "ERR_MODULE_NOT_FOUND",
    });
    const error = await loadEmbeddedEngine("mem://", "mode.endpoint", () => Promise.reject(broken)).catch(
      (e) => e,
    );
    expect(error).toBe(broken);
  });

  it("installed: resolves and loads", async () => {
    expect(() => assertEmbeddedEngineInstalled("mem://", "mode.endpoint")).not.toThrow();
    const engine = await loadEmbeddedEngine("mem://", "mode.endpoint");
    expect(typeof engine.createNodeEngines).toBe("function");
  });
});
