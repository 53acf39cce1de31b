// Engine cost of an in-process get of an existing key, after warm-up.
// Usage: npm run build && node bench/emulator-get.mjs [calls]
//
// Measures, one call at a time with process.hrtime:
//   - emulator.handle() for GET /keys/{name}/ (the whole data plane: addressing, token check, api-version,
//     routing, one SQLite read transaction, unsealing is NOT involved, serialisation), on an in-memory
//     store and on a data directory (WAL, as the CLI uses it);
//   - a full KeyClient.getKey() through the embedded HttpClient (the SDK pipeline included).
// Prints median / p95 / p99 in microseconds. docs/performance.md records the results. Never a test.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { KeyClient } from "@azure/keyvault-keys";
import { createEmulator, embeddedConnection } from "../dist/index.js";

const CALLS = Number(process.argv[2] ?? 5000);
const WARMUP = 1000;
const SDK_CALLS = Math.max(1000, Math.floor(CALLS / 2));
const VAULT = "https://bench.vault.localhost";

function stats(samples) {
  const s = Float64Array.from(samples).sort();
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, median: at(0.5), p95: at(0.95), p99: at(0.99), mean };
}

function line(label, r) {
  const us = (ns) => (ns / 1000).toFixed(1).padStart(8);
  console.log(`${label.padEnd(50)} median ${us(r.median)} µs   p95 ${us(r.p95)} µs   p99 ${us(r.p99)} µs   (n=${r.n})`);
}

async function timeCalls(n, fn) {
  const samples = new Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  return samples;
}

async function benchEngine(label, emulator, keyName) {
  const token = emulator.issueToken().token;
  const request = {
    method: "GET",
    url: `${VAULT}/keys/${keyName}/?api-version=2025-07-01`,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  };
  const probe = await emulator.handle(request);
  if (probe.status !== 200) throw new Error(`unexpected ${probe.status}: ${probe.body}`);
  await timeCalls(WARMUP, () => emulator.handle(request));
  line(label, stats(await timeCalls(CALLS, () => emulator.handle(request))));
}

async function benchSdk(label, emulator, keyName) {
  const { httpClient, credential } = embeddedConnection(emulator);
  const client = new KeyClient(VAULT, credential, { httpClient });
  await client.getKey(keyName);
  await timeCalls(Math.min(WARMUP, SDK_CALLS), () => client.getKey(keyName));
  line(label, stats(await timeCalls(SDK_CALLS, () => client.getKey(keyName))));
}

async function seed(emulator) {
  const token = emulator.issueToken().token;
  const create = (name, body) =>
    emulator.handle({
      method: "POST",
      url: `${VAULT}/keys/${name}/create?api-version=2025-07-01`,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  // A vault with some neighbours and versions, so the get is not a lookup in an empty table.
  for (let i = 0; i < 50; i++) await create(`other-${i}`, { kty: "EC", crv: "P-256" });
  for (let i = 0; i < 5; i++) await create("ec", { kty: "EC", crv: "P-256", tags: { i: String(i) } });
  await create("rsa", { kty: "RSA", key_size: 2048 });
}

const cpu = cpus();
console.log(`node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? "cpu"}, ${CALLS} engine calls and ${SDK_CALLS} SDK calls after warm-up`);

const memory = createEmulator({ inMemory: true });
await seed(memory);
await benchEngine("handle() GET EC key, in-memory store", memory, "ec");
await benchEngine("handle() GET RSA-2048 key, in-memory store", memory, "rsa");

const dir = mkdtempSync(join(tmpdir(), "kvkey-bench-"));
try {
  const disk = createEmulator({ dataDir: dir });
  await seed(disk);
  await benchEngine("handle() GET EC key, data directory (WAL)", disk, "ec");
  await benchEngine("handle() GET RSA-2048 key, data directory (WAL)", disk, "rsa");
  await benchSdk("KeyClient.getKey EC, data directory", disk, "ec");
  await benchSdk("KeyClient.getKey RSA-2048, data directory", disk, "rsa");
  disk.close();
} finally {
  memory.close();
  rmSync(dir, { recursive: true, force: true });
}
