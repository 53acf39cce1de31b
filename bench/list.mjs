// `kvkey list` of a vault holding 10,000 keys, against 1,000 keys, through the CLI (embedded vault).
// Usage: npm run build && node bench/list.mjs [runs]
//
// Seeding: 1,000 and 10,000 EC P-256 keys in two vaults of one data directory, created in-process
// through the emulator's own handler (createEmulator().handle(), 16 creates in flight), not by CLI calls.
// Then, interleaved, `runs` times each: `kvkey list --vault-name ...` (JSON to a pipe, counted), timed
// as a whole process, with its peak RSS (getrusage, through bench/lib/rss-probe.mjs).
// Memory while paging is measured where paging happens: the emulator answering 25-key pages
// (bench/lib/page-memory.mjs, heap after forced GCs). The CLI's own output *is* the whole list, so its
// peak RSS grows with the list; the bench prints how much per key.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createEmulator } from "../dist/index.js";
import { machine, median, verdict } from "./lib/stats.mjs";

const RUNS = Number(process.argv[2] ?? 5);
const bin = fileURLToPath(new URL("../dist/kvkey.js", import.meta.url));
const lib = (f) => fileURLToPath(new URL(`./lib/${f}`, import.meta.url));
const home = mkdtempSync(join(tmpdir(), "kvkey-list-bench-"));
const rssFile = join(home, "rss");
const env = { PATH: process.env.PATH, KVKEY_HOME: home, HOME: home, KVKEY_BENCH_RSS_FILE: rssFile };
const SIZES = [
  { vault: "list1k", keys: 1000 },
  { vault: "list10k", keys: 10000 },
];

console.log(`list: ${machine()}`);

// ---- seed ----------------------------------------------------------------------------------------
const seedStarted = performance.now();
const emulator = createEmulator({ dataDir: home });
const token = emulator.issueToken().token;
for (const { vault, keys } of SIZES) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < keys; i = next++) {
      const r = await emulator.handle({
        method: "POST",
        url: `https://${vault}.vault.localhost/keys/key-${String(i).padStart(5, "0")}/create?api-version=2025-07-01`,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: '{"kty":"EC","crv":"P-256"}',
      });
      if (r.status !== 200) throw new Error(`seeding ${vault}: ${r.status} ${r.body}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}
emulator.close();
console.log(`seeded ${SIZES.map((s) => s.keys).join(" + ")} keys in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

// ---- the CLI ---------------------------------------------------------------------------------------
function run(args, probe, heap = false) {
  const started = process.hrtime.bigint();
  const flags = probe ? [...(heap ? ["--expose-gc"] : []), "--import", lib("rss-probe.mjs")] : [];
  const r = spawnSync(process.execPath, [...flags, ...args], {
    env,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout, ...(probe ? JSON.parse(readFileSync(rssFile, "utf8")) : {}) };
}

const samples = new Map([["node -e 0", []], ...SIZES.map((s) => [s.vault, []])]);
const rss = new Map(SIZES.map((s) => [s.vault, []]));
const outputBytes = new Map();
for (let i = 0; i < RUNS; i++) {
  samples.get("node -e 0").push(run(["-e", "0"]).ms);
  for (const { vault, keys } of SIZES) {
    const r = run([bin, "list", "--vault-name", vault], true);
    if (i === 0) {
      const count = JSON.parse(r.stdout).length;
      if (count !== keys) throw new Error(`list ${vault} returned ${count} keys, expected ${keys}`);
      outputBytes.set(vault, Buffer.byteLength(r.stdout));
    }
    samples.get(vault).push(r.ms);
    rss.get(vault).push(r.maxRssKiB);
  }
}
// Once more each, untimed, with a full GC as the output is written: what the CLI holds at that point.
const held = new Map(SIZES.map(({ vault }) => [vault, run([bin, "list", "--vault-name", vault], true, true)]));

// ---- the emulator while paging -------------------------------------------------------------------
const paging = new Map();
for (const { vault } of SIZES) {
  const r = spawnSync(process.execPath, ["--expose-gc", lib("page-memory.mjs"), home, vault], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  paging.set(vault, JSON.parse(r.stdout));
}
rmSync(home, { recursive: true, force: true });

// ---- report ----------------------------------------------------------------------------------------
const MiB = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const node0 = median(samples.get("node -e 0"));
console.log(`${RUNS} runs each, medians:`);
console.log(`  node -e 0                                 ${node0.toFixed(0).padStart(6)} ms`);
for (const { vault, keys } of SIZES) {
  console.log(
    `  kvkey list (${String(keys).padStart(6)} keys)                ${median(samples.get(vault)).toFixed(0).padStart(6)} ms, ` +
      `peak RSS ${MiB(median(rss.get(vault)) * 1024)}, output ${MiB(outputBytes.get(vault))}`,
  );
}
for (const { vault, keys } of SIZES) {
  const p = paging.get(vault);
  console.log(
    `  emulator paging ${String(keys).padStart(6)} keys (${p.pages} pages of 25): ${p.ms.toFixed(0)} ms, ` +
      `heap after GC: start ${MiB(p.heapStart)}, max ${MiB(p.heapMax)}, end ${MiB(p.heapEnd)}`,
  );
}
const t1 = median(samples.get("list1k"));
const t10 = median(samples.get("list10k"));
const r1 = median(rss.get("list1k"));
const r10 = median(rss.get("list10k"));
const perKey = ((r10 - r1) * 1024) / 9000;
const outPerKey = (outputBytes.get("list10k") - outputBytes.get("list1k")) / 9000;
const h1 = held.get("list1k").heapAtOutput;
const h10 = held.get("list10k").heapAtOutput;
console.log(
  `  CLI heap after GC as it writes the output: ${MiB(h1)} (1,000 keys), ${MiB(h10)} (10,000 keys): ` +
    `${(((h10 - h1) / 9000) / 1024).toFixed(2)} KiB per key, for ${outPerKey.toFixed(0)} bytes of JSON output per key`,
);
console.log(
  `  CLI peak RSS grows ${(perKey / 1024).toFixed(1)} KiB per key: mostly V8 sizing its heap for the run's garbage ` +
    "(it runs in a 48 MiB old space as well)",
);
console.log("targets:");
verdict({ target: "kvkey list, 10,000 keys (embedded vault)", measured: `${(t10 / 1000).toFixed(2)} s`, baseline: `node -e 0 ${node0.toFixed(0)} ms`, goal: "< 3 s", met: t10 < 3000 });
verdict({
  target: "list time grows linearly",
  measured: `10,000 keys take ${(t10 / t1).toFixed(1)}x the time of 1,000`,
  baseline: `1,000 keys ${t1.toFixed(0)} ms`,
  goal: "≤ 12x",
  met: t10 <= 12 * t1,
});
const p1 = paging.get("list1k");
const p10 = paging.get("list10k");
const growth = p10.heapMax - p1.heapMax;
verdict({
  target: "emulator memory flat while paging (heap after GC, max over the walk)",
  measured: `10,000 keys: ${MiB(p10.heapMax)}; 1,000 keys: ${MiB(p1.heapMax)} (${growth >= 0 ? "+" : ""}${MiB(growth)})`,
  baseline: `heap before paging ${MiB(p10.heapStart)}`,
  goal: "10x the keys, under 1 MiB more heap",
  met: growth < 2 ** 20,
});
