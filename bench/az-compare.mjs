// A script of 100 sequential `kvkey show` calls against 100 `az keyvault key show -h` (az's start-up
// alone: it parses its command table and prints help, with no network), in one run.
// Usage: npm run build && node bench/az-compare.mjs [calls]
// Needs the real az (Debian: apt-get install azure-cli); without it the target is reported NOT MEASURED.
// The calls run in blocks of 10, alternating which tool goes first, so drift in machine load hits both.
// az runs with telemetry off and its own config directory (its best case: no upload at exit).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { machine, median, verdict } from "./lib/stats.mjs";

const CALLS = Number(process.argv[2] ?? 100);
const BLOCK = 10;
const bin = fileURLToPath(new URL("../dist/kvkey.js", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "kvkey-az-bench-"));
const kvEnv = { PATH: process.env.PATH, KVKEY_HOME: home, HOME: home };
const azEnv = { PATH: process.env.PATH, HOME: home, AZURE_CONFIG_DIR: join(home, ".azure"), AZURE_CORE_COLLECT_TELEMETRY: "no" };

function run(cmd, args, env) {
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.error?.message ?? r.status}): ${r.stderr}`);
  return ms;
}

console.log(`az comparison: ${machine()}`);
const az = spawnSync("az", ["version", "-o", "tsv"], { env: azEnv, encoding: "utf8" });
if (az.error || az.status !== 0) {
  console.log("az is not installed (Debian: apt-get install azure-cli)");
  verdict({ target: `${CALLS} sequential kvkey show vs az keyvault key show -h`, measured: "az not installed", goal: "≥ 3x faster", skipped: true });
  process.exit(0);
}
console.log(`az ${az.stdout.trim().split(/\s+/)[0]} (${spawnSync("which", ["az"], { encoding: "utf8" }).stdout.trim()})`);

run(process.execPath, [bin, "create", "--vault-name", "bench", "-n", "existing", "--kty", "EC"], kvEnv);
const kvkeyShow = () => run(process.execPath, [bin, "show", "--vault-name", "bench", "-n", "existing"], kvEnv);
const azShow = () => run("az", ["keyvault", "key", "show", "-h"], azEnv);
// Warm-up: az writes its config directory and command index on first use.
kvkeyShow();
azShow();

const kv = [];
const azs = [];
for (let done = 0, block = 0; done < CALLS; done += BLOCK, block++) {
  const n = Math.min(BLOCK, CALLS - done);
  const order = block % 2 === 0 ? [[kv, kvkeyShow], [azs, azShow]] : [[azs, azShow], [kv, kvkeyShow]];
  for (const [into, fn] of order) for (let i = 0; i < n; i++) into.push(fn());
}
rmSync(home, { recursive: true, force: true });

const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const kvTotal = sum(kv);
const azTotal = sum(azs);
console.log(`  ${CALLS} × kvkey show (embedded vault):   ${(kvTotal / 1000).toFixed(1)} s in all, median ${median(kv).toFixed(0)} ms per call`);
console.log(`  ${CALLS} × az keyvault key show -h:      ${(azTotal / 1000).toFixed(1)} s in all, median ${median(azs).toFixed(0)} ms per call`);
console.log("targets:");
verdict({
  target: `${CALLS} sequential kvkey show vs ${CALLS} az keyvault key show -h`,
  measured: `${(kvTotal / 1000).toFixed(1)} s, ${(azTotal / kvTotal).toFixed(1)}x faster`,
  baseline: `az ${(azTotal / 1000).toFixed(1)} s`,
  goal: "≥ 3x faster",
  met: azTotal >= 3 * kvTotal,
});
