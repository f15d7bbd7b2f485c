import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "machines/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Native engine + child-process endpoints: keep parallelism to the two cores we have.
    maxWorkers: 2,
    // On CI also write a JSON report, from which .ci/run prints a plain "N passed, N failed" line
    // (npm test's second run, the fault suites, names its own file).
    reporters: process.env.CI
      ? ["default", ["json", { outputFile: process.env.VITEST_REPORT ?? ".ci/vitest-report.json" }]]
      : ["default"],
  },
});
