// `npm run bench`: every issue-8 benchmark in turn, then one table of targets with MET / NOT MET.
// Usage: npm run build && node bench/all.mjs [--quick]
//   --quick: fewer runs and shorter loads (a smoke run; the numbers in docs/performance.md are full runs).
// Each script prints its own details; they can also be run one by one (see docs/performance.md).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { machine } from "./lib/stats.mjs";

const quick = process.argv.includes("--quick");
const here = (f) => fileURLToPath(new URL(f, import.meta.url));
if (!existsSync(here("../dist/kvkey.js"))) {
  console.error("dist/kvkey.js is missing: run `npm run build` first (npm run bench does).");
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), "kvkey-bench-results-"));
const results = join(dir, "results.jsonl");

const scripts = [
  ["startup.mjs", quick ? ["5"] : ["20"]],
  ["az-compare.mjs", quick ? ["20"] : ["100"]],
  ["list.mjs", quick ? ["2"] : ["5"]],
  ["served.mjs", quick ? ["--duration", "4"] : ["--duration", "10"]],
  ["emulator-ready.mjs", quick ? ["2"] : ["5"]],
  ["emulator-get.mjs", quick ? ["1000"] : ["5000"]],
  // Reads the TypeScript test helpers (the hostile corpus) through the test suite's loader.
  ["hostile.mjs", quick ? ["300"] : ["900"], ["--import", here("../test/emulator/fixtures/register-ts.mjs")]],
];

console.log(`kvkey benchmarks (issue 8): ${machine()}\n`);
let failed = false;
for (const [script, args, nodeArgs = []] of scripts) {
  console.log(`==> node bench/${script} ${args.join(" ")}`);
  const r = spawnSync(process.execPath, [...nodeArgs, here(script), ...args], { stdio: "inherit", env: { ...process.env, BENCH_RESULTS: results } });
  if (r.status !== 0) {
    console.log(`    bench/${script} failed (exit ${r.status})`);
    failed = true;
  }
  console.log("");
}

const rows = existsSync(results) ? readFileSync(results, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
rmSync(dir, { recursive: true, force: true });
console.log(`summary — ${machine()}`);
for (const r of rows) console.log(`  ${r.verdict.padEnd(12)} ${r.target}: ${r.measured} (target ${r.goal})`);
const met = rows.filter((r) => r.verdict === "MET").length;
console.log(`${met} of ${rows.length} targets met${failed ? "; a bench script failed" : ""}.`);
// A benchmark reports; it does not fail a build on a noisy machine. Only a broken script is an error.
process.exit(failed ? 1 : 0);
