import { createHmac, generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { systemClock } from "../../src/emulator/index.js";
import { KeyService } from "../../src/emulator/service/key-service.js";
import { KeyRepository } from "../../src/emulator/service/key-repository.js";
import { SqliteKeyStore } from "../../src/emulator/store/sqlite-store.js";
import { loadOrCreateSecurityDomain } from "../../src/emulator/security-domain-file.js";
import { TokenAuthority } from "../../src/emulator/http/auth.js";
import type { PrivateMaterial } from "../../src/emulator/crypto/material.js";
import { cliIn, type CliRun } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { requireBuilt, runKvkey, type BinaryRun } from "../helpers/binary.js";
import { patient } from "../helpers/patience.js";

// Secrets never leave: a broad run of the CLI — every kind of command, --debug on, failures included,
// against the embedded vault and a detached served emulator (`--auth strict`) — is scanned for every
// secret the run held: private and symmetric key members (of generated, imported, rotated and
// restored keys, read back through the service), the PEM password, the TEE's private key, the bearer
// tokens issued (recorded where they are minted), the security-domain key and the keys derived from
// it, the TLS private keys, and the identity header (which only `emulator status` and `start --detach`
// print, by design). The emulator's log is scanned too. Then: file modes, loopback binding, and the
// tokens `--auth strict` refuses. Needs the built binary for the detached emulator.

let home: { dir: string; cleanup: () => void };
let work: string;
let cli: ReturnType<typeof cliIn>;
const outputs: Array<{ what: string; text: string; mayShowIdentityHeader?: boolean }> = [];
const issuedTokens: string[] = [];
let state: { port: number; identityHeader: string; host: string; pid: number; caPath: string } | undefined;

beforeAll(() => {
  requireBuilt();
  home = tempDataDir("kvkey-secrets-");
  // The test's own files (PEMs, backups) live outside the data directory whose modes are checked.
  work = mkdtempSync(join(tmpdir(), "kvkey-secrets-work-"));
  cli = cliIn(home.dir);
  // Every bearer token minted in this process (the embedded vault's, and the ones the CLI mints for a
  // served emulator on the same data directory) is recorded as a secret to look for.
  const issue = TokenAuthority.prototype.issue;
  vi.spyOn(TokenAuthority.prototype, "issue").mockImplementation(function (this: TokenAuthority, ...args) {
    const issued = issue.apply(this, args);
    issuedTokens.push(issued.token);
    return issued;
  });
});
afterAll(async () => {
  vi.restoreAllMocks();
  if (state) await runKvkey(["emulator", "stop"], { home: home.dir });
  home?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs the in-process CLI with --debug (so every HTTP exchange is traced), recording its output. */
async function run(args: string[], expectCode: number | "any" = 0, env: Record<string, string> = {}): Promise<CliRun> {
  const result = await cli([...args, "--debug"], { cwd: work, env });
  outputs.push({ what: `kvkey ${args.join(" ")}`, text: result.stdout + result.stderr });
  if (expectCode !== "any") expect(result.code, `kvkey ${args.join(" ")}\n${result.stderr}`).toBe(expectCode);
  return result;
}

function recordBinary(what: string, result: BinaryRun, mayShowIdentityHeader = false): BinaryRun {
  outputs.push({ what, text: result.stdout + result.stderr, mayShowIdentityHeader });
  return result;
}

// ---- the secrets -----------------------------------------------------------------------------------

/** Every spelling a secret could leak in. */
function spellings(secret: Buffer): string[] {
  const b64 = secret.toString("base64");
  const forms = [secret.toString("hex"), secret.toString("hex").toUpperCase(), b64.replace(/=+$/, ""), secret.toString("base64url")];
  // Long secrets also by pieces: a leak need not be whole (a line of a PEM, a cut-off trace).
  const pieces = forms.flatMap((f) => (f.length >= 64 ? [f.slice(0, 32), f.slice(Math.floor(f.length / 2) - 16, Math.floor(f.length / 2) + 16), f.slice(-32)] : []));
  return [...forms, ...pieces, ...(secret.length >= 16 ? [secret.toString("latin1")] : [])];
}

function materialSecrets(label: string, m: PrivateMaterial): Array<[string, Buffer]> {
  const b = (v: string) => Buffer.from(v, "base64url");
  switch (m.family) {
    case "RSA":
      return (["d", "p", "q", "dp", "dq", "qi"] as const).map((k) => [`${label} ${k}`, b(m[k])]);
    case "EC":
      return [[`${label} d`, b(m.d)]];
    case "oct":
      return [[`${label} k`, b(m.k)]];
  }
}

/** Private material of every version of every key in the data directory, read through the service. */
function storedSecrets(dataDir: string): Array<[string, Buffer]> {
  const store = new SqliteKeyStore(dataDir);
  try {
    const repo = new KeyRepository(store, loadOrCreateSecurityDomain(dataDir), systemClock);
    const service = new KeyService(repo);
    const out: Array<[string, Buffer]> = [];
    for (const vault of repo.vaults.list()) {
      const target = { name: vault.name, kind: vault.kind };
      for (const { key } of service.listKeys(target, vault.name, 25).items) {
        for (const { key: version } of service.listKeyVersions(target, vault.name, key.name, 25).items) {
          const { material } = service.getKeyWithMaterial(target, vault.name, key.name, version.version);
          out.push(...materialSecrets(`${vault.name}/${key.name}/${version.version}`, material));
        }
      }
    }
    return out;
  } finally {
    store.close();
  }
}

function pemSecret(label: string, pem: string): Array<[string, Buffer]> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  return [[label, der]];
}

function leaks(secrets: Array<[string, Buffer | string]>, identityHeader: string | undefined): string[] {
  const found: string[] = [];
  for (const { what, text, mayShowIdentityHeader } of outputs) {
    for (const [name, secret] of secrets) {
      const forms = typeof secret === "string" ? [secret] : spellings(secret);
      if (forms.some((f) => f.length >= 8 && text.includes(f))) found.push(`${name} in the output of ${what}`);
    }
    if (identityHeader && !mayShowIdentityHeader && text.includes(identityHeader)) found.push(`the identity header in the output of ${what}`);
  }
  return found;
}

// ---- the run ---------------------------------------------------------------------------------------

describe("a broad run of the CLI and a served emulator, with --debug", () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const rsa2 = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const tee = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const octK = randomBytes(32);
  const PASSWORD = `pw-${randomBytes(12).toString("hex")}`;
  const V = ["--vault-name", "leak"];
  const H = ["--hsm-name", "leakhsm"];

  test("no secret in any stdout, stderr, debug trace, error message or the emulator's log", async () => {
    const file = (name: string, content: string | Buffer) => {
      writeFileSync(join(work, name), content, { mode: 0o600 });
      return join(work, name);
    };
    file("rsa.pem", rsa.export({ type: "pkcs8", format: "pem" }));
    file("rsa2.pem", rsa2.export({ type: "pkcs8", format: "pem" }));
    file("ec.pem", ec.export({ type: "sec1", format: "pem" }));
    file("tee.pem", tee.export({ type: "pkcs8", format: "pem" }));
    file("enc.pem", rsa2.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: PASSWORD }));
    file("oct.json", JSON.stringify({ kty: "oct", k: octK.toString("base64url") }));
    file("policy.json", JSON.stringify({ lifetimeActions: [{ trigger: { timeAfterCreate: "P90D" }, action: { type: "Rotate" } }], attributes: { expiryTime: "P1Y" } }));

    // Keys of every family: generated, imported (PEM, encrypted PEM, JWK, BYOK), rotated, restored.
    await run(["create", ...V, "-n", "rsa"]);
    await run(["create", ...V, "-n", "ec", "--kty", "EC", "--curve", "P-384"]);
    await run(["create", ...H, "-n", "aes", "--kty", "oct-HSM", "--ops", "encrypt", "decrypt", "wrapKey", "unwrapKey", "sign", "verify"]);
    await run(["import", ...V, "-n", "imported-rsa", "--pem-file", "rsa.pem"]);
    await run(["import", ...V, "-n", "imported-ec", "--pem-file", "ec.pem"]);
    await run(["import", ...V, "-n", "pw", "--pem-file", "enc.pem", "--pem-password", PASSWORD]);
    await run(["import", ...V, "-n", "wrong-pw", "--pem-file", "enc.pem", "--pem-password", `${PASSWORD}-wrong`], 1);
    await run(["import", ...H, "-n", "imported-oct", "--jwk-file", "oct.json"]);
    await run(["create", ...V, "-n", "kek", "--kty", "RSA-HSM", "--ops", "import"]);
    await run(["byok-blob", "--kek-id", "https://leak.vault.localhost/keys/kek", "--key-file", "rsa2.pem", "--file", "key.byok"]);
    await run(["import", ...V, "-n", "byok", "--byok-file", "key.byok"]);
    // Reads and updates.
    await run(["show", ...V, "-n", "rsa"]);
    await run(["list", ...V]);
    await run(["list-versions", ...V, "-n", "rsa"]);
    await run(["set-attributes", ...V, "-n", "ec", "--tags", "a=b"]);
    // Crypto, successes and failures.
    const enc = await run(["encrypt", ...V, "-n", "imported-rsa", "-a", "RSA-OAEP", "--value", "AAECAw=="]);
    await run(["decrypt", ...V, "-n", "imported-rsa", "-a", "RSA-OAEP", "--value", enc.json().result]);
    await run(["decrypt", ...V, "-n", "imported-rsa", "-a", "RSA-OAEP", "--value", "AAAA"], 1);
    await run(["sign", ...V, "-n", "imported-ec", "-a", "ES256", "--data", "doc"]);
    await run(["sign", ...V, "-n", "imported-ec", "-a", "RS256", "--data", "doc"], 1);
    await run(["wrap-key", ...H, "-n", "imported-oct", "-a", "A256KW", "--value", "AAECAwQFBgcICQoLDA0ODw=="]);
    await run(["unwrap-key", ...H, "-n", "imported-oct", "-a", "A256KW", "--value", "AAECAwQFBgcICQoLDA0ODwABAgMEBQYH"], 1);
    await run(["encrypt", ...H, "-n", "aes", "-a", "A256GCM", "--value", "AAECAw=="]);
    await run(["sign", ...H, "-n", "aes", "-a", "HS256", "--data", "mac"]);
    await run(["download", ...V, "-n", "imported-rsa", "-f", "public.pem"]);
    await run(["random", ...H, "--count", "32"]);
    // Backup, delete, purge, restore, recover.
    await run(["backup", ...V, "-n", "imported-rsa", "-f", "backup.bin"]);
    writeFileSync(join(work, "tampered.bin"), Buffer.from(readFileSync(join(work, "backup.bin")).map((b, i) => (i === 40 ? b ^ 1 : b))));
    await run(["delete", ...V, "-n", "imported-rsa", "-y"]);
    await run(["show-deleted", ...V, "-n", "imported-rsa"]);
    await run(["list-deleted", ...V]);
    await run(["restore", ...V, "-f", "tampered.bin"], 1);
    await run(["purge", ...V, "-n", "imported-rsa", "-y"]);
    await run(["restore", ...V, "-f", "backup.bin"]);
    await run(["delete", ...V, "-n", "ec", "-y"]);
    await run(["recover", ...V, "-n", "ec"]);
    await run(["show", ...V, "-n", "missing"], 3);
    // Rotation, release, attestation, emulator commands.
    await run(["rotate", ...V, "-n", "rsa"]);
    await run(["rotation-policy", "update", ...V, "-n", "rsa", "--value", "policy.json"]);
    await run(["rotation-policy", "show", ...V, "-n", "rsa"]);
    await run(["get-policy-template"]);
    await run(["create", ...H, "-n", "cmk", "--exportable", "--default-cvm-policy"]);
    const token = await run(["emulator", "attestation-token", "--claim", "x-ms-compliance-status=azure-compliant-cvm", "--runtime-key", "tee.pem"]);
    await run(["release", ...H, "-n", "cmk", "--target", token.stdout.trim()]);
    await run(["release", ...H, "-n", "cmk", "--target", "not.a.token"], 1);
    await run(["get-attestation", ...H, "-n", "cmk"]);
    await run(["emulator", "time-shift"]);
    await run(["emulator", "vault", "list"]);
    await run(["emulator", "ca"]);
    await run(["config", "list"]);
    await run(["cloud", "show"]);
    // The audit log and the key events record every request above: no secret in them either.
    await run(["emulator", "logs", "--top", "200"]);
    await run(["emulator", "logs", "--failed", "--challenges"]);
    await run(["emulator", "events", "list"]);

    // The served emulator: detached, strict, on the same data directory (so its log is there too).
    const started = recordBinary("kvkey emulator start --detach", await runKvkey(["emulator", "start", "--detach", "--port", "0", "--auth", "strict", "--debug"], { home: home.dir }), true);
    expect(started.code, started.stderr).toBe(0);
    state = JSON.parse(started.stdout);
    const url = `https://localhost:${state!.port}`;
    const served = { KVKEY_EMULATOR_URL: url };
    await run(["create", ...V, "-n", "served-ec", "--kty", "EC"], 0, served);
    await run(["sign", ...V, "-n", "served-ec", "-a", "ES256", "--data", "doc"], 0, served);
    await run(["show", ...V, "-n", "served-ec"], 0, served);
    await run(["encrypt", ...V, "-n", "served-ec", "-a", "RSA-OAEP", "--value", "AAAA"], 1, served);
    // A managed-identity token, as an app would get one.
    // (For the resource the challenge names, port included, as DefaultAzureCredential asks.)
    const identity = await get(`/msi/token?api-version=2019-08-01&resource=https://vault.localhost:${state!.port}`, { "x-identity-header": state!.identityHeader }, "localhost");
    expect(identity.status).toBe(200);
    const msiToken = JSON.parse(identity.body).access_token as string;
    expect((await get("/keys?api-version=2025-07-01", { authorization: `Bearer ${msiToken}` })).status).toBe(200);
    expect((await get(`/msi/token?resource=https://vault.localhost`, { "x-identity-header": "wrong" }, "localhost")).status).toBe(401);
    recordBinary("kvkey emulator status", await runKvkey(["emulator", "status", "--debug"], { home: home.dir }), true);
    const stopped = recordBinary("kvkey emulator stop", await runKvkey(["emulator", "stop", "--debug"], { home: home.dir }));
    expect(stopped.code, stopped.stderr).toBe(0);
    const identityHeader = state!.identityHeader;
    state = undefined;
    outputs.push({ what: "emulator.log", text: readFileSync(join(home.dir, "emulator.log"), "utf8") });

    // What to look for.
    const domain = JSON.parse(readFileSync(join(home.dir, "security-domain.json"), "utf8")) as { key: string };
    const domainKey = Buffer.from(domain.key, "base64");
    const sd = loadOrCreateSecurityDomain(home.dir);
    const jwk = (k: typeof rsa) => k.export({ format: "jwk" }) as Record<string, string>;
    const secrets: Array<[string, Buffer | string]> = [
      ...storedSecrets(home.dir),
      ...materialSecrets("imported PEM (purged and restored)", { family: "RSA", ...(jwk(rsa) as any) }),
      ...materialSecrets("TEE private key", { family: "RSA", ...(jwk(tee) as any) }),
      ["the imported oct key", octK],
      ["the PEM password", PASSWORD],
      ["the security-domain key", domainKey],
      ["the token-signing key", sd.deriveKey("token signing")],
      ...pemSecret("the TLS CA private key", readFileSync(join(home.dir, "tls", "ca-key.pem"), "utf8")),
      ...pemSecret("the TLS server private key", readFileSync(join(home.dir, "tls", "server-key.pem"), "utf8")),
      ...issuedTokens.map((t, i): [string, string] => [`bearer token #${i}`, t]),
      ["the managed-identity token", msiToken],
    ];
    // The run was broad: tokens were minted for the embedded and the served vault, keys of each family stored.
    expect(issuedTokens.length).toBeGreaterThan(20);
    expect(secrets.filter(([n]) => /^leak\/|^leakhsm\//.test(n)).length).toBeGreaterThan(30);
    expect(outputs.some((o) => /DEBUG: Request: POST https:\/\/leak\.vault\.localhost:\d+\/keys\/served-ec/.test(o.text))).toBe(true);

    expect(leaks(secrets, identityHeader)).toEqual([]);
  }, patient(120_000));

  test("the scan finds a secret that does leak (so the test above can fail)", () => {
    const secret = randomBytes(32);
    outputs.push({ what: "a planted leak", text: `"k": "${secret.toString("base64")}"` });
    outputs.push({ what: "a planted header", text: "x-identity-header: abcdefghijklmnop" });
    try {
      expect(leaks([["planted", secret]], "abcdefghijklmnop")).toEqual(["planted in the output of a planted leak", "the identity header in the output of a planted header"]);
    } finally {
      outputs.splice(-2);
    }
  });
});

async function get(path: string, headers: Record<string, string>, host = "leak.vault.localhost"): Promise<{ status: number; body: string }> {
  const s = state!;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: "127.0.0.1", port: s.port, path, servername: host, ca: readFileSync(s.caPath), headers: { host: `${host}:${s.port}`, ...headers } },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

// ---- file modes ------------------------------------------------------------------------------------

const PUBLIC_FILES = new Set(["tls/ca.pem", "tls/server.pem", "emulator-ca.pem"]);

function modes(dir: string): Array<[string, number]> {
  const out: Array<[string, number]> = [[".", statSync(dir).mode & 0o777]];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      out.push([relative(dir, path), statSync(path).mode & 0o777]);
      if (entry.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return out;
}

function wrongModes(dir: string): string[] {
  return modes(dir)
    .filter(([path, mode]) => {
      if (PUBLIC_FILES.has(path)) return false;
      const isDir = statSync(join(dir, path)).isDirectory();
      return mode !== (isDir ? 0o700 : 0o600);
    })
    .map(([path, mode]) => `${path} ${mode.toString(8)}`);
}

describe("file modes of the data directory", () => {
  test("after everything above: the directories 0700 and every file 0600 (but the public certificates)", () => {
    const all = modes(home.dir).map(([p]) => p);
    // The run left the files this test is about.
    for (const expected of ["kvkey.db", "security-domain.json", "tls", "tls/ca-key.pem", "tls/server-key.pem", "emulator.log"]) expect(all).toContain(expected);
    expect(wrongModes(home.dir)).toEqual([]);
  });

  test("a data directory and files made looser by hand are tightened by the next commands", async () => {
    const loose = tempDataDir("kvkey-loose-");
    try {
      const kv = cliIn(loose.dir);
      expect((await kv(["create", "--vault-name", "m", "-n", "k", "--kty", "EC", "-o", "none"])).code).toBe(0);
      expect((await kv(["config", "set", "core.output=json"])).code).toBe(0);
      expect((await kv(["emulator", "ca"])).code).toBe(0);
      writeFileSync(join(loose.dir, "emulator.json"), "{}");
      writeFileSync(join(loose.dir, "emulator.log"), "");
      for (const [path] of modes(loose.dir)) {
        const full = join(loose.dir, path);
        chmodSync(full, statSync(full).isDirectory() ? 0o755 : 0o644);
      }
      expect(wrongModes(loose.dir).length).toBeGreaterThan(6);
      // The commands that open each of them.
      expect((await kv(["list", "--vault-name", "m", "-o", "none"])).code).toBe(0); // directory, database, security domain, config
      expect((await kv(["emulator", "ca"])).code).toBe(0); // tls/
      const started = await runKvkey(["emulator", "start", "--detach", "--port", "0", "--in-memory"], { home: loose.dir }); // emulator.json, emulator.log
      expect(started.code, started.stderr).toBe(0);
      expect(wrongModes(loose.dir)).toEqual([]);
      expect((await runKvkey(["emulator", "stop"], { home: loose.dir })).code).toBe(0);
    } finally {
      loose.cleanup();
    }
  }, patient(30_000));
});

// ---- the security domain ----------------------------------------------------------------------------

describe("the security domain", () => {
  test("a database whose security-domain.json went missing is refused, not silently given a new domain", async () => {
    const dir = tempDataDir("kvkey-domain-");
    try {
      const kv = cliIn(dir.dir);
      expect((await kv(["create", "--vault-name", "sd", "-n", "k", "--kty", "EC", "-o", "none"])).code).toBe(0);
      const file = join(dir.dir, "security-domain.json");
      const saved = readFileSync(file);
      rmSync(file);
      const refused = await kv(["sign", "--vault-name", "sd", "-n", "k", "-a", "ES256", "--data", "x"]);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toMatch(/^ERROR: \S*security-domain\.json is missing, but the database beside it holds keys sealed under it\. [^\n]*\n$/);
      expect(() => statSync(file)).toThrow();
      // Put back, everything works again.
      writeFileSync(file, saved, { mode: 0o600 });
      expect((await kv(["sign", "--vault-name", "sd", "-n", "k", "-a", "ES256", "--data", "x", "-o", "none"])).code).toBe(0);
    } finally {
      dir.cleanup();
    }
  });
});

// ---- the served emulator's exposure -------------------------------------------------------------------

describe("the served emulator", () => {
  let port = 0;
  let caPath = "";
  let signingKey: Buffer;
  let strictHome = "";
  const dir = () => strictHome;

  beforeAll(async () => {
    strictHome = mkdtempSync(join(tmpdir(), "kvkey-strict-"));
    const started = await runKvkey(["emulator", "start", "--detach", "--port", "0", "--auth", "strict", "--workers", "1"], { home: dir() });
    expect(started.code, started.stderr).toBe(0);
    ({ port, caPath } = JSON.parse(started.stdout));
    signingKey = loadOrCreateSecurityDomain(dir()).deriveKey("token signing");
  }, patient(30_000));
  afterAll(async () => {
    await runKvkey(["emulator", "stop"], { home: dir() });
    rmSync(dir(), { recursive: true, force: true });
  });

  function status(authorization: string | undefined): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: "127.0.0.1",
          port,
          path: "/keys?api-version=2025-07-01",
          servername: "strict.vault.localhost",
          ca: readFileSync(caPath),
          headers: { host: `strict.vault.localhost:${port}`, ...(authorization ? { authorization } : {}) },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode!));
        },
      );
      req.on("error", reject);
      req.end();
    });
  }

  /** A token as the emulator signs them (HS256 with the key derived from the security domain), with chosen claims. */
  function token(claims: Record<string, unknown>, key = signingKey): string {
    const now = Math.floor(Date.now() / 1000);
    const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
    const payload = Buffer.from(JSON.stringify({ aud: `https://vault.localhost:${port}`, sub: "t", iat: now, nbf: now - 60, exp: now + 600, ...claims })).toString("base64url");
    return `${header}.${payload}.${createHmac("sha256", key).update(`${header}.${payload}`).digest("base64url")}`;
  }

  test("binds loopback only by default", async () => {
    const status = JSON.parse((await runKvkey(["emulator", "status"], { home: dir() })).stdout);
    expect(status).toMatchObject({ running: true, host: "127.0.0.1" });
    const reachable = (host: string) =>
      new Promise<boolean>((resolve) => {
        const socket = connect({ host, port });
        socket.once("connect", () => (socket.destroy(), resolve(true)));
        socket.once("error", () => resolve(false));
      });
    expect(await reachable("127.0.0.1")).toBe(true);
    // Any address of this machine that is not loopback must refuse the connection.
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === "IPv4" && !a.internal)
      .map((a) => a!.address);
    for (const address of external) expect(await reachable(address), address).toBe(false);
  });

  test("--auth strict: forged, expired and wrong-audience tokens get 401; a well-made one gets in", async () => {
    // The control: the crafting below makes tokens the emulator accepts (past the token check, the
    // vault does not exist yet: 404).
    expect(await status(`Bearer ${token({})}`)).toBe(404);
    const forged = token({}, randomBytes(32));
    const tampered = token({}).replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ aud: `https://vault.localhost:${port}`, exp: 9_999_999_999 })).toString("base64url")}.`);
    const expired = token({ iat: 1_600_000_000, nbf: 1_600_000_000, exp: Math.floor(Date.now() / 1000) - 60 });
    const wrongAudience = token({ aud: "https://vault.azure.net" });
    const otherPort = token({ aud: `https://vault.localhost:${port + 1}` });
    for (const [what, bad] of Object.entries({ forged, tampered, expired, wrongAudience, otherPort, none: undefined })) {
      expect({ what, status: await status(bad === undefined ? undefined : `Bearer ${bad}`) }).toEqual({ what, status: 401 });
    }
  });
});
