// kvkey against az on the Azure path, paired: both talk to the loopback "Azure"
// (test/helpers/loopback-azure: *.vault.azure.net served by kvkey's emulator behind a test CA, a working
// IMDS, an Entra ID token endpoint, all inside a network namespace with only `lo`). For each credential
// path it times `show`, `create`, `list` and a loop of 20 `show`s, alternating which tool runs first in
// each pair so drift in machine load hits both, and reports medians, spreads and kvkey/az ratios.
//
// Credential paths (kvkey's steady state: its token cache is warm after the first run, as az's is):
//   az-login-user  kvkey uses az's login; az is logged in as a user (a real `az login -u` against the
//                loopback Entra ID and ARM; az then answers from its MSAL token cache, its best case).
//   az-login-mi  kvkey uses az's login; az is logged in as a managed identity (`az login --identity`),
//                which gets tokens from IMDS. Both tools use the same AZURE_CONFIG_DIR.
//   managed-identity  kvkey with nothing but the VM's IMDS; az logged in as that managed identity.
//   service-principal kvkey with AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET; az logged in as the
//                same service principal (service_principal_entries.json, tokens from the loopback Entra ID).
//
// Usage: npm run build && node bench/azure-path.mjs [pairs=7] [loops=3] [--only=az-login-mi,...]
//        [--kvkey=path/to/other/dist/kvkey.js] [--imds=drop]
// --kvkey times another build (an older kvkey, for a before/after); --imds=drop makes the IMDS address
// drop packets, as off Azure (the managed-identity path then has no identity: leave it out with --only).
// Needs root (network namespaces), Debian's az 2.45 and ../shared/tools/debian-az/az-shim; without them
// it says what is missing and reports NOT MEASURED. Nothing machine-wide is changed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loopbackAzureSupport, startLoopbackAzure, writeAzProfile, KVKEY_BIN, VAULT_TENANT } from "../test/helpers/loopback-azure/index.mjs";
import { azAvailable, azLoopbackEnv } from "./lib/az-loopback.mjs";
import { machine, median, verdict } from "./lib/stats.mjs";

const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const PAIRS = Number(positional[0] ?? 7);
const LOOPS = Number(positional[1] ?? 3);
const LOOP_SHOWS = 20;
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const kvkeyBin = process.argv.find((a) => a.startsWith("--kvkey="))?.slice(8) ?? KVKEY_BIN;
const imdsMode = process.argv.find((a) => a.startsWith("--imds="))?.slice(7) ?? "answer";
const SP = { clientId: "44444444-0000-0000-0000-0000000000b1", secret: "bench-secret" };
const USER = { username: "operator@contoso.example", password: "bench-password", objectId: "77777777-0000-0000-0000-0000000000b1" };

const uptime = () => execFileSync("uptime", { encoding: "utf8" }).trim();
console.log(`Azure path, kvkey vs az (loopback Azure): ${machine()}`);
console.log(`uptime at start: ${uptime()}`);

const support = loopbackAzureSupport();
const az = azAvailable();
if (!support.ok || !az.ok) {
  const why = !support.ok ? support.reason : az.reason;
  console.log(`cannot run: ${why}`);
  verdict({ target: "Azure path, every credential path ≤ 0.5x az per command", measured: why, goal: "≤ 0.5x", skipped: true });
  process.exit(0);
}

const world = await startLoopbackAzure({ vaults: ["bench"], imds: imdsMode, servicePrincipals: [SP], users: [USER] });
if (kvkeyBin !== KVKEY_BIN) console.log(`kvkey: ${kvkeyBin}`);
console.log(`IMDS: ${imdsMode}`);
const scratch = mkdtempSync(join(tmpdir(), "kvkey-azure-bench-"));
const node = process.execPath;
const base = { PATH: `${dirname(node)}:/usr/bin:/bin`, LANG: "C.UTF-8", NO_COLOR: "1" };

/** az with a managed-identity login (tokens from IMDS), and the same login for kvkey. */
function azManagedIdentity() {
  const dir = join(scratch, "az-mi");
  mkdirSync(dir, { recursive: true });
  const env = azLoopbackEnv(world, dir);
  delete env.MSI_ENDPOINT; // a VM: az's managed identity asks IMDS
  return env;
}

/** az logged in as a service principal: its profile and secret store, as `az login --service-principal` leaves them. */
function azServicePrincipal() {
  const dir = join(scratch, "az-sp");
  mkdirSync(dir, { recursive: true });
  const env = azLoopbackEnv(world, dir, { kind: "service-principal", clientId: SP.clientId, tenantId: VAULT_TENANT });
  delete env.MSI_ENDPOINT;
  writeFileSync(join(env.AZURE_CONFIG_DIR, "service_principal_entries.json"), JSON.stringify([{ client_id: SP.clientId, tenant: VAULT_TENANT, client_secret: SP.secret }]), { mode: 0o600 });
  return env;
}

/** az logged in as a user with a real `az login -u` (password grant at the loopback Entra ID, then ARM). */
async function azUser() {
  const dir = join(scratch, "az-user");
  mkdirSync(dir, { recursive: true });
  const env = azLoopbackEnv(world, dir, null);
  delete env.MSI_ENDPOINT;
  const login = await world.run("az", ["login", "-u", USER.username, "-p", USER.password, "--tenant", VAULT_TENANT, "-o", "none"], { env });
  if (login.code !== 0) throw new Error(`az login -u failed: ${login.stderr}`);
  return env;
}

/** kvkey sharing az's login (the same AZURE_CONFIG_DIR; az's environment, which kvkey passes on to az). */
function kvkeyWithAz(name, azEnv) {
  const home = join(scratch, `kvkey-${name}`);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return { ...azEnv, HOME: home, KVKEY_HOME: join(home, ".kvkey"), NODE_EXTRA_CA_CERTS: world.caFile, KVKEY_CLOUD: "AzureCloud", NO_COLOR: "1" };
}

function kvkeyEnv(name, extra) {
  const home = join(scratch, `kvkey-${name}`);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return { ...base, HOME: home, KVKEY_HOME: join(home, ".kvkey"), AZURE_CONFIG_DIR: join(home, ".azure"), NODE_EXTRA_CA_CERTS: world.caFile, KVKEY_CLOUD: "AzureCloud", ...extra };
}

const azMi = azManagedIdentity();
const azLoggedInUser = !only || only.includes("az-login-user") ? await azUser() : undefined;
const paths = [
  ...(azLoggedInUser ? [{ name: "az-login-user", label: "az login (user)", kvkey: kvkeyWithAz("az-user", azLoggedInUser), az: azLoggedInUser }] : []),
  // kvkey finds az's login and asks az (once; then its token cache).
  { name: "az-login-mi", label: "az login (managed identity)", kvkey: kvkeyWithAz("az-mi", azMi), az: azMi },
  { name: "managed-identity", label: "managed identity (IMDS)", kvkey: kvkeyEnv("mi", {}), az: azMi },
  {
    name: "service-principal",
    label: "service principal",
    kvkey: kvkeyEnv("sp", { AZURE_TENANT_ID: VAULT_TENANT, AZURE_CLIENT_ID: SP.clientId, AZURE_CLIENT_SECRET: SP.secret }),
    az: azServicePrincipal(),
  },
]
  .filter((p) => !only || only.includes(p.name))
  .filter((p) => {
    // Without a working IMDS there is no managed identity, for kvkey or for az.
    const needsImds = p.name === "az-login-mi" || p.name === "managed-identity";
    if (needsImds && imdsMode !== "answer") console.log(`(${p.label} left out: it needs --imds=answer)`);
    return !needsImds || imdsMode === "answer";
  });

async function timed(command, args, env) {
  const started = process.hrtime.bigint();
  const r = await world.run(command, args, { env });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.code !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.code}): ${r.stderr.slice(0, 800)}`);
  return ms;
}
const kv = (args, env) => timed(node, [kvkeyBin, ...args], env);
const azr = (args, env) => timed("az", ["keyvault", "key", ...args], env);

// A vault with some keys for `list` and one for `show` (made by this kvkey, through the first path).
const seed = paths[0].kvkey;
for (let i = 0; i < 10; i++) await timed(node, [KVKEY_BIN, "create", "--vault-name", "bench", "-n", `listed-${i}`, "--kty", "EC"], seed);

let counter = 0;
const commands = {
  show: { kvkey: ["show", "--vault-name", "bench", "-n", "listed-0"], az: ["show", "--vault-name", "bench", "-n", "listed-0"] },
  create: { kvkey: () => ["create", "--vault-name", "bench", "-n", `kv-${++counter}`, "--kty", "EC"], az: () => ["create", "--vault-name", "bench", "-n", `az-${++counter}`, "--kty", "EC"] },
  list: { kvkey: ["list", "--vault-name", "bench"], az: ["list", "--vault-name", "bench"] },
};
const argsOf = (a) => (typeof a === "function" ? a() : a);

const stat = (values) => `median ${(median(values) / 1000).toFixed(2)} s (min ${(Math.min(...values) / 1000).toFixed(2)}, max ${(Math.max(...values) / 1000).toFixed(2)})`;

/** `times` pairs of (kvkey, az), alternating which goes first; per-pair ratios. */
async function paired(times, kvkeyRun, azRun) {
  const kvT = [];
  const azT = [];
  const ratios = [];
  for (let i = 0; i < times; i++) {
    let k;
    let a;
    if (i % 2 === 0) {
      k = await kvkeyRun();
      a = await azRun();
    } else {
      a = await azRun();
      k = await kvkeyRun();
    }
    kvT.push(k);
    azT.push(a);
    ratios.push(k / a);
  }
  return { kvT, azT, ratio: median(ratios) };
}

const loop = async (runner, args, env) => {
  const started = process.hrtime.bigint();
  for (let i = 0; i < LOOP_SHOWS; i++) await runner(args, env);
  return Number(process.hrtime.bigint() - started) / 1e6;
};

const rows = [];
let allMet = true;
function record(path, what, { kvT, azT, ratio }, goal) {
  const met = ratio <= goal;
  allMet &&= met;
  rows.push({ path: path.label, what, kvkey: median(kvT), az: median(azT), ratio, goal: `≤ ${goal}x` });
  console.log(`  ${what.padEnd(8)} kvkey ${stat(kvT)} | az ${stat(azT)} | kvkey/az median of pairs ${ratio.toFixed(2)}x`);
  const f = (v) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ms`);
  verdict({ target: `${path.label}: ${what}`, measured: `${ratio.toFixed(2)}x (kvkey ${f(median(kvT))}, az ${f(median(azT))})`, goal: `≤ ${goal}x`, met });
}

for (const path of paths) {
  console.log(`\n== ${path.label}`);
  // First run of each: kvkey fetches its token (cold), az builds its command index; reported, not scored.
  const coldKv = await kv(commands.show.kvkey, path.kvkey);
  const coldAz = await azr(commands.show.az, path.az);
  console.log(`  first show (kvkey gets a token, az warms up): kvkey ${(coldKv / 1000).toFixed(2)} s, az ${(coldAz / 1000).toFixed(2)} s`);
  for (const [name, command] of Object.entries(commands)) {
    const result = await paired(
      PAIRS,
      () => kv(argsOf(command.kvkey), path.kvkey),
      () => azr(argsOf(command.az), path.az),
    );
    record(path, name, result, 0.5);
  }
  const loops = await paired(
    LOOPS,
    () => loop(kv, commands.show.kvkey, path.kvkey),
    () => loop(azr, commands.show.az, path.az),
  );
  record(path, `${LOOP_SHOWS} shows`, loops, 0.35);
}

console.log(`\nuptime at end: ${uptime()}`);
console.log("\n| credential path | command | kvkey (median) | az (median) | kvkey/az (median of pairs) | target |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  const f = (v) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`);
  console.log(`| ${r.path} | ${r.what} | ${f(r.kvkey)} | ${f(r.az)} | ${r.ratio.toFixed(2)}x | ${r.goal} |`);
}
console.log(allMet ? "\nall targets met" : "\nsome targets NOT met");
await world.stop();
rmSync(scratch, { recursive: true, force: true });
