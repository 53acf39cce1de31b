import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliIn, type CliRun, errorLine } from "../helpers/cli.js";
import { tempDataDir, testVault } from "../helpers/emulator.js";
import { openssl } from "../helpers/byok.js";
import { EC_VARIANTS, ENCRYPTED, makeKeyFixtures, PASSWORD, RSA_VARIANTS, type KeyFixtures } from "../helpers/keyfiles.js";
import { vaultSignatureVerifiesWithOpenssl } from "../helpers/vault-sign.js";
import { spellings } from "./crypto-helpers.js";

// `kvkey import` with PEM files openssl made at test time, and with JSON Web Key files: the key the
// vault holds afterwards has openssl's public key and signs what openssl verifies. Every failure has
// its own one-line message and az's exit code, and leaves no key behind.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
let fx: KeyFixtures;

/** SEC1 ("BEGIN EC PRIVATE KEY") on the curves the shared fixtures only hold as PKCS#8, re-encoded by openssl. */
const SEC1_MORE = [
  ["ec-p384-sec1.pem", "P-384", "ec-p384-pkcs8.pem"],
  ["ec-p521-sec1.pem", "P-521", "ec-p521-pkcs8.pem"],
] as const;

beforeAll(() => {
  home = tempDataDir();
  cli = cliIn(home.dir);
  fx = makeKeyFixtures();
  for (const [name, , from] of SEC1_MORE) {
    openssl(["ec", "-in", fx.path(from), "-out", fx.path(name)]);
    fx.publicPem[name] = openssl(["pkey", "-in", fx.path(name), "-pubout"]).toString();
  }
});
afterAll(() => {
  home?.cleanup();
  fx?.cleanup();
});

/** az prints key members in standard base64; openssl's public key as JWK is base64url. */
const std = (b64url: string | undefined) => Buffer.from(b64url!, "base64url").toString("base64");
const opensslJwk = (name: string) => createPublicKey(fx.publicPem[name]!).export({ format: "jwk" });
const keyName = (file: string) => file.replace(/\.pem$/, "").replace(/[^a-zA-Z0-9-]/g, "-");

/**
 * The Done-when of import: the public key `kvkey download` writes is byte for byte the SubjectPublicKeyInfo
 * `openssl pkey -pubout` printed for the original file (PEM), and the same key in DER.
 */
async function expectDownloadEqualsOpenssl(kid: string, name: string): Promise<void> {
  const pem = join(fx.dir, `${keyName(name)}.download.pem`);
  const der = join(fx.dir, `${keyName(name)}.download.der`);
  for (const run of [await cli(["download", "--id", kid, "-f", pem]), await cli(["download", "--id", kid, "-f", der, "-e", "DER"])]) {
    expect(run, run.stderr).toMatchObject({ code: 0, stdout: "", stderr: "" });
  }
  expect(readFileSync(pem, "utf8")).toBe(fx.publicPem[name]);
  expect(readFileSync(der)).toEqual(openssl(["pkey", "-pubin", "-in", pem, "-outform", "DER"]));
}

async function importPem(name: string, extra: string[] = []) {
  const password = ENCRYPTED.has(name) ? ["--pem-password", PASSWORD] : [];
  return cli(["import", "--vault-name", "pem", "-n", keyName(name), "--pem-file", fx.path(name), ...password, ...extra]);
}

describe("PEM files made by openssl", () => {
  test.each(RSA_VARIANTS.map((n) => [n]))("%s imports with openssl's public key, and the vault's signature verifies with openssl", async (name) => {
    const run = await importPem(name);
    expect(run.code, run.stderr).toBe(0);
    const key = run.json();
    const expected = opensslJwk(name);
    expect(key.key).toMatchObject({ kty: "RSA", n: std(expected.n), e: std(expected.e), d: null, p: null });
    expect(key.key.kid).toMatch(new RegExp(`^https://pem\\.vault\\.localhost/keys/${keyName(name)}/[0-9a-f]{32}$`));
    expect(key.key.keyOps).toEqual(["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]);
    await expectDownloadEqualsOpenssl(key.key.kid, name);
    expect(await vaultSignatureVerifiesWithOpenssl(home.dir, key.key.kid, "RSA", fx.publicPem[name]!)).toBe(true);
  });

  test("PKCS#8 encrypted with scrypt (a scheme node-forge lacks) imports through OpenSSL", async () => {
    const run = await importPem("rsa-pkcs8-scrypt.pem");
    expect(run.code, run.stderr).toBe(0);
    await expectDownloadEqualsOpenssl(run.json().key.kid, "rsa-pkcs8-scrypt.pem");
  });

  test.each([...EC_VARIANTS, ...SEC1_MORE].map(([n, c]) => [n, c]))("%s imports as an EC key on %s with openssl's point; its signature verifies with openssl", async (name, crv) => {
    const run = await importPem(name);
    expect(run.code, run.stderr).toBe(0);
    const key = run.json();
    const expected = opensslJwk(name);
    expect(key.key).toMatchObject({ kty: "EC", crv, x: std(expected.x), y: std(expected.y), d: null });
    await expectDownloadEqualsOpenssl(key.key.kid, name);
    expect(await vaultSignatureVerifiesWithOpenssl(home.dir, key.key.kid, crv, fx.publicPem[name]!)).toBe(true);
  });

  test("--pem-string takes the PEM text; a bundle with a certificate imports its key", async () => {
    const text = readFileSync(fx.path("ec-p384-pkcs8.pem"), "utf8");
    const run = await cli(["import", "--vault-name", "pem", "-n", "from-string", "--pem-string", text]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json().key.x).toBe(std(opensslJwk("ec-p384-pkcs8.pem").x));
    const bundle = await cli(["import", "--vault-name", "pem", "-n", "bundle", "--pem-file", fx.path("bundle.pem")]);
    expect(bundle.code, bundle.stderr).toBe(0);
    expect(bundle.json().key.n).toBe(std(opensslJwk("bundle-key.pem").n));
    await expectDownloadEqualsOpenssl(bundle.json().key.kid, "bundle-key.pem");
  });

  test("-p hsm, --ops, --disabled, --expires, --not-before, --tags reach the vault; the output has create's shape", async () => {
    const run = await cli([
      "import", "--vault-name", "pem", "-n", "attrs", "--pem-file", fx.path("rsa-pkcs1.pem"), "-p", "hsm", "--ops", "sign", "verify",
      "--disabled", "--expires", "2031-01-02T03:04:05Z", "--not-before", "2026-01-01", "--tags", "team=crypto", "ci",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const key = run.json();
    expect(Object.keys(key)).toEqual(["attributes", "key", "managed", "releasePolicy", "tags"]);
    expect(key.key).toMatchObject({ kty: "RSA-HSM", keyOps: ["sign", "verify"] });
    expect(key.attributes).toMatchObject({ enabled: false, expires: "2031-01-02T03:04:05+00:00", notBefore: "2026-01-01T00:00:00+00:00", exportable: false });
    expect(key.tags).toEqual({ team: "crypto", ci: "" });
  });

  test("an exportable key with a release policy, into a Managed HSM (plain types become -HSM there)", async () => {
    const policy = JSON.stringify({ version: "1.0.0", anyOf: [{ authority: "https://attest.example", allOf: [{ claim: "c", equals: "v" }] }] });
    const run = await cli(["import", "--hsm-name", "pemhsm", "-n", "exp", "--pem-file", fx.path("ec-p256-sec1.pem"), "--exportable", "--policy", policy, "--immutable"]);
    expect(run.code, run.stderr).toBe(0);
    const key = run.json();
    expect(key.key.kty).toBe("EC-HSM");
    expect(key.attributes.exportable).toBe(true);
    expect(key.releasePolicy).toMatchObject({ immutable: true, encodedPolicy: policy });
  });

  test("--default-cvm-policy works as for create", async () => {
    const run = await cli(["import", "--hsm-name", "pemhsm", "-n", "cvm", "--pem-file", fx.path("rsa-pkcs8.pem"), "--exportable", "--default-cvm-policy"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.json().releasePolicy.encodedPolicy).anyOf[0].allOf[0]).toEqual({ claim: "x-ms-compliance-status", equals: "azure-compliant-cvm" });
  });
});

describe("JSON Web Key files (--jwk-file)", () => {
  const jwkFile = (name: string, jwk: unknown) => {
    const path = join(fx.dir, `${name}.jwk.json`);
    writeFileSync(path, JSON.stringify(jwk));
    return path;
  };

  test("RSA and EC private JWKs import with their public keys; key_ops in the file are used unless --ops is given", async () => {
    const rsa = createPrivateKey(readFileSync(fx.path("rsa-pkcs8.pem"))).export({ format: "jwk" });
    const run = await cli(["import", "--vault-name", "jwk", "-n", "rsa", "--jwk-file", jwkFile("rsa", { ...rsa, key_ops: ["sign", "verify"] })]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json().key).toMatchObject({ kty: "RSA", n: std(rsa.n), keyOps: ["sign", "verify"] });
    expect(await vaultSignatureVerifiesWithOpenssl(home.dir, run.json().key.kid, "RSA", fx.publicPem["rsa-pkcs8.pem"]!)).toBe(true);

    const ec = createPrivateKey(readFileSync(fx.path("ec-p256k-pkcs8.pem"))).export({ format: "jwk" });
    const ecRun = await cli(["import", "--vault-name", "jwk", "-n", "ec", "--jwk-file", jwkFile("ec", { ...ec, kty: "EC-HSM", key_ops: ["sign"] }), "--ops", "verify"]);
    expect(ecRun.code, ecRun.stderr).toBe(0);
    expect(ecRun.json().key).toMatchObject({ kty: "EC-HSM", crv: "P-256K", x: std(ec.x), keyOps: ["verify"] });
  });

  test("an oct key imports into a Managed HSM (and works), but not into a key vault", async () => {
    const aes = randomBytes(32);
    const file = jwkFile("aes", { kty: "oct", k: aes.toString("base64url") });
    const run = await cli(["import", "--hsm-name", "jwkhsm", "-n", "aes", "--jwk-file", file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json().key).toMatchObject({ kty: "oct-HSM", k: null, keyOps: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] });
    // The vault holds exactly these bytes: what it wraps with A256KW, node unwraps with the same key.
    const vault = testVault({ dataDir: home.dir, vaultUrl: "https://jwkhsm.managedhsm.localhost" });
    try {
      const wrapped = await vault.client.getCryptographyClient("aes").wrapKey("A256KW", Buffer.alloc(16, 9));
      const { createDecipheriv } = await import("node:crypto");
      const decipher = createDecipheriv("id-aes256-wrap", aes, Buffer.from("A6A6A6A6A6A6A6A6", "hex"));
      expect(Buffer.concat([decipher.update(wrapped.result), decipher.final()])).toEqual(Buffer.alloc(16, 9));
    } finally {
      vault.close();
    }

    const intoVault = await cli(["import", "--vault-name", "jwk", "-n", "aes", "--jwk-file", file]);
    expect(intoVault.code).toBe(1);
    expect(errorLine(intoVault.stderr)).toBe("(BadParameter) The key type oct is not supported in a key vault; symmetric keys are available in Managed HSM only.");
    expect((await cli(["show", "--vault-name", "jwk", "-n", "aes"])).code).toBe(3);
  });
});

describe("failures: one line each, az's exit codes, no key left behind", () => {
  const base = ["import", "--vault-name", "fail", "-n", "k"];
  const cases: Array<[string, () => string[], number, string]> = [
    ["no source", () => base, 2, "supply exactly one: --byok-file, --byok-string, --pem-file, --pem-string"],
    ["two sources", () => [...base, "--pem-file", fx.path("rsa-pkcs8.pem"), "--byok-file", "x.byok"], 2, "supply exactly one: --byok-file, --byok-string, --pem-file, --pem-string"],
    ["--byok-string with --pem-password", () => [...base, "--byok-string", "{}", "--pem-password", "x"], 2, "--byok-file or --byok-string cannot be used with --pem-password"],
    ["--jwk-file with --pem-file", () => [...base, "--jwk-file", "k.json", "--pem-file", "k.pem"], 2, "--jwk-file cannot be used with --byok-file, --byok-string, --pem-file or --pem-string"],
    ["--jwk-file with --pem-password", () => [...base, "--jwk-file", "k.json", "--pem-password", "x"], 2, "--jwk-file cannot be used with --pem-password"],
    ["--kty EC without --curve", () => [...base, "--byok-file", "x.byok", "--kty", "EC"], 1, "parameter --curve should be specified when key type --kty is EC."],
    ["--curve with --kty RSA", () => [...base, "--byok-file", "x.byok", "--curve", "P-256"], 1, "parameter --curve should be specified when key type --kty is EC."],
    ["--kty BAD", () => [...base, "--byok-file", "x.byok", "--kty", "RSA-HSM"], 2, "kvkey import: 'RSA-HSM' is not a valid value for '--kty'. Allowed values: EC, RSA, oct."],
    ["a missing file", () => [...base, "--pem-file", "/nonexistent/kvkey/nope.pem"], 1, "Import failed: cannot read --pem-file /nonexistent/kvkey/nope.pem: no such file."],
    ["missing password", () => [...base, "--pem-file", fx.path("rsa-pkcs8-des3.pem")], 1, "Import failed: Password was not given but private key is encrypted. Supply it with --pem-password."],
    ["wrong password", () => [...base, "--pem-file", fx.path("rsa-legacy-aes256.pem"), "--pem-password", "wrong"], 1, "Import failed: Bad decrypt. Incorrect password?"],
    ["wrong password (EC)", () => [...base, "--pem-file", fx.path("ec-p256-pkcs8-aes256.pem"), "--pem-password", "wrong"], 1, "Import failed: Bad decrypt. Incorrect password?"],
    ["password for a plain key", () => [...base, "--pem-file", fx.path("rsa-pkcs1.pem"), "--pem-password", "x"], 1, "Import failed: Password was given but private key is not encrypted."],
    ["a public key", () => [...base, "--pem-file", fx.path("rsa-public.pem")], 1, "Import failed: the PEM holds a public key (BEGIN PUBLIC KEY), not a private key; importing a key needs its private key."],
    ["a certificate only", () => [...base, "--pem-file", fx.path("bundle-cert.pem")], 1, "Import failed: the PEM holds a certificate but no private key; importing a key needs its private key (a PEM bundle with the certificate and its key works too)."],
    ["missing password (legacy EC)", () => [...base, "--pem-file", fx.path("ec-p256-legacy-aes256.pem")], 1, "Import failed: Password was not given but private key is encrypted. Supply it with --pem-password."],
    ["wrong password (PBES2 3DES)", () => [...base, "--pem-file", fx.path("rsa-pkcs8-des3.pem"), "--pem-password", "wrong"], 1, "Import failed: Bad decrypt. Incorrect password?"],
    ["wrong password (scrypt, decrypted by OpenSSL)", () => [...base, "--pem-file", fx.path("rsa-pkcs8-scrypt.pem"), "--pem-password", "wrong"], 1, "Import failed: Bad decrypt. Incorrect password?"],
    ["secp224r1", () => [...base, "--pem-file", fx.path("ec-secp224r1.pem")], 1, "Import failed: Unsupported curve, secp224r1."],
    ["brainpoolP256r1", () => [...base, "--pem-file", fx.path("ec-brainpool.pem")], 1, "Import failed: Unsupported curve, brainpoolP256r1."],
    ["DSA (traditional)", () => [...base, "--pem-file", fx.path("dsa-traditional.pem")], 1, "Import failed: Unsupported key type, DSA."],
    ["DSA parameters only", () => [...base, "--pem-file", fx.path("dsa-params.pem")], 1, "Import failed: the PEM holds no private key (it holds: DSA PARAMETERS)."],
    ["Ed25519", () => [...base, "--pem-file", fx.path("ed25519.pem")], 1, "Import failed: Unsupported key type, Ed25519."],
    ["DSA", () => [...base, "--pem-file", fx.path("dsa.pem")], 1, "Import failed: Unsupported key type, DSA."],
    ["binary DER", () => [...base, "--pem-file", fx.path("rsa.der")], 1, "Import failed: the file is binary, not PEM text (a DER or PKCS#12 file?). Convert a DER key with: openssl pkey -inform DER -in key.der -out key.pem"],
    ["a truncated file", () => [...base, "--pem-string", readFileSync(fx.path("rsa-pkcs1.pem"), "utf8").split("\n").slice(0, 8).join("\n")], 1, "Import failed: the PEM is corrupted: the 'RSA PRIVATE KEY' block (line 1) has no END line (is the file truncated?)."],
    ["garbage inside", () => [...base, "--pem-string", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"], 1, "Import failed: the PEM is corrupted: the 'PRIVATE KEY' block is not a valid DER-encoded key (truncated or edited?)."],
    ["not PEM at all", () => [...base, "--pem-string", "hello"], 1, "Import failed: no PEM block found: a PEM private key starts with a line such as -----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY, EC PRIVATE KEY, ENCRYPTED PRIVATE KEY)."],
    ["a BYOK file that is not a blob", () => [...base, "--byok-file", fx.path("rsa-pkcs8.pem")], 1, "Import failed: the BYOK file is not a key transfer blob: it is not JSON (a .byok file holds JSON with schema_version, header, ciphertext and generator)."],
    ["a --byok-string that is not a blob", () => [...base, "--byok-string", "not a blob"], 1, "Import failed: --byok-string is not a key transfer blob: give the .byok file's JSON text (or its base64)."],
    ["a public JWK", () => [...base, "--jwk-file", writeTemp("pub.json", JSON.stringify(opensslJwk("rsa-pkcs8.pem")))], 1, "Import failed: the JWK holds a public key only (no 'd'); importing a key needs its private key."],
    ["an RSA key the vault refuses (1024 bits)", () => [...base, "--pem-file", fx.path("rsa-1024.pem")], 1, "(BadParameter) RSA keys of 1024 bits cannot be imported; the size must be 2048, 3072 or 4096 bits."],
  ];

  test.each(cases)("%s", async (_case, args, code, message) => {
    const run = await cli(args());
    expect(errorLine(run.stderr)).toBe(message);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe("");
    const show = await cli(["show", "--vault-name", "fail", "-n", "k"]);
    expect(show.code).toBe(3);
  });
});

describe("a refused import of an existing key adds no version", () => {
  test("local and vault-side refusals leave the key's versions as they were", async () => {
    const base = ["import", "--vault-name", "keep", "-n", "k"];
    expect((await cli([...base, "--pem-file", fx.path("rsa-pkcs8.pem"), "-o", "none"])).code).toBe(0);
    const versions = async () => (await cli(["list-versions", "--vault-name", "keep", "-n", "k"])).json().map((v: { kid: string }) => v.kid);
    const before = await versions();
    expect(before).toHaveLength(1);
    for (const args of [
      ["--pem-file", fx.path("rsa-1024.pem")], // refused by the vault (400)
      ["--jwk-file", writeTemp("keep-oct.json", JSON.stringify({ kty: "oct", k: randomBytes(32).toString("base64url") }))], // oct into a key vault (400)
      ["--pem-file", fx.path("rsa-pkcs8-aes256.pem"), "--pem-password", "wrong"], // refused locally
    ]) {
      const run = await cli([...base, ...args]);
      expect(run.code, run.stderr).toBe(1);
    }
    expect(await versions()).toEqual(before);
    const shown = (await cli(["show", "--vault-name", "keep", "-n", "k"])).json();
    expect(shown.key.n).toBe(std(opensslJwk("rsa-pkcs8.pem").n));
  });
});

describe("no private member in import's output or --debug trace", () => {
  /** Every private member of the key in an openssl-made PEM (read by node:crypto, not by kvkey). */
  function privateMembers(name: string): Array<[string, Buffer]> {
    const passphrase = ENCRYPTED.has(name) ? PASSWORD : undefined;
    const jwk = createPrivateKey({ key: readFileSync(fx.path(name)), ...(passphrase ? { passphrase } : {}) }).export({ format: "jwk" });
    return (["d", "p", "q", "dp", "dq", "qi"] as const).filter((m) => jwk[m] !== undefined).map((m) => [m, Buffer.from(jwk[m]!, "base64url")]);
  }

  function expectClean(runs: CliRun[], members: Array<[string, Buffer]>): void {
    const text = runs.map((r) => r.stdout + r.stderr).join("\n");
    expect(members.length).toBeGreaterThan(0);
    for (const [member, secret] of members) {
      for (const spelling of spellings(secret)) {
        if (text.includes(spelling)) throw new Error(`private member ${member} appears in the output (${spelling.slice(0, 12)}...)`);
      }
    }
  }

  test("PEM and JWK imports, successful and refused, with --debug", async () => {
    const rsa = privateMembers("rsa-pkcs8-aes256.pem");
    const ec = privateMembers("ec-p521-pkcs8.pem");
    const jwk = createPrivateKey(readFileSync(fx.path("rsa-pkcs8.pem"))).export({ format: "jwk" });
    const runs = [
      await cli(["import", "--vault-name", "dbg", "-n", "rsa", "--pem-file", fx.path("rsa-pkcs8-aes256.pem"), "--pem-password", PASSWORD, "--debug"]),
      await cli(["import", "--vault-name", "dbg", "-n", "ec", "--pem-string", readFileSync(fx.path("ec-p521-pkcs8.pem"), "utf8"), "--debug"]),
      await cli(["import", "--vault-name", "dbg", "-n", "jwk", "--jwk-file", writeTemp("dbg.json", JSON.stringify(jwk)), "--debug"]),
      // Refusals print a stack trace with --debug: the vault's (a key it cannot hold) and a local one.
      await cli(["import", "--hsm-name", "dbghsm", "-n", "bad", "--jwk-file", writeTemp("dbg-bad.json", JSON.stringify({ ...jwk, qi: jwk.dq })), "--debug"]),
      await cli(["import", "--vault-name", "dbg", "-n", "bad", "--pem-file", fx.path("rsa-pkcs8-aes256.pem"), "--pem-password", "wrong", "--debug"]),
    ];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 1, 1]);
    expect(runs[0]!.stderr).toMatch(/DEBUG: Request: PUT /);
    expect(runs[3]!.stderr).toMatch(/ERROR: \(BadParameter\) The RSA key to import is not a valid private key/);
    expect(runs[3]!.stderr).toMatch(/\n\s+at /);
    expectClean(runs, [...rsa, ...ec]);
  });

  test("a corrupted PEM or JWK (--pem-string, --pem-file, --jwk-file, byok-blob --key-file): the line, never its text (issue 18)", async () => {
    const pem = readFileSync(fx.path("rsa-pkcs1.pem"), "utf8");
    const lines = pem.split("\n");
    const secretText = lines.filter((l) => l !== "" && !l.startsWith("-----")).join("\n");
    // The sixth line of an RSA PKCS#1 key: about 48 bytes of the private exponent.
    const broken = [...lines.slice(0, 5), `${lines[5]!.slice(0, 30)}!${lines[5]!.slice(31)}`, ...lines.slice(6)].join("\n");
    const jwk = createPrivateKey(pem).export({ format: "jwk" }) as Record<string, string>;
    const badJwk = JSON.stringify(jwk).replace(`"d":"${jwk.d}"`, `"d":${jwk.d}`);
    const expected = "the PEM is corrupted: line 6 of the 'RSA PRIVATE KEY' block is not base64 (a character outside base64 at column 31).";
    const runs = [
      await cli(["import", "--vault-name", "leak", "-n", "k", "--pem-string", broken]),
      await cli(["import", "--vault-name", "leak", "-n", "k", "--pem-file", writeTemp("leak.pem", broken), "--debug"]),
      await cli(["import", "--vault-name", "leak", "-n", "k", "--jwk-file", writeTemp("leak.json", badJwk)]),
      await cli(["byok-blob", "--kek-file", fx.path("rsa-public.pem"), "--kek-id", "https://leak.vault.azure.net/keys/kek/0123456789abcdef0123456789abcdef", "--key-file", writeTemp("leak-target.pem", broken), "-f", join(fx.dir, "leak.byok")]),
    ];
    expect(runs.map((r) => r.code)).toEqual([1, 1, 1, 1]);
    expect(runs[0]!.stderr).toBe(`ERROR: Import failed: ${expected}\n`);
    expect(runs[2]!.stderr).toMatch(/^ERROR: Import failed: the JWK file is not valid JSON: an unexpected character at line 1, column \d+\.\n$/);
    expect(runs[3]!.stderr).toBe(`ERROR: Cannot make the BYOK blob: ${expected}\n`);
    for (const run of runs) {
      const text = run.stdout + run.stderr;
      const quoted = (text.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []).filter((r) => secretText.includes(r) || Object.values(jwk).some((v) => v.length > 8 && v.includes(r)));
      expect(quoted, text).toEqual([]);
    }
  });

  test("the scan finds a leaked member (so the test above can fail)", () => {
    const [member, secret] = privateMembers("rsa-pkcs8.pem")[0]!;
    const leaked: CliRun = { code: 0, stdout: `{"${member}": "${secret.toString("base64")}"}`, stderr: "", json: () => ({}) as never };
    expect(() => expectClean([leaked], [[member, secret]])).toThrow(/private member d appears/);
  });
});

function writeTemp(name: string, text: string): string {
  const path = join(fx.dir, name);
  writeFileSync(path, text);
  return path;
}
