// CLI start-up and local command latency, measured side by side with bare `node -e 0` in one run.
// Usage: npm run build && node bench/startup.mjs [runs]
// Whole processes, cases interleaved so drift in machine load affects them all alike; medians in ms.
// The local commands run against the embedded vault in a fresh KVKEY_HOME holding one EC key.
// Prints each issue-8 target beside the baseline with MET / NOT MET. Never used as a test.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { machine, median, verdict } from "./lib/stats.mjs";

const runs = Number(process.argv[2] ?? 20);
const bin = fileURLToPath(new URL("../dist/kvkey.js", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "kvkey-bench-"));
const env = { PATH: process.env.PATH, KVKEY_HOME: home, HOME: home };

function time(args, { check = true } = {}) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (check && r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return { ms, status: r.status };
}

console.log(`start-up: ${machine()}`);
time([bin, "create", "--vault-name", "bench", "-n", "existing", "--kty", "EC"]);
// `sign` arrived with the crypto commands; an older build without it is reported, not failed.
const hasSign = time([bin, "sign", "--help"], { check: false }).status === 0;
const digest = createHash("sha256").update("kvkey bench").digest("base64");

let fresh = 0;
const cases = [
  { name: "node -e 0", args: () => ["-e", "0"] },
  { name: "kvkey --version", args: () => [bin, "--version"], target: 60 },
  { name: "kvkey --help", args: () => [bin, "--help"], target: 60 },
  { name: "kvkey show --help", args: () => [bin, "show", "--help"] },
  { name: "kvkey show (embedded vault)", args: () => [bin, "show", "--vault-name", "bench", "-n", "existing"], target: 150 },
  // A new key each run, as a script creating keys would do.
  { name: "kvkey create --kty EC (embedded vault)", args: () => [bin, "create", "--vault-name", "bench", "-n", `fresh-${fresh++}`, "--kty", "EC"], target: 200 },
  ...(hasSign
    ? [{ name: "kvkey sign -a ES256 (embedded vault)", args: () => [bin, "sign", "--vault-name", "bench", "-n", "existing", "-a", "ES256", "--digest", digest], target: 200 }]
    : []),
  { name: "kvkey list (embedded vault)", args: () => [bin, "list", "--vault-name", "bench"] },
];

// Interleave the cases so drift in machine load affects them all alike.
const samples = new Map(cases.map(({ name }) => [name, []]));
for (let i = 0; i < runs; i++) for (const c of cases) samples.get(c.name).push(time(c.args()).ms);
rmSync(home, { recursive: true, force: true });

const baseline = median(samples.get("node -e 0"));
console.log(`${runs} runs each, medians:`);
for (const { name } of cases) {
  const m = median(samples.get(name));
  const extra = name === "node -e 0" ? "" : `  (+${(m - baseline).toFixed(0)} ms over node)`;
  console.log(`  ${name.padEnd(42)} ${m.toFixed(1).padStart(7)} ms${extra}`);
}
console.log("targets:");
for (const c of cases.filter((c) => c.target !== undefined)) {
  const over = median(samples.get(c.name)) - baseline;
  verdict({
    target: c.name,
    measured: `+${over.toFixed(0)} ms over node -e 0`,
    baseline: `node -e 0 ${baseline.toFixed(0)} ms`,
    goal: `≤ +${c.target} ms`,
    met: over <= c.target,
  });
}
if (!hasSign) {
  verdict({ target: "kvkey sign -a ES256 (embedded vault)", measured: "this build has no sign command", goal: "≤ +200 ms", skipped: true });
}
