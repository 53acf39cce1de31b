// The served emulator under load, measured side by side with the raw crypto rate in one run.
// Usage: npm run build && node bench/served.mjs [--duration 10] [--connections 32] [--workers N] [--tool wrk|node]
//
//  1. `kvkey emulator start` (the real binary, a fresh data directory) with its default --workers (one
//     per core), then with --workers 1; a separate load process — wrk when installed (Debian:
//     apt-get install wrk), else bench/lib/load.mjs — sends keep-alive HTTPS POST /keys/{name}//sign for
//     RS256 (RSA-2048) and ES256 (P-256) for --duration seconds each, after a 2 s warm-up. Every
//     response must be 200; one signature of each kind is verified with node:crypto first.
//  2. Baseline, right before each RS256 load: the single-core raw node:crypto RS256 rate (RSA-2048,
//     crypto.sign in a loop in a child process).
//  3. RSA-4096 creation must not block the served emulator: a probe process times small GETs, first
//     alone, then while this process keeps four RSA-4096 creates in flight. Run on one worker, so the
//     creates and the GETs share one event loop (the strict case).
// Also prints the CPU time each request cost (emulator processes, load generator), which a busy
// machine changes much less than requests/s. Prints each target with MET / NOT MET. Never a test.
import { spawnSync, spawn } from "node:child_process";
import { createHash, createPublicKey, randomBytes, verify } from "node:crypto";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { machine, median, verdict } from "./lib/stats.mjs";
import { API, startServed } from "./lib/served-emulator.mjs";
import { reapedChildrenCpuMs, treeCpuMs } from "./lib/proc-cpu.mjs";

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const DURATION = Number(arg("duration", 10));
const CONNECTIONS = Number(arg("connections", 32));
const WORKERS = arg("workers");
const hasWrk = spawnSync("wrk", ["--version"]).error === undefined;
const TOOL = arg("tool", hasWrk ? "wrk" : "node");
const lib = (f) => fileURLToPath(new URL(`./lib/${f}`, import.meta.url));

console.log(`served emulator: ${machine()}`);
console.log(`load: ${TOOL === "wrk" ? "wrk (1 thread)" : "bench/lib/load.mjs"}, ${CONNECTIONS} keep-alive connections, ${DURATION} s per case; emulator --workers ${WORKERS ?? "(default)"}`);
if (TOOL !== "wrk") {
  console.log("note: the Node load generator needs several times wrk's CPU per request, on the same cores as the emulator; install wrk (apt-get install wrk) for the issue-8 numbers");
}

// ---- 1. the raw rate -----------------------------------------------------------------------------
// Measured right before each RS256 load, so both see the same machine (other work on it included).
function rawRate() {
  const r = spawnSync(process.execPath, [lib("raw-sign.mjs"), "3000"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  const raw = JSON.parse(r.stdout);
  console.log(`  raw node:crypto, one core, just before: RS256 ${raw.rs256.toFixed(0)} signatures/s (ES256 over data, hashing itself: ${raw.es256.toFixed(0)}/s)`);
  return raw;
}

// ---- 2. sign under load --------------------------------------------------------------------------
function runLoad(served, path, body, seconds) {
  const serverBefore = treeCpuMs(served.pid);
  const loadBefore = reapedChildrenCpuMs();
  const result = runLoadTool(served, path, body, seconds);
  // CPU per request: the emulator's processes, and the load generator's (reaped once it exited).
  result.serverCpuUs = ((treeCpuMs(served.pid) - serverBefore) * 1000) / Math.max(1, result.requests);
  result.loadCpuUs = ((reapedChildrenCpuMs() - loadBefore) * 1000) / Math.max(1, result.requests);
  return result;
}

function runLoadTool(served, path, body, seconds) {
  const url = `${served.base}${path}`;
  if (TOOL === "wrk") {
    const r = spawnSync("wrk", ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", "-s", lib("wrk-post.lua"), url], {
      encoding: "utf8",
      env: { ...process.env, WRK_HOST: served.host, WRK_BODY: JSON.stringify(body) },
    });
    if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
    const out = r.stdout;
    const num = (re) => Number(out.match(re)?.[1] ?? 0);
    const socket = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
    const lat = (p) => {
      const m = out.match(new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`));
      if (!m) return NaN;
      return Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1);
    };
    return {
      requests: num(/(\d+) requests in/),
      rps: num(/Requests\/sec:\s+([\d.]+)/),
      bad: num(/Non-2xx or 3xx responses: (\d+)/),
      errors: socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
      p50: lat(50),
      p99: lat(99),
    };
  }
  const r = spawnSync(
    process.execPath,
    [lib("load.mjs"), JSON.stringify({ url, host: served.host, ca: served.ca, body: JSON.stringify(body), connections: CONNECTIONS, duration: seconds * 1000 })],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`load generator failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  const ok = j.statuses["200"] ?? 0;
  return { requests: j.requests, rps: j.rps, bad: j.requests - ok, errors: j.errors, p50: j.latency.p50, p99: j.latency.p99 };
}

/** Starts the emulator, checks one signature of each kind, then loads it; returns { RS256, ES256 }. */
async function signLoad(workers) {
  const served = await startServed(workers === undefined ? {} : { workers });
  const results = {};
  try {
    const rsa = await served.call("POST", `/keys/rsa/create?${API}`, { kty: "RSA", key_size: 2048 });
    const ec = await served.call("POST", `/keys/ec/create?${API}`, { kty: "EC", crv: "P-256" });
    if (rsa.status !== 200 || ec.status !== 200) throw new Error(`seeding failed: ${rsa.status} ${ec.status}`);
    const message = randomBytes(64);
    const digest = createHash("sha256").update(message).digest().toString("base64url");
    const cases = [
      { name: "RS256", key: rsa.body.key, path: `/keys/rsa//sign?${API}`, body: { alg: "RS256", value: digest } },
      { name: "ES256", key: ec.body.key, path: `/keys/ec//sign?${API}`, body: { alg: "ES256", value: digest } },
    ];
    for (const c of cases) {
      // The emulator's signature must verify with node:crypto over the original message.
      const signed = await served.call("POST", c.path, c.body);
      if (signed.status !== 200) throw new Error(`${c.name} sign answered ${signed.status}`);
      const publicKey = createPublicKey({ key: c.key, format: "jwk" });
      const sig = Buffer.from(signed.body.value, "base64url");
      const ok = verify("sha256", message, c.name === "ES256" ? { key: publicKey, dsaEncoding: "ieee-p1363" } : publicKey, sig);
      if (!ok) throw new Error(`${c.name}: the emulator's signature does not verify`);
      runLoad(served, c.path, c.body, 2); // warm-up
      if (c.name === "RS256") results.raw = rawRate();
      const r = (results[c.name] = runLoad(served, c.path, c.body, DURATION));
      console.log(
        `  ${c.name} sign: ${r.rps.toFixed(0)} req/s (${r.requests} requests, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ` +
          `non-200 ${r.bad}, socket errors ${r.errors}; CPU per request: emulator ${r.serverCpuUs.toFixed(0)} µs, load generator ${r.loadCpuUs.toFixed(0)} µs)`,
      );
    }
  } finally {
    await served.stop();
  }
  return results;
}

// The emulator as `kvkey emulator start` runs it (its --workers default: one per core), then with one
// worker for comparison — unless --workers picks one configuration.
const cores = availableParallelism();
const configs =
  WORKERS !== undefined
    ? [{ label: `--workers ${WORKERS}`, workers: Number(WORKERS) }]
    : [{ label: `default (--workers ${cores}, one per core)` }, ...(cores > 1 ? [{ label: "--workers 1", workers: 1 }] : [])];
const byConfig = [];
for (const config of configs) {
  console.log(`emulator ${config.label}:`);
  byConfig.push({ config, results: await signLoad(config.workers) });
}

// ---- 3. RSA-4096 creation vs small GETs ------------------------------------------------------------
function probe(s, seconds) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [lib("get-probe.mjs"), JSON.stringify({ url: `${s.base}/keys/small?${API}`, host: s.host, ca: s.ca, duration: seconds * 1000 })], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`probe exited ${code}`))));
  });
}

const single = await startServed({ workers: 1 });
let alone;
let during;
const createTimes = [];
let createErrors = 0;
try {
  await single.call("POST", `/keys/small/create?${API}`, { kty: "EC", crv: "P-256" });
  alone = await probe(single, 3);
  let stop = false;
  const creating = Array.from({ length: 4 }, async (_, i) => {
    for (let n = 0; !stop; n++) {
      const t0 = performance.now();
      const r = await single.call("POST", `/keys/big-${i}-${n}/create?${API}`, { kty: "RSA", key_size: 4096 });
      if (r.status === 200) createTimes.push(performance.now() - t0);
      else createErrors++;
    }
  });
  // Let the first creates start before the probe begins.
  await new Promise((r) => setTimeout(r, 200));
  during = await probe(single, 8);
  stop = true;
  await Promise.all(creating);
} finally {
  await single.stop();
}
const fmt = (p) => `p50 ${p.p50.toFixed(2)} ms, p99 ${p.p99.toFixed(2)} ms, max ${p.max.toFixed(1)} ms (${p.n} GETs)`;
console.log(`GET /keys/small alone:                ${fmt(alone)}`);
console.log(`GET /keys/small during RSA-4096 creates: ${fmt(during)}; ${createTimes.length} creates, median ${median(createTimes).toFixed(0)} ms each`);

// ---- verdicts ------------------------------------------------------------------------------------
console.log(`targets (emulator ${byConfig[0].config.label}):`);
const { results } = byConfig[0];
const raw = results.raw;
const rs = results.RS256;
const es = results.ES256;
verdict({
  target: "served RS256 sign (RSA-2048) vs raw single-core node:crypto",
  measured: `${rs.rps.toFixed(0)} req/s = ${((rs.rps / raw.rs256) * 100).toFixed(0)}%`,
  baseline: `${raw.rs256.toFixed(0)} signatures/s`,
  goal: "≥ 60%",
  met: rs.rps >= 0.6 * raw.rs256,
});
verdict({ target: "served ES256 sign (P-256)", measured: `${es.rps.toFixed(0)} req/s`, baseline: "", goal: "≥ 5,000 req/s", met: es.rps >= 5000 });
const bad = rs.bad + rs.errors + es.bad + es.errors;
verdict({
  target: "error responses under the sign load",
  measured: `${bad} of ${rs.requests + es.requests}`,
  baseline: "",
  goal: "0",
  met: bad === 0,
});
// A blocked event loop would hold a GET for as long as a whole creation; a busy CPU (four key
// generations on two cores) only slows it down.
const createMs = median(createTimes);
const blocked =
  !(createTimes.length > 0) ||
  during.p99 >= 100 ||
  during.max >= createMs / 10 ||
  during.errors > 0 ||
  Object.keys(during.statuses).some((s) => s !== "200") ||
  createErrors > 0;
verdict({
  target: "small GETs while four RSA-4096 creates run (one worker: same event loop)",
  measured: `p99 ${during.p99.toFixed(1)} ms, max ${during.max.toFixed(1)} ms (${during.n} GETs)`,
  baseline: `alone p99 ${alone.p99.toFixed(1)} ms; one create takes ${createMs.toFixed(0)} ms`,
  goal: "not blocked: p99 < 100 ms, no GET waits a tenth of one create, no errors",
  met: !blocked,
});
