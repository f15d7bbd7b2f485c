import { execFile, execFileSync } from "node:child_process";
import { access, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EndpointHandle, startEndpoint } from "../support/endpoint.js";
import { cjsConsumer, ctsConsumer, esmConsumer, idleConsumer, tsConsumer, tsconfig } from "./consumers.js";
import {
  cleanEnv,
  createScratchApp,
  installSize,
  isPackageWord,
  npmPackageCount,
  packTarball,
  REPO_ROOT,
  readmeInstallLines,
  readmeQuickStart,
  type ScratchApp,
} from "./scratchApp.js";

const run = promisify(execFile);

/** More Node binaries to run the consumers on, ":"-separated (.ci/run passes the LTS lines it tests). */
const otherNodes = (process.env.SURREAL_POOL_CONSUMER_NODES ?? "").split(":").filter(Boolean);
/** A Node without require(esm) (before 20.19 / 22.12), to show what CommonJS users get there. */
const oldNode = process.env.SURREAL_POOL_OLD_NODE;
/**
 * Other runtimes SurrealDB users run (.ci/run installs them from the npm registry: `npx -y bun@1`,
 * `npx -y deno@2`, and passes their binaries): the command that runs a file in each.
 */
const runtimes: { name: string; command: string[] }[] = [
  { name: "Bun", bin: process.env.SURREAL_POOL_BUN, args: [] },
  // -A: the embedded engine is a native library (--allow-ffi), ws:// needs the network, and so on.
  { name: "Deno", bin: process.env.SURREAL_POOL_DENO, args: ["run", "-A"] },
].flatMap(({ name, bin, args }) => (bin ? [{ name, command: [bin, ...args] }] : []));
const versionOf = (node: string) => execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
const bin = (name: string) => path.join(REPO_ROOT, "node_modules", ".bin", name);
const SLOW = 240_000;

/**
 * The package as a user gets it: `npm pack` (prepack builds), the tarball installed into a fresh app
 * with the README's install line, and an ESM, a CommonJS and a strict TypeScript consumer run there.
 * publint and arethetypeswrong check the same tarball.
 */
describe("the packed package, installed the README's way", () => {
  let workDir: string;
  let tarball: string;
  let embedded: ScratchApp;
  let wsOnly: ScratchApp;
  let endpoint: EndpointHandle | undefined;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), "surreal-pool-pack-"));
    tarball = await packTarball(workDir);
    const lines = await readmeInstallLines();
    const wsLine = lines.find((l) => !l.includes("@surrealdb/node"));
    if (!wsLine) throw new Error("the README's Install section has no line without @surrealdb/node");
    embedded = await createScratchApp(tarball, lines[0]!);
    wsOnly = await createScratchApp(tarball, wsLine);
  }, SLOW);

  afterAll(async () => {
    await endpoint?.stop();
    await embedded?.remove();
    await wsOnly?.remove();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it("publint finds nothing, warnings included", async () => {
    const { stdout } = await run(bin("publint"), ["run", tarball, "--strict"], { env: cleanEnv() });
    expect(stdout).toContain("All good!");
  });

  it("arethetypeswrong finds nothing for Node 16+ and bundlers", async () => {
    // Profile node16: Node 20.19+ resolves `exports` (the node10 column models TypeScript's legacy
    // resolver, which ignores them). cjs-resolves-to-esm is by design: CommonJS loads this ES module
    // with require(esm), and TypeScript 5.8+ types that (attw bundles TypeScript 5.6, which cannot);
    // the CommonJS and .cts consumers below prove both.
    // attw exits non-zero on any problem the profile and the ignored rule do not cover.
    const { stdout } = await run(
      bin("attw"),
      [tarball, "--profile", "node16", "--ignore-rules", "cjs-resolves-to-esm", "--no-emoji", "--no-color"],
      { env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 },
    );
    expect(stdout).toMatch(/node16 \(from ESM\)\s*│ OK \(ESM\)\s*│ OK \(ESM\)/);
  });

  it("the tarball: dist, README, LICENSE, CHANGELOG; no source maps, tests, demo or sources", async () => {
    const { stdout } = await run("tar", ["-tzf", tarball]);
    const files = stdout.trim().split("\n");
    for (const required of [
      "package/package.json",
      "package/README.md",
      "package/LICENSE",
      "package/CHANGELOG.md",
      "package/dist/src/index.js",
      "package/dist/src/index.d.ts",
      "package/dist/machines/index.js",
    ]) {
      expect(files).toContain(required);
    }
    const unwanted = files.filter(
      (f) => f.endsWith(".map") || /\.test\.|\/demo\/|\.ts$/.test(f.replace(/\.d\.ts$/, "")),
    );
    expect(unwanted).toEqual([]);
  });

  it("ESM consumer: embedded mem://, a query, shutdown, the process exits", async () => {
    await embedded.write("consumer.mjs", esmConsumer);
    const out = JSON.parse((await embedded.node(["consumer.mjs"])).stdout);
    expect(out).toEqual({
      kind: "esm",
      n: 42,
      abandoned: 0,
      // Loaded lazily: importing the package does not map the native engine; opening mem:// does.
      nativeAfterImport: false,
      nativeAfterCreate: true,
      isSurrealPoolError: false,
    });
  });

  it("CommonJS consumer: require('surreal-pool') (require(esm)), same work", async () => {
    await embedded.write("consumer.cjs", cjsConsumer);
    const out = JSON.parse((await embedded.node(["consumer.cjs"])).stdout);
    expect(out).toMatchObject({ kind: "cjs", n: 42, abandoned: 0, nativeAfterCreate: true });
  });

  /** Type-checks (and emits) the TypeScript consumers; returns tsc's error lines. */
  const typeCheck = async (options: {
    skipLibCheck: boolean;
    exactOptionalPropertyTypes?: boolean;
  }): Promise<string[]> => {
    await embedded.write("consumer.ts", tsConsumer);
    await embedded.write("consumer.cts", ctsConsumer);
    const compilerOptions = {
      ...tsconfig.compilerOptions,
      ...options,
      typeRoots: [path.join(REPO_ROOT, "node_modules/@types")],
    };
    await embedded.write("tsconfig.json", JSON.stringify({ ...tsconfig, compilerOptions }, null, 2));
    const tsc = path.join(REPO_ROOT, "node_modules/typescript/bin/tsc");
    return run(process.execPath, [tsc, "-p", embedded.dir], { cwd: embedded.dir, env: cleanEnv() }).then(
      () => [],
      (error: { stdout?: string }) =>
        (error.stdout ?? String(error)).split("\n").filter((l) => l.includes("error TS")),
    );
  };

  it(
    "TypeScript consumer: strict NodeNext, skipLibCheck false: 0 errors (the types import only what a user installs); then it runs; a .cts file (require of ESM) too",
    async () => {
      // The consumer also holds @ts-expect-error lines: a lease's internals and `logger: 42` must not
      // compile (consumers.ts).
      expect(await typeCheck({ skipLibCheck: false })).toEqual([]);
      const ts = JSON.parse((await embedded.node(["build/consumer.js"])).stdout);
      expect(ts).toMatchObject({ kind: "ts", n: 42, abandoned: 0, nativeAfterImport: false });
      const cts = JSON.parse((await embedded.node(["build/consumer.cjs"])).stdout);
      expect(cts).toEqual({ kind: "cts", result: "ConfigError" });
    },
    SLOW,
  );

  it(
    "TypeScript consumer: strict with exactOptionalPropertyTypes (skipLibCheck true: xstate's own declarations fail that flag)",
    async () => {
      expect(await typeCheck({ skipLibCheck: true, exactOptionalPropertyTypes: true })).toEqual([]);
    },
    SLOW,
  );

  for (const node of otherNodes) {
    it(
      `on Node ${versionOf(node)}: the ESM, CommonJS and compiled TypeScript consumers`,
      async () => {
        await embedded.write("consumer.mjs", esmConsumer);
        await embedded.write("consumer.cjs", cjsConsumer);
        const compiled = await access(path.join(embedded.dir, "build/consumer.js")).then(
          () => true,
          () => false,
        );
        if (!compiled) expect(await typeCheck({ skipLibCheck: true })).toEqual([]);
        for (const file of ["consumer.mjs", "consumer.cjs", "build/consumer.js"]) {
          const out = JSON.parse((await embedded.node([file], { node })).stdout);
          expect(out, file).toMatchObject({
            n: 42,
            abandoned: 0,
            nativeAfterImport: false,
            nativeAfterCreate: true,
          });
        }
      },
      SLOW,
    );
  }

  for (const runtime of runtimes) {
    const version = /\d+\.\d+\.\d+/.exec(
      execFileSync(runtime.command[0]!, ["--version"], { encoding: "utf8" }),
    )?.[0];
    it(
      `on ${runtime.name} ${version}: the README's quick start, the ESM, CommonJS and TypeScript consumers on mem://, and ws:// against a loopback endpoint, with allowExitOnIdle`,
      async () => {
        await embedded.write("quickstart.ts", await readmeQuickStart());
        await embedded.write("consumer.mjs", esmConsumer);
        await embedded.write("consumer.cjs", cjsConsumer);
        await embedded.write("consumer.ts", tsConsumer);
        const quick = await embedded.run(runtime.command, ["quickstart.ts"]);
        // It printed the health and the metrics, and exited by itself (run() waits for the exit).
        expect(quick.stdout).toMatch(/healthy: true/);
        expect(quick.stdout).toMatch(/acquisitions: 2/);
        for (const file of ["consumer.mjs", "consumer.cjs", "consumer.ts"]) {
          const out = JSON.parse((await embedded.run(runtime.command, [file])).stdout);
          expect(out, file).toMatchObject({ n: 42, abandoned: 0, isSurrealPoolError: false });
        }
        endpoint ??= await startEndpoint();
        const ws = await embedded.run(runtime.command, ["consumer.mjs"], {
          env: { SURREAL_URL: endpoint.url, SURREAL_NS: `ws_${runtime.name.toLowerCase()}` },
        });
        expect(JSON.parse(ws.stdout)).toMatchObject({ kind: "esm", n: 42, abandoned: 0 });
        // pool.allowExitOnIdle over ws://: exits by itself on Deno; on Bun, undici's WebSocket is Bun's
        // own (it ignores the dispatcher through which the pool reaches the TCP socket), so the socket
        // stays ref'd and the process stays alive (README, "Runtimes"). Bounded: killed after 5 s.
        await embedded.write("idle.mjs", idleConsumer);
        const idle = await embedded
          .run(runtime.command, ["idle.mjs"], { env: { SURREAL_URL: endpoint.url }, timeoutMs: 5_000 })
          .then(
            (r) => ({ exited: true, stdout: r.stdout }),
            (error: Error) => ({ exited: false, stdout: error.message }),
          );
        expect(idle.stdout).toContain('"idle"');
        expect(idle.exited, idle.stdout).toBe(runtime.name === "Deno");
      },
      SLOW,
    );
  }

  it.skipIf(!oldNode)(
    `without require(esm) (${oldNode ? `Node ${versionOf(oldNode)}` : "set SURREAL_POOL_OLD_NODE"}): import works, require() says ERR_REQUIRE_ESM`,
    async () => {
      await embedded.write("consumer.mjs", esmConsumer);
      await embedded.write("consumer.cjs", cjsConsumer);
      const esm = JSON.parse((await embedded.node(["consumer.mjs"], { node: oldNode! })).stdout);
      expect(esm).toMatchObject({ kind: "esm", n: 42 });
      const cjs = await embedded.node(["consumer.cjs"], { node: oldNode! }).catch((error: Error) => error);
      expect(cjs).toBeInstanceOf(Error);
      expect(String(cjs)).toContain("ERR_REQUIRE_ESM");
    },
    SLOW,
  );

  it(
    "ws://-only install: no @surrealdb/node on disk, fewer megabytes, and a ws:// pool works",
    async () => {
      const [lean, full] = await Promise.all([installSize(wsOnly.dir), installSize(embedded.dir)]);
      expect(lean.names.some((n) => n.startsWith("@surrealdb/node@"))).toBe(false);
      expect(full.names.some((n) => n.startsWith("@surrealdb/node@"))).toBe(true);
      // Nothing only tests, scripts or types need is installed for a user.
      // (typescript and tslib are installed: the SDK, surrealdb, declares them as its own peers.)
      for (const devOnly of ["ws@", "@statelyai/inspect@", "pino@", "vitest@", "tsx@", "fast-check@"]) {
        expect(full.names.filter((n) => n.startsWith(devOnly))).toEqual([]);
      }
      expect(lean.megabytes).toBeLessThan(full.megabytes / 2);

      endpoint ??= await startEndpoint();
      await wsOnly.write("consumer.mjs", esmConsumer);
      const out = JSON.parse(
        (await wsOnly.node(["consumer.mjs"], { env: { SURREAL_URL: endpoint.url } })).stdout,
      );
      expect(out).toMatchObject({ kind: "esm", n: 42, abandoned: 0, nativeAfterCreate: false });
    },
    SLOW,
  );

  it("installSize counts packages as npm does, and the README's install-cost table says that many", async () => {
    const readme = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
    const table = /^### Install cost\n([\s\S]*?)^#/m.exec(readme)?.[1] ?? "";
    // The table's first two rows: the ws://-only install, then the full one.
    const [wsRow, fullRow] = table.split("\n").filter((l) => /^\| the tarball/.test(l));
    const packagesIn = (row: string | undefined) => Number(row?.split("|")[2]?.trim());
    for (const [app, row] of [
      [wsOnly, wsRow],
      [embedded, fullRow],
    ] as const) {
      const counted = await installSize(app.dir);
      expect(counted.packages, counted.names.join("\n")).toBe(await npmPackageCount(app.dir));
      expect(packagesIn(row), `README row: ${row}`).toBe(counted.packages);
    }
  });

  it("ws://-only install: an embedded endpoint is refused with a ConfigError naming the package", async () => {
    await wsOnly.write(
      "embedded.mjs",
      `import { ConnectionManager, isConfigError } from "surreal-pool";
try {
  await ConnectionManager.create({ mode: { kind: "local", endpoint: "mem://" } });
  console.log(JSON.stringify({ created: true }));
} catch (error) {
  console.log(JSON.stringify({ config: isConfigError(error), path: error.issues?.[0]?.path, message: error.message }));
}
`,
    );
    const out = JSON.parse((await wsOnly.node(["embedded.mjs"])).stdout);
    expect(out.config).toBe(true);
    expect(out.path).toBe("mode.endpoint");
    expect(out.message).toContain("npm install @surrealdb/node");
  });

  it("the README's install line was run as written, its tarball swapped for the one packed here", async () => {
    const lines = await readmeInstallLines();
    const words = lines[0]!.split(/\s+/);
    expect(embedded.installLine).toBe(words.map((w) => (isPackageWord(w) ? tarball : w)).join(" "));
    // Not on the registry yet: the README installs the tarball `npm pack` writes, by its own name.
    const named = words.find(isPackageWord)!;
    expect(path.basename(named)).toBe(path.basename(tarball));
    const { version } = JSON.parse(await readFile(path.join(REPO_ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    expect(path.basename(tarball)).toBe(`surreal-pool-${version}.tgz`);
  });
});
