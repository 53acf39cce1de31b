// CLI start-up and local command latency, measured side by side with bare `node -e 0` in one run.
// Usage: npm run build && node bench/startup.mjs [runs]
// Prints medians in milliseconds; docs/performance.md records the results. Never used as a test.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const runs = Number(process.argv[2] ?? 20);
const bin = fileURLToPath(new URL("../dist/kvkey.js", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "kvkey-bench-"));
const env = { PATH: process.env.PATH, KVKEY_HOME: home, HOME: home };

function time(args) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

time([bin, "create", "--vault-name", "bench", "-n", "existing", "--kty", "EC"]);

const cases = [
  ["node -e 0", ["-e", "0"]],
  ["kvkey --version", [bin, "--version"]],
  ["kvkey --help", [bin, "--help"]],
  ["kvkey show --help", [bin, "show", "--help"]],
  ["kvkey show (embedded vault)", [bin, "show", "--vault-name", "bench", "-n", "existing"]],
  ["kvkey create --kty EC (embedded vault)", [bin, "create", "--vault-name", "bench", "-n", "fresh", "--kty", "EC"]],
  ["kvkey list (embedded vault)", [bin, "list", "--vault-name", "bench"]],
];

// Interleave the cases so drift in machine load affects them all alike.
const samples = new Map(cases.map(([name]) => [name, []]));
for (let i = 0; i < runs; i++) for (const [name, args] of cases) samples.get(name).push(time(args));

const baseline = median(samples.get("node -e 0"));
console.log(`node ${process.version}, ${runs} runs each, medians:`);
for (const [name] of cases) {
  const m = median(samples.get(name));
  const extra = name === "node -e 0" ? "" : `  (+${(m - baseline).toFixed(0)} ms over node)`;
  console.log(`${name.padEnd(42)} ${m.toFixed(1).padStart(7)} ms${extra}`);
}
rmSync(home, { recursive: true, force: true });
