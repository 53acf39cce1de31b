import { availableParallelism, loadavg } from "node:os";
import { defineConfig } from "vitest/config";

// Deadlines scale with the machine (test/helpers/patience.ts says why): KVKEY_TEST_PATIENCE, else the
// load average per core when the run starts, between 1 and 10. No test depends on being fast.
const fixed = Number(process.env.KVKEY_TEST_PATIENCE);
const patience = Number.isFinite(fixed) && fixed > 0 ? fixed : Math.min(10, Math.max(1, (loadavg()[0] ?? 0) / Math.max(1, availableParallelism())));

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: Math.round(60_000 * patience),
    hookTimeout: Math.round(60_000 * patience),
    // Child-process and crypto-heavy suites share two cores; forks keep native modules isolated.
    pool: "forks",
  },
});
