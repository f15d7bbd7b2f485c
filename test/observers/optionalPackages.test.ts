import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const run = promisify(execFile);

describe("prom-client and @opentelemetry/api are optional", () => {
  it("without them the library loads and folds, otel() takes any meter, and prometheus() names the package to install", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        join(fixtures, "registerHidePackages.mjs"),
        join(fixtures, "withoutOptionalPackages.ts"),
      ],
      { env: { ...process.env, HIDE_PACKAGES: "prom-client,@opentelemetry/api" }, timeout: 30_000 },
    );
    const result = JSON.parse(stdout);
    expect(result.waiting).toBe(1);
    expect(result.otel["db.client.connection.pending_requests"]).toBe(1);
    expect(result.error).toEqual({
      typed: true,
      name: "MissingDependencyError",
      code: "MISSING_DEPENDENCY",
      packageName: "prom-client",
      message:
        'metrics().prometheus() needs the optional package "prom-client", which is not installed: npm install prom-client',
    });
  });
});
