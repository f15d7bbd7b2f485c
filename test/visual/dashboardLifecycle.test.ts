import { existsSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ConnectionManager, isArgumentError, isPoolClosedError } from "../../src/index.js";
import { createManager } from "../integration/helpers.js";
import { REPO_ROOT } from "../package/scratchApp.js";

/** Resolves true when something answers HTTP at `url`, false when the connection is refused. */
const answers = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
    async (res) => {
      await res.body?.cancel();
      return true;
    },
    () => false,
  );

describe("serveDashboard: its options, and who ends it", () => {
  let manager: ConnectionManager | undefined;
  afterEach(async () => {
    await manager?.shutdown({ timeoutMs: 2_000 });
    manager = undefined;
  });

  it.each([
    [{ port: "x" }, "serveDashboard(options).port", /whole number from 0 to 65535/],
    [{ port: -1 }, "serveDashboard(options).port", /whole number from 0 to 65535/],
    [{ port: 65_536 }, "serveDashboard(options).port", /whole number from 0 to 65535/],
    [{ port: 80.5 }, "serveDashboard(options).port", /whole number/],
    [{ host: "" }, "serveDashboard(options).host", /non-empty string/],
    [{ host: 127 }, "serveDashboard(options).host", /non-empty string/],
    [{ intervalMs: 0 }, "serveDashboard(options).intervalMs", /> 0/],
    [{ intervalMs: Number.NaN }, "serveDashboard(options).intervalMs", /finite number/],
    [{ prot: 8080 }, "serveDashboard(options)", /unknown option "prot"/],
    [42, "serveDashboard(options)", /options object/],
  ])("%j: an ArgumentError naming %s, and nothing listens", async (options, argument, message) => {
    manager = await createManager();
    const error = await manager.serveDashboard(options as never).catch((e: unknown) => e);
    expect(isArgumentError(error)).toBe(true);
    expect(error).toMatchObject({ argument });
    expect((error as Error).message).toMatch(message);
    // A string port used to become a Unix socket file in the working directory.
    expect(existsSync(path.join(process.cwd(), "x"))).toBe(false);
    expect(existsSync(path.join(REPO_ROOT, "x"))).toBe(false);
  });

  it("is AsyncDisposable: await using closes it at the end of the block", async () => {
    manager = await createManager();
    let url: string;
    {
      await using dashboard = await manager.serveDashboard();
      url = dashboard.url;
      expect(await answers(url)).toBe(true);
    }
    expect(await answers(url)).toBe(false);
  });

  it("the manager's shutdown() closes the dashboards served for it; close() after that is harmless", async () => {
    manager = await createManager();
    const [a, b] = await Promise.all([manager.serveDashboard(), manager.serveDashboard({ intervalMs: 50 })]);
    // One being started while shutdown begins is closed too.
    const starting = manager.serveDashboard();
    expect(await answers(a.url)).toBe(true);
    await manager.shutdown({ timeoutMs: 5_000 });
    const c = await starting;
    for (const dashboard of [a, b, c]) expect(await answers(dashboard.url)).toBe(false);
    await a.close();
    await b[Symbol.asyncDispose]();
  });

  it("after shutdown(): a PoolClosedError, nothing listens", async () => {
    manager = await createManager();
    await manager.shutdown({ timeoutMs: 2_000 });
    const error = await manager.serveDashboard().catch((e: unknown) => e);
    expect(isPoolClosedError(error)).toBe(true);
  });
});
