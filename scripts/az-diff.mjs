#!/usr/bin/env node
// Differential sweep: the same `az keyvault key ...` command lines through real az and through kvkey,
// against one served emulator, compared on exit code, stdout (JSON structurally) and stderr's first line.
//
//   npm run build && node scripts/az-diff.mjs [--filter TEXT] [--json FILE] [--keep] [--verbose]
//
// az gets vault `aza` and Managed HSM `azh`, kvkey vault `kvb` and HSM `kvh` (same lengths, so tables
// line up): each command runs on both,
// in the same order, so the two vaults go through the same states; names, versions, today's dates, paths,
// key material and ciphertexts are normalised before comparing. The emulator listens on 127.0.0.1:443
// when it can (az 2.45 drops any other port from an --id); otherwise the --id cases are skipped, with a
// message. --hsm-name reaches the emulator through the custom cloud's mhsmDns suffix. Needs Debian's az (/usr/bin/az) and the
// track-1 shim of /work/shared/tools/debian-az; nothing machine-wide is changed (private AZURE_CONFIG_DIR,
// *.localhost resolved by a sitecustomize.py on az's PYTHONPATH). Exit 0 when no differences, 1 otherwise.
// Documented in docs/output.md ("Checking kvkey against az").
import { execFile, execFileSync } from "node:child_process";
import { createPublicKey, generateKeyPairSync, publicEncrypt, constants } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AZ_SHIM, AZ_VENDORED_T1, prepareAzPython, writeManagedIdentityProfile } from "../test/helpers/az-python.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const KVKEY = join(ROOT, "dist", "kvkey.js");
const AZ = "/usr/bin/az";

const opts = { filter: "", json: "", keep: false, verbose: false };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === "--filter") opts.filter = process.argv[++i];
  else if (a === "--json") opts.json = process.argv[++i];
  else if (a === "--keep") opts.keep = true;
  else if (a === "--verbose") opts.verbose = true;
  else {
    console.error(`unknown argument ${a}; usage: node scripts/az-diff.mjs [--filter TEXT] [--json FILE] [--keep] [--verbose]`);
    process.exit(2);
  }
}
for (const [what, p] of [["az", AZ], ["the az shim", AZ_SHIM], ["az's track-1 sources", AZ_VENDORED_T1], ["the build (npm run build)", KVKEY]]) {
  if (!existsSync(p)) {
    console.error(`${what} not found: ${p}`);
    process.exit(2);
  }
}

// ---- set-up ------------------------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), "kvkey-azdiff-"));
const home = join(work, "home");
mkdirSync(home, { mode: 0o700 });
const baseEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", TZ: "UTC" };
const kvEnvBase = { ...baseEnv, HOME: work, KVKEY_HOME: home, NO_COLOR: "1" };
// az 2.45 drops a non-443 port from a key id (`--id https://v.vault.localhost:8443/keys/k` goes to
// `https://v.vault.localhost/...`), so the --id cases need the emulator on 443 itself: free, and ours to
// bind (root, or CAP_NET_BIND_SERVICE). Otherwise a random port, and the --id cases are skipped.
const portFree = (port) =>
  new Promise((res) => {
    const srv = createServer();
    srv.once("error", (e) => res(e.code ?? String(e)));
    srv.listen(port, "127.0.0.1", () => srv.close(() => res(true)));
  });
const free443 = await portFree(443);
let on443 = free443 === true;
if (on443) {
  try {
    execFileSync(process.execPath, [KVKEY, "emulator", "start", "--detach", "--port", "443"], { env: kvEnvBase, stdio: "pipe" });
  } catch (e) {
    on443 = false;
    console.error(`az-diff: could not start the emulator on 127.0.0.1:443 (${String(e.stderr ?? e).trim().split("\n")[0]}); using a random port, the --id cases are skipped`);
  }
} else {
  console.error(`az-diff: 127.0.0.1:443 is not available (${free443 === "EADDRINUSE" ? "in use" : free443 === "EACCES" ? "binding it needs root or CAP_NET_BIND_SERVICE" : free443}); using a random port, the --id cases are skipped (az 2.45 drops a non-443 port from key ids)`);
}
if (!on443) execFileSync(process.execPath, [KVKEY, "emulator", "start", "--detach", "--port", "0"], { env: kvEnvBase, stdio: "pipe" });
const status = JSON.parse(execFileSync(process.execPath, [KVKEY, "emulator", "status", "-o", "json"], { env: kvEnvBase }).toString());
const PORT = status.port;
const stop = () => {
  try {
    execFileSync(process.execPath, [KVKEY, "emulator", "stop"], { env: kvEnvBase, stdio: "pipe" });
  } catch {}
  if (!opts.keep) rmSync(work, { recursive: true, force: true });
};
process.on("SIGINT", () => {
  stop();
  process.exit(130);
});

const { shim, bundle } = prepareAzPython(work, readFileSync(status.caPath, "utf8"));
const azConfig = join(work, "azure");
mkdirSync(azConfig);
const azEnv = {
  ...baseEnv,
  HOME: work,
  AZURE_CONFIG_DIR: azConfig,
  AZURE_CORE_COLLECT_TELEMETRY: "false",
  AZURE_CORE_SURVEY_MESSAGE: "false",
  AZURE_CORE_NO_COLOR: "true",
  PYTHONPATH: shim,
  REQUESTS_CA_BUNDLE: bundle,
  MSI_ENDPOINT: `${status.url}/msi/token`,
};
const kvEnv = { ...kvEnvBase, KVKEY_EMULATOR_URL: status.url, KVKEY_EMULATOR_CA: status.caPath };

function run(cmd, args, env, stdin) {
  return new Promise((res) => {
    const child = execFile(cmd, args, { env, timeout: 180_000, maxBuffer: 64 << 20, cwd: work }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
    if (stdin !== undefined) child.stdin.end(stdin);
    else child.stdin.end();
  });
}

const must = async (args) => {
  const r = await run(AZ, args, azEnv);
  if (r.code !== 0) throw new Error(`az ${args.join(" ")} failed: ${r.stderr}`);
};
// On 443 the suffixes carry no port, as Azure's do. 2.45's `cloud register` has no flag for the Managed
// HSM suffix, but its --cloud-config JSON sets any suffix, mhsmDns included (--hsm-name NAME becomes
// https://NAME.managedhsm.localhost[:PORT]).
const portPart = PORT === 443 ? "" : `:${PORT}`;
const cloudConfig = {
  endpoints: {
    resourceManager: "https://127.0.0.1:9/",
    activeDirectory: "https://login.microsoftonline.com",
    activeDirectoryResourceId: "https://management.core.windows.net/",
    activeDirectoryGraphResourceId: "https://graph.windows.net/",
  },
  suffixes: { keyvaultDns: `.vault.localhost${portPart}`, mhsmDns: `.managedhsm.localhost${portPart}` },
};
await must(["cloud", "register", "-n", "KvkeyLocal", "--cloud-config", JSON.stringify(cloudConfig)]);
await must(["cloud", "set", "-n", "KvkeyLocal"]);
writeManagedIdentityProfile(azConfig, "KvkeyLocal");

// ---- fixtures: the same files on both sides ---------------------------------------------------------------
const sides = { az: { vault: "aza", hsm: "azh", dir: join(work, "az") }, kv: { vault: "kvb", hsm: "kvh", dir: join(work, "kv") } };
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsaPem = rsa.privateKey.export({ type: "pkcs8", format: "pem" });
const ecPem = ec.privateKey.export({ type: "sec1", format: "pem" });
const encPem = rsa.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw123" });
const cipher = publicEncrypt({ key: createPublicKey(rsa.privateKey), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, Buffer.from("hello az")).toString("base64");
const policy = JSON.stringify({ lifetimeActions: [{ trigger: { timeAfterCreate: "P30D" }, action: { type: "Rotate" } }, { trigger: { timeBeforeExpiry: "P7D" }, action: { type: "Notify" } }], attributes: { expiryTime: "P90D" } });
const release = JSON.stringify({ version: "1.0.0", anyOf: [{ authority: "https://sharedeus.eus.attest.azure.net", allOf: [{ claim: "x-ms-attestation-type", equals: "sevsnpvm" }] }] });
for (const s of Object.values(sides)) {
  mkdirSync(s.dir);
  writeFileSync(join(s.dir, "rsa.pem"), rsaPem);
  writeFileSync(join(s.dir, "ec.pem"), ecPem);
  writeFileSync(join(s.dir, "enc.pem"), encPem);
  writeFileSync(join(s.dir, "policy.json"), policy);
  writeFileSync(join(s.dir, "release.json"), release);
  writeFileSync(join(s.dir, "bad.pem"), "-----BEGIN PRIVATE KEY-----\nnotbase64\n-----END PRIVATE KEY-----\n");
  writeFileSync(join(s.dir, "exists.pem"), "x");
}

// ---- the command lines -------------------------------------------------------------------------------------
// "V" stands for --vault-name <side's vault>; "{D}" for the side's own directory; "{PEMSTR}" for a PEM text.
const kk = ["keyvault", "key"];
const V = "V";
const cases = [
  // create
  ["create default", [...kk, "create", V, "-n", "r1"]],
  ["create RSA 3072 ops tags", [...kk, "create", V, "-n", "r2", "--kty", "RSA", "--size", "3072", "--ops", "sign", "verify", "--tags", "a=b", "c"]],
  ["create RSA 4096 disabled", [...kk, "create", V, "-n", "r3", "--size", "4096", "--disabled", "true"]],
  ["create RSA-HSM", [...kk, "create", V, "-n", "rh", "--kty", "RSA-HSM"]],
  ["create -p hsm", [...kk, "create", V, "-n", "rp", "-p", "hsm"]],
  ["create EC default curve", [...kk, "create", V, "-n", "e0", "--kty", "EC"]],
  ["create --curve only", [...kk, "create", V, "-n", "e1", "--curve", "P-384"]],
  ["create EC P-256K", [...kk, "create", V, "-n", "e2", "--kty", "EC", "--curve", "P-256K"]],
  ["create EC P-521", [...kk, "create", V, "-n", "e3", "--kty", "EC", "--curve", "P-521"]],
  ["create EC-HSM", [...kk, "create", V, "-n", "e4", "--kty", "EC-HSM", "--curve", "P-256"]],
  ["create expires/not-before", [...kk, "create", V, "-n", "d1", "--expires", "2030-01-02T03:04:05Z", "--not-before", "2025-01-01T00:00:00Z"]],
  ["create naive datetime", [...kk, "create", V, "-n", "d2", "--expires", "2030-01-02T03:04:05"]],
  ["create date only", [...kk, "create", V, "-n", "d3", "--expires", "2030-01-02"]],
  ["create exportable+policy", [...kk, "create", V, "-n", "x1", "--kty", "RSA-HSM", "--exportable", "true", "--policy", "{D}/release.json"]],
  ["create exportable+policy string", [...kk, "create", V, "-n", "x2", "--kty", "RSA-HSM", "--exportable", "--policy", release]],
  ["create exportable+immutable", [...kk, "create", V, "-n", "x3", "--kty", "RSA-HSM", "--exportable", "--policy", release, "--immutable"]],
  ["create kty oct (vault)", [...kk, "create", V, "-n", "o1", "--kty", "oct"]],
  ["create kty lower-case", [...kk, "create", V, "-n", "lc", "--kty", "rsa"]],
  ["create -o table", [...kk, "create", V, "-n", "t1", "-o", "table"]],
  ["create -o tsv", [...kk, "create", V, "-n", "t2", "-o", "tsv"]],
  ["create --query", [...kk, "create", V, "-n", "t3", "--query", "key.kty", "-o", "tsv"]],
  ["create -o none", [...kk, "create", V, "-n", "t4", "-o", "none"]],
  // show
  ["show", [...kk, "show", V, "-n", "r2"]],
  ["show EC", [...kk, "show", V, "-n", "e1"]],
  ["show -o yaml", [...kk, "show", V, "-n", "e0", "-o", "yaml"]],
  ["show -o yamlc", [...kk, "show", V, "-n", "r2", "-o", "yamlc", "--query", "attributes"]],
  ["show -o jsonc", [...kk, "show", V, "-n", "r2", "-o", "jsonc", "--query", "tags"]],
  ["show -o table", [...kk, "show", V, "-n", "r2", "-o", "table"]],
  ["show -o tsv", [...kk, "show", V, "-n", "r2", "-o", "tsv"]],
  ["show --query attributes -o table", [...kk, "show", V, "-n", "r2", "--query", "attributes", "-o", "table"]],
  ["show --query attributes -o tsv", [...kk, "show", V, "-n", "r2", "--query", "attributes", "-o", "tsv"]],
  ["show --query key.keyOps", [...kk, "show", V, "-n", "r2", "--query", "key.keyOps"]],
  ["show --query multiselect", [...kk, "show", V, "-n", "r2", "--query", "{kty: key.kty, ops: key.keyOps, tags: tags}", "-o", "json"]],
  ["show --query multiselect table", [...kk, "show", V, "-n", "r2", "--query", "{kty: key.kty, enabled: attributes.enabled}", "-o", "table"]],
  ["show release policy", [...kk, "show", V, "-n", "x1", "--query", "releasePolicy"]],
  ["show missing", [...kk, "show", V, "-n", "nokey"]],
  ["show missing version", [...kk, "show", V, "-n", "r2", "--version", "00000000000000000000000000000000"]],
  ["show bad --query", [...kk, "show", V, "-n", "r2", "--query", "bad["]],
  // set-attributes
  ["set-attributes tags", [...kk, "set-attributes", V, "-n", "r1", "--tags", "x=y"]],
  ["set-attributes enabled false", [...kk, "set-attributes", V, "-n", "r1", "--enabled", "false", "--query", "attributes.enabled"]],
  ["set-attributes ops", [...kk, "set-attributes", V, "-n", "r1", "--ops", "encrypt", "decrypt", "--query", "key.keyOps"]],
  ["set-attributes expires", [...kk, "set-attributes", V, "-n", "r1", "--expires", "2031-05-06T00:00:00Z", "--query", "attributes"]],
  ["set-attributes clear tags", [...kk, "set-attributes", V, "-n", "r1", "--tags", "", "--query", "tags"]],
  ["set-attributes --enabled bad", [...kk, "set-attributes", V, "-n", "r1", "--enabled", "maybe"]],
  ["set-attributes missing key", [...kk, "set-attributes", V, "-n", "nokey", "--enabled", "true"]],
  // list
  ["list", [...kk, "list", V]],
  ["list -o table", [...kk, "list", V, "-o", "table"]],
  ["list -o tsv", [...kk, "list", V, "-o", "tsv"]],
  ["list --query names", [...kk, "list", V, "--query", "[].name", "-o", "tsv"]],
  ["list --maxresults 3", [...kk, "list", V, "--maxresults", "3", "--query", "length(@)"]],
  ["list --maxresults 30", [...kk, "list", V, "--maxresults", "30"]],
  ["list --maxresults abc", [...kk, "list", V, "--maxresults", "abc"]],
  ["list no vault", [...kk, "list"]],
  // rotate + versions
  ["rotate", [...kk, "rotate", V, "-n", "r2"]],
  ["list-versions", [...kk, "list-versions", V, "-n", "r2"]],
  ["list-versions -o table", [...kk, "list-versions", V, "-n", "r2", "-o", "table"]],
  ["list-versions missing", [...kk, "list-versions", V, "-n", "nokey"]],
  // rotation policy
  ["rotation-policy show (none)", [...kk, "rotation-policy", "show", V, "-n", "r3"]],
  ["rotation-policy update file", [...kk, "rotation-policy", "update", V, "-n", "r3", "--value", "{D}/policy.json"]],
  ["rotation-policy show", [...kk, "rotation-policy", "show", V, "-n", "r3"]],
  ["rotation-policy show -o table", [...kk, "rotation-policy", "show", V, "-n", "r3", "-o", "table"]],
  ["rotation-policy update flat", [...kk, "rotation-policy", "update", V, "-n", "r3", "--value", '{"lifetimeActions":[{"action":"Rotate","timeBeforeExpiry":"P10D"}],"expiresIn":"P60D"}']],
  ["rotation-policy update bad json", [...kk, "rotation-policy", "update", V, "-n", "r3", "--value", "{bad"]],
  ["rotation-policy update {}", [...kk, "rotation-policy", "update", V, "-n", "r3", "--value", "{}"]],
  ["rotation-policy show missing", [...kk, "rotation-policy", "show", V, "-n", "nokey"]],
  ["get-policy-template", [...kk, "get-policy-template"]],
  ["get-policy-template -o table", [...kk, "get-policy-template", "-o", "table"]],
  ["get-policy-template -o tsv", [...kk, "get-policy-template", "-o", "tsv"]],
  // crypto
  ["import PEM file", [...kk, "import", V, "-n", "imp", "--pem-file", "{D}/rsa.pem"]],
  ["import PEM string", [...kk, "import", V, "-n", "imps", "--pem-string", "{PEMSTR}"]],
  ["import EC PEM", [...kk, "import", V, "-n", "impe", "--pem-file", "{D}/ec.pem", "--tags", "k=v"]],
  ["import encrypted PEM", [...kk, "import", V, "-n", "impp", "--pem-file", "{D}/enc.pem", "--pem-password", "pw123", "--query", "key.kty"]],
  ["import encrypted PEM wrong password", [...kk, "import", V, "-n", "impq", "--pem-file", "{D}/enc.pem", "--pem-password", "nope"]],
  ["import bad PEM", [...kk, "import", V, "-n", "impb", "--pem-file", "{D}/bad.pem"]],
  ["import -p hsm", [...kk, "import", V, "-n", "imph", "--pem-file", "{D}/rsa.pem", "-p", "hsm", "--query", "key.kty"]],
  ["import no source", [...kk, "import", V, "-n", "impn"]],
  ["import two sources", [...kk, "import", V, "-n", "impn", "--pem-file", "{D}/rsa.pem", "--pem-string", "x"]],
  ["encrypt RSA-OAEP", [...kk, "encrypt", V, "-n", "imp", "-a", "RSA-OAEP", "--value", "aGVsbG8="]],
  ["encrypt plaintext", [...kk, "encrypt", V, "-n", "imp", "-a", "RSA-OAEP-256", "--data-type", "plaintext", "--value", "hello"]],
  ["encrypt bad base64", [...kk, "encrypt", V, "-n", "imp", "-a", "RSA-OAEP", "--value", "!!notbase64"]],
  ["encrypt no algorithm", [...kk, "encrypt", V, "-n", "imp", "--value", "aGVsbG8="]],
  ["encrypt bad algorithm", [...kk, "encrypt", V, "-n", "imp", "-a", "RSA-FOO", "--value", "aGVsbG8="]],
  ["encrypt EC key", [...kk, "encrypt", V, "-n", "e0", "-a", "RSA-OAEP", "--value", "aGVsbG8="]],
  ["decrypt", [...kk, "decrypt", V, "-n", "imp", "-a", "RSA-OAEP", "--value", cipher]],
  ["decrypt plaintext", [...kk, "decrypt", V, "-n", "imp", "-a", "RSA-OAEP", "--value", cipher, "--data-type", "plaintext"]],
  ["decrypt garbage", [...kk, "decrypt", V, "-n", "imp", "-a", "RSA-OAEP", "--value", "aGVsbG8="]],
  ["sign (not in az 2.45)", [...kk, "sign", V, "-n", "e0", "-a", "ES256", "--digest", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="]],
  ["random on vault", [...kk, "random", V, "--count", "8"]],
  ["random no hsm", [...kk, "random", "--count", "8"]],
  // download
  ["download PEM", [...kk, "download", V, "-n", "imp", "-f", "{D}/imp.pem"]],
  ["download DER", [...kk, "download", V, "-n", "e0", "-f", "{D}/e0.der", "-e", "DER"]],
  ["download existing file", [...kk, "download", V, "-n", "imp", "-f", "{D}/exists.pem"]],
  ["download bad encoding", [...kk, "download", V, "-n", "imp", "-f", "{D}/x.pem", "-e", "XYZ"]],
  ["download no file", [...kk, "download", V, "-n", "imp"]],
  ["download missing key", [...kk, "download", V, "-n", "nokey", "-f", "{D}/nokey.pem"]],
  // backup / delete / recover / purge / restore
  ["backup", [...kk, "backup", V, "-n", "e1", "-f", "{D}/e1.bak"]],
  ["backup no file", [...kk, "backup", V, "-n", "e1"]],
  ["backup missing key", [...kk, "backup", V, "-n", "nokey", "-f", "{D}/nokey.bak"]],
  ["delete", [...kk, "delete", V, "-n", "e1"]],
  ["delete missing", [...kk, "delete", V, "-n", "nokey"]],
  ["show deleted key (show)", [...kk, "show", V, "-n", "e1"]],
  ["list-deleted", [...kk, "list-deleted", V]],
  ["list-deleted -o table", [...kk, "list-deleted", V, "-o", "table"]],
  ["show-deleted", [...kk, "show-deleted", V, "-n", "e1"]],
  ["show-deleted missing", [...kk, "show-deleted", V, "-n", "nokey"]],
  ["recover", [...kk, "recover", V, "-n", "e1"]],
  ["recover missing", [...kk, "recover", V, "-n", "nokey"]],
  ["delete again", [...kk, "delete", V, "-n", "e1", "-o", "none"]],
  ["purge", [...kk, "purge", V, "-n", "e1"]],
  ["purge missing", [...kk, "purge", V, "-n", "nokey"]],
  ["restore", [...kk, "restore", V, "-f", "{D}/e1.bak"]],
  ["restore existing", [...kk, "restore", V, "-f", "{D}/e1.bak"]],
  ["restore no file", [...kk, "restore", V]],
  ["restore -n with file", [...kk, "restore", V, "-f", "{D}/e1.bak", "-n", "e1"]],
  // usage errors
  ["bad kty", [...kk, "create", V, "-n", "bad", "--kty", "BAD"]],
  ["bad curve", [...kk, "create", V, "-n", "bad", "--curve", "P-999"]],
  ["bad ops", [...kk, "create", V, "-n", "bad", "--ops", "sign", "foo"]],
  ["bad size", [...kk, "create", V, "-n", "bad", "--size", "abc"]],
  ["bad expires", [...kk, "create", V, "-n", "bad", "--expires", "2020-13-45"]],
  ["software + RSA-HSM", [...kk, "create", V, "-n", "bad", "-p", "software", "--kty", "RSA-HSM"]],
  ["immutable without policy", [...kk, "create", V, "-n", "bad", "--immutable"]],
  ["EC with RSA size", [...kk, "create", V, "-n", "bad", "--kty", "EC", "--size", "2048"]],
  ["unknown flag", [...kk, "create", V, "-n", "bad", "--foo"]],
  ["unknown flag with value", [...kk, "show", V, "-n", "r1", "--foo", "bar"]],
  ["missing name", [...kk, "show", V]],
  ["missing vault", [...kk, "show", "-n", "r1"]],
  ["vault and id", [...kk, "show", V, "--id", "https://x.vault.localhost/keys/r1"]],
  ["id not a url", [...kk, "show", "--id", "not-a-url"]],
  ["misspelled command", [...kk, "shw", V, "-n", "r1"]],
  ["bad output format", [...kk, "show", V, "-n", "r1", "-o", "xml"]],
];
// --id forms ("I" marks the case as needing the emulator on 443). "{KID}" is the side's vault URL,
// "{VER:name}" the current version of key `name` in the side's vault (read before the case runs).
const I = "I";
const KID = "https://{VAULT}.vault.localhost";
const idCases = [
  ["id show", [...kk, "show", "--id", `${KID}/keys/r2`]],
  ["id show version in id", [...kk, "show", "--id", `${KID}/keys/r2/{VER:r2}`, "--query", "key.kid"]],
  ["id show --version", [...kk, "show", "--id", `${KID}/keys/r2`, "--version", "{VER:r2}", "--query", "key.kid"]],
  ["id show version in id and --version", [...kk, "show", "--id", `${KID}/keys/r2/{VER:r2}`, "--version", "00000000000000000000000000000000"]],
  ["id show explicit :443", [...kk, "show", "--id", `https://{VAULT}.vault.localhost:443/keys/r2`, "--query", "key.kid"]],
  ["id show trailing slash", [...kk, "show", "--id", `${KID}/keys/r2/`, "--query", "key.kid"]],
  ["id show missing", [...kk, "show", "--id", `${KID}/keys/nokey`]],
  ["id show missing version", [...kk, "show", "--id", `${KID}/keys/r2/00000000000000000000000000000000`]],
  ["id show wrong collection", [...kk, "show", "--id", `${KID}/secrets/r2`]],
  ["id show deletedkeys collection", [...kk, "show", "--id", `${KID}/deletedkeys/r2`]],
  ["id show vault url only", [...kk, "show", "--id", KID]],
  ["id show with -n", [...kk, "show", "--id", `${KID}/keys/r2`, "-n", "r1"]],
  ["id set-attributes", [...kk, "set-attributes", "--id", `${KID}/keys/r2`, "--tags", "via=id"]],
  ["id set-attributes version in id", [...kk, "set-attributes", "--id", `${KID}/keys/r2/{VER:r2}`, "--enabled", "true", "--query", "attributes.enabled"]],
  ["id set-attributes --version", [...kk, "set-attributes", "--id", `${KID}/keys/r2`, "--version", "{VER:r2}", "--ops", "sign", "--query", "key.keyOps"]],
  ["id set-attributes missing", [...kk, "set-attributes", "--id", `${KID}/keys/nokey`, "--enabled", "true"]],
  ["id list-versions", [...kk, "list-versions", "--id", `${KID}/keys/r2`]],
  ["id list", [...kk, "list", "--id", KID, "--query", "[].name", "-o", "tsv"]],
  ["id list-deleted", [...kk, "list-deleted", "--id", KID]],
  ["id download PEM", [...kk, "download", "--id", `${KID}/keys/imp`, "-f", "{D}/id-imp.pem"]],
  ["id download DER --version", [...kk, "download", "--id", `${KID}/keys/e0`, "--version", "{VER:e0}", "-f", "{D}/id-e0.der", "-e", "DER"]],
  ["id download version in id", [...kk, "download", "--id", `${KID}/keys/imp/{VER:imp}`, "-f", "{D}/id-imp2.pem"]],
  ["id download missing", [...kk, "download", "--id", `${KID}/keys/nokey`, "-f", "{D}/id-nokey.pem"]],
  ["id backup", [...kk, "backup", "--id", `${KID}/keys/t2`, "-f", "{D}/id-t2.bak"]],
  ["id backup missing", [...kk, "backup", "--id", `${KID}/keys/nokey`, "-f", "{D}/id-nokey.bak"]],
  ["id encrypt", [...kk, "encrypt", "--id", `${KID}/keys/imp`, "-a", "RSA-OAEP", "--value", "aGVsbG8="]],
  ["id encrypt --version", [...kk, "encrypt", "--id", `${KID}/keys/imp`, "--version", "{VER:imp}", "-a", "RSA-OAEP", "--value", "aGVsbG8="]],
  ["id decrypt", [...kk, "decrypt", "--id", `${KID}/keys/imp`, "-a", "RSA-OAEP", "--value", cipher, "--data-type", "plaintext"]],
  ["id decrypt version in id", [...kk, "decrypt", "--id", `${KID}/keys/imp/{VER:imp}`, "-a", "RSA-OAEP", "--value", cipher]],
  ["id rotate", [...kk, "rotate", "--id", `${KID}/keys/r2`]],
  ["id rotate missing", [...kk, "rotate", "--id", `${KID}/keys/nokey`]],
  ["id rotation-policy show", [...kk, "rotation-policy", "show", "--id", `${KID}/keys/r3`]],
  ["id rotation-policy update", [...kk, "rotation-policy", "update", "--id", `${KID}/keys/r1`, "--value", "{D}/policy.json"]],
  ["id rotation-policy show missing", [...kk, "rotation-policy", "show", "--id", `${KID}/keys/nokey`]],
  ["id delete", [...kk, "delete", "--id", `${KID}/keys/t2`]],
  ["id delete missing", [...kk, "delete", "--id", `${KID}/keys/nokey`]],
  ["id show-deleted", [...kk, "show-deleted", "--id", `${KID}/deletedkeys/t2`]],
  ["id show-deleted keys collection", [...kk, "show-deleted", "--id", `${KID}/keys/t2`]],
  ["id show-deleted missing", [...kk, "show-deleted", "--id", `${KID}/deletedkeys/nokey`]],
  ["id recover", [...kk, "recover", "--id", `${KID}/deletedkeys/t2`]],
  ["id recover keys collection", [...kk, "recover", "--id", `${KID}/keys/t2`]],
  ["id delete again", [...kk, "delete", "--id", `${KID}/keys/t2`, "-o", "none"]],
  ["id purge keys collection", [...kk, "purge", "--id", `${KID}/keys/t2`]],
  ["id purge", [...kk, "purge", "--id", `${KID}/deletedkeys/t2`]],
  ["id purge missing", [...kk, "purge", "--id", `${KID}/deletedkeys/nokey`]],
  ["id restore", [...kk, "restore", "--id", KID, "-f", "{D}/id-t2.bak", "--query", "key.kty"]],
  ["id random", [...kk, "random", "--id", KID, "--count", "4"]],
].map(([n, a]) => [n, a, I]);
// Managed HSM: "H" stands for --hsm-name <side's HSM>; "{HID}" for the side's HSM URL (--id, so on 443).
const H = "H";
const HID = "https://{HSM}.managedhsm.localhost";
const hsmCases = [
  ["hsm create RSA-HSM", [...kk, "create", H, "-n", "hk1", "--kty", "RSA-HSM"]],
  ["hsm create default kty", [...kk, "create", H, "-n", "hk0"]],
  ["hsm create EC-HSM", [...kk, "create", H, "-n", "hk2", "--kty", "EC-HSM", "--curve", "P-384", "--tags", "a=b"]],
  ["hsm create oct-HSM", [...kk, "create", H, "-n", "hk3", "--kty", "oct-HSM", "--size", "256"]],
  ["hsm create oct-HSM no size", [...kk, "create", H, "-n", "hk4", "--kty", "oct-HSM"]],
  ["hsm create exportable", [...kk, "create", H, "-n", "hx", "--kty", "RSA-HSM", "--exportable", "--policy", "{D}/release.json"]],
  ["hsm create -o table", [...kk, "create", H, "-n", "ht", "--kty", "EC-HSM", "-o", "table"]],
  ["hsm show", [...kk, "show", H, "-n", "hk1"]],
  ["hsm show oct", [...kk, "show", H, "-n", "hk3"]],
  ["hsm show missing", [...kk, "show", H, "-n", "nokey"]],
  ["hsm show vault and hsm", [...kk, "show", V, H, "-n", "hk1", "--query", "key.kid"]],
  ["hsm set-attributes", [...kk, "set-attributes", H, "-n", "hk1", "--tags", "x=y", "--enabled", "false"]],
  ["hsm set-attributes enable", [...kk, "set-attributes", H, "-n", "hk1", "--enabled", "true", "-o", "none"]],
  ["hsm list", [...kk, "list", H]],
  ["hsm list -o table", [...kk, "list", H, "-o", "table"]],
  ["hsm list-versions", [...kk, "list-versions", H, "-n", "hk1"]],
  ["hsm import", [...kk, "import", H, "-n", "hi", "--pem-file", "{D}/rsa.pem"]],
  ["hsm import -p software", [...kk, "import", H, "-n", "his", "--pem-file", "{D}/rsa.pem", "-p", "software", "--query", "key.kty"]],
  ["hsm encrypt RSA", [...kk, "encrypt", H, "-n", "hi", "-a", "RSA-OAEP", "--value", "aGVsbG8="]],
  ["hsm decrypt RSA", [...kk, "decrypt", H, "-n", "hi", "-a", "RSA-OAEP", "--value", cipher, "--data-type", "plaintext"]],
  ["hsm encrypt A256GCM", [...kk, "encrypt", H, "-n", "hk3", "-a", "A256GCM", "--value", "aGVsbG8="]],
  ["hsm encrypt A256CBCPAD", [...kk, "encrypt", H, "-n", "hk3", "-a", "A256CBCPAD", "--value", "aGVsbG8=", "--iv", "AAAAAAAAAAAAAAAAAAAAAA=="]],
  ["hsm random", [...kk, "random", H, "--count", "8", "--query", "length(value)"]],
  ["hsm random bad count", [...kk, "random", H, "--count", "0"]],
  ["hsm rotate", [...kk, "rotate", H, "-n", "hk2"]],
  ["hsm rotation-policy update", [...kk, "rotation-policy", "update", H, "-n", "hk2", "--value", "{D}/policy.json"]],
  ["hsm rotation-policy show", [...kk, "rotation-policy", "show", H, "-n", "hk2"]],
  ["hsm download", [...kk, "download", H, "-n", "hk2", "-f", "{D}/hk2.pem"]],
  ["hsm download oct", [...kk, "download", H, "-n", "hk3", "-f", "{D}/hk3.pem"]],
  ["hsm backup", [...kk, "backup", H, "-n", "hk2", "-f", "{D}/hk2.bak"]],
  ["hsm delete", [...kk, "delete", H, "-n", "hk2"]],
  ["hsm show-deleted", [...kk, "show-deleted", H, "-n", "hk2"]],
  ["hsm list-deleted", [...kk, "list-deleted", H]],
  ["hsm recover", [...kk, "recover", H, "-n", "hk2"]],
  ["hsm delete again", [...kk, "delete", H, "-n", "hk2", "-o", "none"]],
  ["hsm purge", [...kk, "purge", H, "-n", "hk2"]],
  ["hsm restore", [...kk, "restore", H, "-f", "{D}/hk2.bak", "--query", "key.kty"]],
  ["hsm restore into vault", [...kk, "restore", V, "-f", "{D}/hk2.bak"]],
  ["hsm id show", [...kk, "show", "--id", `${HID}/keys/hk1`], I],
  ["hsm id show --version", [...kk, "show", "--id", `${HID}/keys/hk1`, "--version", "{HVER:hk1}", "--query", "key.kid"], I],
  ["hsm id encrypt", [...kk, "encrypt", "--id", `${HID}/keys/hi`, "-a", "RSA-OAEP", "--value", "aGVsbG8="], I],
  ["hsm id delete", [...kk, "delete", "--id", `${HID}/keys/ht`], I],
  ["hsm id show-deleted", [...kk, "show-deleted", "--id", `${HID}/deletedkeys/ht`], I],
  ["hsm id purge", [...kk, "purge", "--id", `${HID}/deletedkeys/ht`], I],
  ["hsm id and hsm-name", [...kk, "show", H, "--id", `${HID}/keys/hk1`], I],
];
cases.push(...idCases, ...hsmCases);

// ---- normalisation --------------------------------------------------------------------------------------
const now = Date.now();
function normText(text, side) {
  const s = sides[side];
  let t = text.split(s.dir).join("{D}").split(work).join("{WORK}");
  t = t.replace(new RegExp(`\\b${s.vault}\\b`, "g"), "VAULT").replace(new RegExp(`\\b${s.hsm}\\b`, "g"), "HSM");
  if (PORT !== 443) t = t.split(`:${PORT}`).join(":PORT");
  t = t.replace(/\b[0-9a-f]{32}\b/g, "VERSION");
  // Dates near now (created, updated, deleted, purge dates) vary; dates the command lines give do not.
  t = t.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?/g, (m) => (Math.abs(Date.parse(m.endsWith("Z") || m.includes("+") ? m : m + "Z") - now) < 120 * 86400_000 ? "DATE" : m));
  t = t.replace(/\b\d{10}\b/g, (m) => (Math.abs(Number(m) * 1000 - now) < 120 * 86400_000 ? "EPOCH" : m));
  return t;
}
const MATERIAL = new Set(["n", "x", "y", "result", "value", "k", "iv", "tag", "encodedPolicy"]);
function normJson(v, key) {
  if (Array.isArray(v)) return v.map((x) => normJson(x));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normJson(x, k)]));
  if (typeof v === "string" && MATERIAL.has(key) && v.length >= 8 && key !== "value") return `<${key}>`;
  if (typeof v === "string" && key === "value" && /^[A-Za-z0-9+/=]{8,}$/.test(v)) return "<value>";
  return v;
}
// Material also shows in table/tsv/yaml text: long base64 runs.
const normMaterialText = (t) => t.replace(/(!!binary \|\n(\s+[A-Za-z0-9+/=]+\n)+)/g, "!!binary <material>\n").replace(/[A-Za-z0-9+/]{40,}={0,2}/g, "<material>");

function parseJson(t) {
  try {
    return t.trim() ? JSON.parse(t) : undefined;
  } catch {
    return undefined;
  }
}
function jsonDiff(a, b, path = "$", out = []) {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) {
    out.push(`${path}: az ${JSON.stringify(a)?.slice(0, 80)} / kvkey ${JSON.stringify(b)?.slice(0, 80)}`);
  } else if (Array.isArray(a)) {
    if (a.length !== b.length) out.push(`${path}: length az ${a.length} / kvkey ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) jsonDiff(a[i], b[i], `${path}[${i}]`, out);
  } else if (a && typeof a === "object") {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(k in b)) out.push(`${path}.${k}: only az has it (${JSON.stringify(a[k])?.slice(0, 60)})`);
      else if (!(k in a)) out.push(`${path}.${k}: only kvkey has it (${JSON.stringify(b[k])?.slice(0, 60)})`);
      else jsonDiff(a[k], b[k], `${path}.${k}`, out);
    }
  } else if (a !== b) out.push(`${path}: az ${JSON.stringify(a)?.slice(0, 80)} / kvkey ${JSON.stringify(b)?.slice(0, 80)}`);
  return out;
}
// az's argparse errors add "Examples from AI knowledge base:" lines and a "Try this:" hint; its
// service errors add "Code:"/"Message:" lines. Only the first line of stderr is compared, exactly.
const firstLine = (t) => t.split("\n").find((l) => l.trim() !== "") ?? "";

// ---- run ------------------------------------------------------------------------------------------------
const pemStr = rsaPem.toString();
// The current version of a key, read through kvkey (both vaults live in the one emulator).
const versionOf = (side, where, name) => {
  const target = where === "hsm" ? ["--hsm-name", sides[side].hsm] : ["--vault-name", sides[side].vault];
  try {
    const kid = execFileSync(process.execPath, [KVKEY, "keyvault", "key", "show", ...target, "-n", name, "--query", "key.kid", "-o", "tsv"], { env: kvEnv }).toString().trim();
    return kid.split("/").pop();
  } catch {
    return "00000000000000000000000000000000";
  }
};
const expand = (args, side) =>
  args.flatMap((a) => {
    if (a === "V") return ["--vault-name", sides[side].vault];
    if (a === "H") return ["--hsm-name", sides[side].hsm];
    return [
      a
        .replace("{D}", sides[side].dir)
        .replace("{PEMSTR}", pemStr)
        .replace("{VAULT}", sides[side].vault)
        .replace("{HSM}", sides[side].hsm)
        .replace(/\{(H?)VER:([\w-]+)\}/g, (_, h, name) => versionOf(side, h ? "hsm" : "vault", name)),
    ];
  });
const results = [];
let skipped = 0;
for (const [name, args, needs] of cases) {
  if (opts.filter && !name.includes(opts.filter)) continue;
  if (needs === I && !on443) {
    skipped++;
    continue;
  }
  const a = await run(AZ, expand(args, "az"), azEnv);
  const k = await run(process.execPath, [KVKEY, ...expand(args, "kv")], kvEnv);
  const diffs = [];
  if (a.code !== k.code) diffs.push(`exit: az ${a.code} / kvkey ${k.code}`);
  const ao = normText(a.stdout, "az"), ko = normText(k.stdout, "kv");
  const aj = parseJson(ao), kj = parseJson(ko);
  if (aj !== undefined && kj !== undefined) diffs.push(...jsonDiff(normJson(aj), normJson(kj)).map((d) => `stdout ${d}`));
  else if (normMaterialText(ao) !== normMaterialText(ko)) diffs.push(`stdout: az ${JSON.stringify(normMaterialText(ao).slice(0, 300))} / kvkey ${JSON.stringify(normMaterialText(ko).slice(0, 300))}`);
  const ae = firstLine(normText(a.stderr, "az")).replace(/\baz keyvault\b/g, "kvkey keyvault"), ke = firstLine(normText(k.stderr, "kv"));
  if (ae !== ke) diffs.push(`stderr: az ${JSON.stringify(ae.slice(0, 300))} / kvkey ${JSON.stringify(ke.slice(0, 300))}`);
  const line = `kvkey ${args.map((x) => (x.length > 40 ? x.slice(0, 37) + "..." : x)).join(" ")}`;
  results.push({ name, line, az: a, kvkey: k, diffs });
  console.log(`${diffs.length ? "DIFF" : "same"}  ${name}`);
  for (const d of diffs) console.log(`      ${d}`);
  if (opts.verbose && diffs.length) console.log(`      az stderr: ${JSON.stringify(a.stderr.slice(0, 600))}\n      kvkey stderr: ${JSON.stringify(k.stderr.slice(0, 600))}`);
}
const n = results.filter((r) => r.diffs.length).length;
if (skipped) console.log(`\n${skipped} --id command lines skipped: the emulator is not on 127.0.0.1:443`);
console.log(`\n${results.length} command lines, ${n} with differences (az vault aza / HSM azh, kvkey vault kvb / HSM kvh, emulator on port ${PORT}${opts.keep ? `, files kept in ${work}` : ""})`);
if (opts.json) writeFileSync(opts.json, JSON.stringify(results, null, 2));
stop();
process.exit(n ? 1 : 0);
