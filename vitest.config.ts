import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "machines/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Native engine + child-process endpoints: keep parallelism to the two cores we have.
    maxWorkers: 2,
  },
});
