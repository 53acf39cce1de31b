import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Child-process and crypto-heavy suites share two cores; forks keep native modules isolated.
    pool: "forks",
  },
});
