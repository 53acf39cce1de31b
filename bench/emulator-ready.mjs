// Served emulator start-to-ready: from spawning `kvkey emulator start` to the first answered HTTPS request.
// Usage: npm run build && node bench/emulator-ready.mjs [runs]
//
// "Ready" is what a test suite waits for: a GET over HTTPS (trusting only the emulator's CA) gets its
// answer. The clock starts when the process is spawned, so node's own start-up, loading the bundle,
// opening SQLite, TLS set-up and (for a fresh data directory) making the CA, the server certificate,
// the security domain and the schema are all inside. Measured for:
//   - a fresh data directory (first start ever) and a used one (every later start), --workers 1;
//   - a used data directory with the default --workers (one per core): the workers start in parallel;
//   - --in-memory (nothing on disk; an ephemeral CA).
// The baseline is `node -e 0` on the same machine in the same run. Never a test.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN } from "./lib/served-emulator.mjs";
import { machine, median, verdict } from "./lib/stats.mjs";

const RUNS = Number(process.argv[2] ?? 5);
const TARGET_MS = 1000;

if (!existsSync(BIN)) {
  console.error(`${BIN} is missing: run \`npm run build\` first.`);
  process.exit(1);
}

function get(port, ca) {
  return new Promise((resolve) => {
    const req = request(
      { host: "127.0.0.1", port, ca, servername: "ready.vault.localhost", path: "/keys?api-version=2025-07-01", headers: { host: `ready.vault.localhost:${port}` }, agent: false },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      },
    );
    req.on("error", () => resolve(undefined));
    req.end();
  });
}

/** Spawns the emulator and returns ms until a request is answered (the 401 challenge counts). */
async function startToReady(dataDir, extraArgs) {
  const args = [BIN, "emulator", "start", "--port", "0", ...extraArgs];
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, KVKEY_HOME: dataDir } });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const stateFile = join(dataDir, "emulator.json");
  try {
    // emulator.json appears once the server listens; poll finely, since that is what is measured.
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the emulator exited: ${stderr}`);
      if (existsSync(stateFile)) {
        try {
          const state = JSON.parse(readFileSync(stateFile, "utf8"));
          const status = await get(state.port, readFileSync(state.caPath, "utf8"));
          if (status !== undefined) return Number(process.hrtime.bigint() - started) / 1e6;
        } catch {
          // written but not complete yet
        }
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGINT");
    await exited;
  }
}

console.log(`emulator start-to-ready: ${machine()}`);
const node = [];
for (let i = 0; i < RUNS; i++) {
  const t = process.hrtime.bigint();
  spawnSync(process.execPath, ["-e", "0"]);
  node.push(Number(process.hrtime.bigint() - t) / 1e6);
}

const cases = {
  "fresh data directory, --workers 1": [],
  "used data directory, --workers 1": [],
  "used data directory, default --workers": [],
  "--in-memory": [],
};
for (let i = 0; i < RUNS; i++) {
  const dir = mkdtempSync(join(tmpdir(), "kvkey-ready-bench-"));
  try {
    cases["fresh data directory, --workers 1"].push(await startToReady(dir, ["--data-dir", dir, "--workers", "1"]));
    cases["used data directory, --workers 1"].push(await startToReady(dir, ["--data-dir", dir, "--workers", "1"]));
    cases["used data directory, default --workers"].push(await startToReady(dir, ["--data-dir", dir]));
    cases["--in-memory"].push(await startToReady(dir, ["--in-memory"]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const baseline = median(node);
console.log(`${RUNS} runs each, medians (min–max):`);
console.log(`  ${"node -e 0".padEnd(40)} ${baseline.toFixed(0).padStart(5)} ms`);
for (const [name, samples] of Object.entries(cases)) {
  console.log(`  ${name.padEnd(40)} ${median(samples).toFixed(0).padStart(5)} ms  (${Math.min(...samples).toFixed(0)}–${Math.max(...samples).toFixed(0)})`);
}
for (const name of ["fresh data directory, --workers 1", "used data directory, default --workers"]) {
  const m = median(cases[name]);
  verdict({
    target: `emulator start-to-ready, ${name}`,
    measured: `${m.toFixed(0)} ms`,
    baseline: `node -e 0 ${baseline.toFixed(0)} ms`,
    goal: `≤ ${TARGET_MS} ms ("start in a second")`,
    met: m <= TARGET_MS,
  });
}
