import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createCipheriv, createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliIn, errorLine } from "../helpers/cli.js";
import { tempDataDir, testVault } from "../helpers/emulator.js";
import { openssl, opensslByokBlob, opensslEcKey, opensslPkcs8Der, opensslPublicPem, opensslRsaKey, scratchDir } from "../helpers/byok.js";
import { vaultSignatureVerifiesWithOpenssl } from "../helpers/vault-sign.js";
import { spellings } from "./crypto-helpers.js";

// Bring your own key end to end with the CLI: a key exchange key created with `--kty RSA-HSM --ops
// import`, a blob made by `kvkey byok-blob` (and one made by openssl alone), `kvkey import
// --byok-file/--byok-string`, then a signature made in the vault that openssl verifies with the original
// public key. The refusals come from the vault, with the service's codes.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
let s: ReturnType<typeof scratchDir>;
let kekId: string;
let rsaPem: string;

beforeAll(async () => {
  home = tempDataDir();
  cli = cliIn(home.dir);
  s = scratchDir("kvkey-byok-cli-");
  const kek = await cli(["create", "--vault-name", "demo", "-n", "kek", "--kty", "RSA-HSM", "--ops", "import"]);
  expect(kek.code, kek.stderr).toBe(0);
  kekId = kek.json().key.kid;
  rsaPem = opensslRsaKey(s, "target.pem");
});
afterAll(() => {
  home?.cleanup();
  s?.cleanup();
});

const std = (b64url: string | undefined) => Buffer.from(b64url!, "base64url").toString("base64");
const jwkOf = (pem: string) => createPublicKey(opensslPublicPem(pem)).export({ format: "jwk" });
let counter = 0;
const out = (name: string) => join(s.dir, `${name}-${++counter}.byok`);

/** The KEK's public key as `kvkey download` writes it: what a user hands to openssl or to another tool. */
async function kekPublicPem(vaultUrl: string, name: string): Promise<string> {
  const file = join(s.dir, `${name}-${++counter}.download.pem`);
  const run = await cli(["download", "--id", `${vaultUrl}/keys/${name}`, "-f", file]);
  expect(run.code, run.stderr).toBe(0);
  return readFileSync(file, "utf8");
}

/** The public key `kvkey download` writes for an imported key equals openssl's for the original PEM. */
async function expectDownloadEqualsOpenssl(kid: string, pem: string): Promise<void> {
  const file = join(s.dir, `imported-${++counter}.pub.pem`);
  expect((await cli(["download", "--id", kid, "-f", file])).code).toBe(0);
  expect(readFileSync(file, "utf8")).toBe(opensslPublicPem(pem));
}

describe("the key exchange key", () => {
  test("create --kty RSA-HSM --ops import makes it, with key_ops exactly [import]", async () => {
    const show = await cli(["show", "--id", kekId]);
    expect(show.json().key).toMatchObject({ kty: "RSA-HSM", keyOps: ["import"] });
  });
});

describe("round trips", () => {
  test("byok-blob fetching the KEK by its unversioned id -> import --byok-file -> sign -> openssl verifies with the original key", async () => {
    const file = out("rsa");
    const blob = await cli(["byok-blob", "--kek-id", "https://demo.vault.localhost/keys/kek", "--key-file", rsaPem, "--file", file]);
    expect(blob.code, blob.stderr).toBe(0);
    expect(blob.stdout).toBe("");
    expect(blob.stderr).toBe(`Wrote a transfer blob for an RSA key to ${file}; import it with: kvkey import ... --byok-file ${file} --kty RSA\n`);
    const written = JSON.parse(readFileSync(file, "utf8"));
    expect(written).toMatchObject({ schema_version: "1.0.0", header: { kid: kekId, alg: "dir", enc: "CKM_RSA_AES_KEY_WRAP" } });
    expect(written.generator).toMatch(/^kvkey \S+ byok-blob$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const run = await cli(["import", "--vault-name", "demo", "-n", "byok-rsa", "--byok-file", file, "--ops", "sign", "verify"]);
    expect(run.code, run.stderr).toBe(0);
    const key = run.json().key;
    expect(key).toMatchObject({ kty: "RSA-HSM", n: std(jwkOf(rsaPem).n), keyOps: ["sign", "verify"] });
    await expectDownloadEqualsOpenssl(key.kid, rsaPem);
    expect(await vaultSignatureVerifiesWithOpenssl(home.dir, key.kid, "RSA", opensslPublicPem(rsaPem))).toBe(true);
  });

  test.each(["RSA_AES_KEY_WRAP_256", "RSA_AES_KEY_WRAP_384"])("--enc %s with the KEK's public key from a PEM file and its versioned id", async (enc) => {
    const kekFile = join(s.dir, "kek.pub.pem");
    writeFileSync(kekFile, await kekPublicPem("https://demo.vault.localhost", "kek"));
    const file = out("enc");
    const blob = await cli(["byok-blob", "--kek-file", kekFile, "--kek-id", kekId, "--key-file", rsaPem, "--enc", enc, "-f", file]);
    expect(blob.code, blob.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).header.enc).toBe(enc);
    const name = `byok-${enc.slice(-3)}`;
    const run = await cli(["import", "--vault-name", "demo", "-n", name, "--byok-file", file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json().key.n).toBe(std(jwkOf(rsaPem).n));
  });

  test("an EC key (encrypted PEM) with --kty EC --curve P-384, the KEK taken from `kvkey show` output", async () => {
    const ecPem = opensslEcKey(s, "ec.pem", "P-384");
    const encrypted = join(s.dir, "ec.enc.pem");
    openssl(["pkcs8", "-topk8", "-in", ecPem, "-v2", "aes-256-cbc", "-passout", "pass:pw", "-out", encrypted]);
    const shown = await cli(["show", "--vault-name", "demo", "-n", "kek"]);
    const kekJson = join(s.dir, "kek.json");
    writeFileSync(kekJson, shown.stdout);
    const file = out("ec");
    const blob = await cli(["byok-blob", "--kek-file", kekJson, "--key-file", encrypted, "--key-password", "pw", "-f", file]);
    expect(blob.code, blob.stderr).toBe(0);
    expect(blob.stderr).toContain("--kty EC --curve P-384");
    const run = await cli(["import", "--vault-name", "demo", "-n", "byok-ec", "--byok-file", file, "--kty", "EC", "--curve", "P-384"]);
    expect(run.code, run.stderr).toBe(0);
    const key = run.json().key;
    expect(key).toMatchObject({ kty: "EC-HSM", crv: "P-384", x: std(jwkOf(ecPem).x), y: std(jwkOf(ecPem).y) });
    await expectDownloadEqualsOpenssl(key.kid, ecPem);
    expect(await vaultSignatureVerifiesWithOpenssl(home.dir, key.kid, "P-384", opensslPublicPem(ecPem))).toBe(true);
  });

  test("an AES key (raw bytes from openssl rand) into a Managed HSM with --kty oct, via --byok-string", async () => {
    const hsmKek = await cli(["create", "--hsm-name", "hsm", "-n", "kek", "--kty", "RSA-HSM", "--ops", "import"]);
    expect(hsmKek.code, hsmKek.stderr).toBe(0);
    const aesFile = join(s.dir, "aes.key");
    openssl(["rand", "-out", aesFile, "32"]);
    const file = out("aes");
    const blob = await cli(["byok-blob", "--kek-id", hsmKek.json().key.kid, "--key-file", aesFile, "-f", file]);
    expect(blob.code, blob.stderr).toBe(0);
    expect(blob.stderr).toContain("a 256-bit AES key");
    const run = await cli(["import", "--hsm-name", "hsm", "-n", "aes", "--byok-string", readFileSync(file, "utf8"), "--kty", "oct"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json().key).toMatchObject({ kty: "oct-HSM", k: null });
    // The HSM decrypts what the original key encrypted.
    const aes = readFileSync(aesFile);
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", aes, iv);
    const ciphertext = Buffer.concat([cipher.update("byok aes"), cipher.final()]);
    const vault = testVault({ dataDir: home.dir, vaultUrl: "https://hsm.managedhsm.localhost" });
    try {
      const plain = await vault.client.getCryptographyClient("aes").decrypt({ algorithm: "A256GCM", ciphertext, iv, authenticationTag: cipher.getAuthTag() });
      expect(Buffer.from(plain.result).toString()).toBe("byok aes");
    } finally {
      vault.close();
    }
  });

  test("a blob made by openssl alone imports too (and --byok-string takes it base64-encoded)", async () => {
    const ecPem = opensslEcKey(s, "ec-openssl.pem", "P-256");
    const json = opensslByokBlob(s, { kekPublicPem: await kekPublicPem("https://demo.vault.localhost", "kek"), kid: kekId, plaintextFile: opensslPkcs8Der(s, ecPem) });
    const run = await cli(["import", "--vault-name", "demo", "-n", "byok-openssl", "--byok-string", Buffer.from(json).toString("base64"), "--kty", "EC", "--curve", "P-256"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json().key).toMatchObject({ kty: "EC-HSM", x: std(jwkOf(ecPem).x) });
    await expectDownloadEqualsOpenssl(run.json().key.kid, ecPem);
    expect(await vaultSignatureVerifiesWithOpenssl(home.dir, run.json().key.kid, "P-256", opensslPublicPem(ecPem))).toBe(true);
  });
});

describe("refusals from the vault (and nothing stored)", () => {
  async function expectRefused(args: string[], name: string, message: string | RegExp): Promise<void> {
    const run = await cli(["import", "--vault-name", "demo", "-n", name, ...args]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    if (typeof message === "string") expect(errorLine(run.stderr)).toBe(message);
    else expect(run.stderr).toMatch(message);
    expect((await cli(["show", "--vault-name", "demo", "-n", name])).code).toBe(3);
  }

  test("the wrong key exchange key: a blob wrapped for another KEK but naming this one", async () => {
    const other = await cli(["create", "--vault-name", "demo", "-n", "kek-other", "--kty", "RSA-HSM", "--ops", "import"]);
    const otherPem = join(s.dir, "other.pub.pem");
    writeFileSync(otherPem, await kekPublicPem("https://demo.vault.localhost", "kek-other"));
    expect(other.code).toBe(0);
    const file = out("wrong");
    expect((await cli(["byok-blob", "--kek-file", otherPem, "--kek-id", kekId, "--key-file", rsaPem, "-f", file])).code).toBe(0);
    await expectRefused(["--byok-file", file], "wrong-kek", /^ERROR: \(BadParameter\) The key transfer blob could not be decrypted with the key exchange key https:\/\/demo\.vault\.localhost\/keys\/kek\/[0-9a-f]{32} \(CKM_RSA_AES_KEY_WRAP\): it was made for another key, with another 'enc', or it was altered\.\nCode: BadParameter\n/);
  });

  test("a tampered blob", async () => {
    const file = out("tampered");
    expect((await cli(["byok-blob", "--kek-id", kekId, "--key-file", rsaPem, "-f", file])).code).toBe(0);
    const blob = JSON.parse(readFileSync(file, "utf8"));
    const bytes = Buffer.from(blob.ciphertext, "base64url");
    bytes[bytes.length - 5]! ^= 0x40;
    writeFileSync(file, JSON.stringify({ ...blob, ciphertext: bytes.toString("base64url") }));
    await expectRefused(
      ["--byok-file", file],
      "tampered",
      "(BadParameter) The key transfer blob (key_hsm) is not valid: the wrapped target key failed the AES key wrap (RFC 5649) integrity check: the ciphertext was altered.",
    );
  });

  test("a KEK without the import operation: Forbidden", async () => {
    const noImport = await cli(["create", "--vault-name", "demo", "-n", "not-a-kek", "--kty", "RSA-HSM", "--ops", "wrapKey", "unwrapKey"]);
    const file = out("noimport");
    const blob = await cli(["byok-blob", "--kek-id", noImport.json().key.kid, "--key-file", rsaPem, "-f", file]);
    expect(blob.code).toBe(0);
    // byok-blob warns before the vault refuses.
    expect(blob.stderr).toContain("WARNING: The key https://demo.vault.localhost/keys/not-a-kek/");
    expect(blob.stderr).toContain("has key_ops [wrapKey, unwrapKey]; the vault accepts only a key exchange key with key_ops exactly [import].");
    await expectRefused(["--byok-file", file], "via-not-a-kek", "(Forbidden) Operation import is not permitted on this key.");
  });

  test("--kty that does not match the key in the blob", async () => {
    const file = out("kty");
    expect((await cli(["byok-blob", "--kek-id", kekId, "--key-file", rsaPem, "-f", file])).code).toBe(0);
    await expectRefused(["--byok-file", file, "--kty", "EC", "--curve", "P-256"], "kty-mismatch", "(BadParameter) The key transfer blob holds an RSA key; the request's kty is EC-HSM.");
  });
});

describe("no private member of the transferred key in any output", () => {
  test("byok-blob and import --byok-file, with --debug, print nothing of the key they carry", async () => {
    const file = out("debug");
    const runs = [
      await cli(["byok-blob", "--kek-id", kekId, "--key-file", rsaPem, "-f", file, "--debug"]),
      await cli(["import", "--vault-name", "demo", "-n", "byok-debug", "--byok-file", file, "--debug"]),
      // A refusal prints a stack trace with --debug.
      await cli(["import", "--vault-name", "demo", "-n", "byok-debug2", "--byok-file", file, "--kty", "EC", "--curve", "P-256", "--debug"]),
    ];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 1]);
    expect(runs[1]!.stderr).toMatch(/DEBUG: Request: PUT /);
    const text = runs.map((r) => r.stdout + r.stderr).join("\n");
    // The private members as openssl's key file holds them (read by node:crypto, not by kvkey).
    const jwk = createPrivateKey(readFileSync(rsaPem)).export({ format: "jwk" });
    for (const member of ["d", "p", "q", "dp", "dq", "qi"] as const) {
      for (const spelling of spellings(Buffer.from(jwk[member]!, "base64url"))) {
        if (text.includes(spelling)) throw new Error(`private member ${member} appears in the output (${spelling.slice(0, 12)}...)`);
      }
    }
  });
});

describe("byok-blob's own errors", () => {
  test.each([
    ["no --key-file", () => ["byok-blob", "--kek-id", kekId, "-f", out("x")], 2, "the following arguments are required: --key-file"],
    ["no --file", () => ["byok-blob", "--kek-id", kekId, "--key-file", rsaPem], 2, "the following arguments are required: --file/-f"],
    ["no KEK at all", () => ["byok-blob", "--key-file", rsaPem, "-f", out("x")], 1, "Please specify --kek-id, --kek-file, or both."],
    ["--enc BAD", () => ["byok-blob", "--kek-id", kekId, "--key-file", rsaPem, "-f", out("x"), "--enc", "RSA-OAEP"], 2, "kvkey byok-blob: 'RSA-OAEP' is not a valid value for '--enc'. Allowed values: CKM_RSA_AES_KEY_WRAP, RSA_AES_KEY_WRAP_256, RSA_AES_KEY_WRAP_384."],
    ["an existing output file", () => ["byok-blob", "--kek-id", kekId, "--key-file", rsaPem, "-f", rsaPem], 1, /^File or directory named '.+target\.pem' already exists\.$/],
    ["a PEM KEK without an id", () => ["byok-blob", "--kek-file", rsaPem, "--key-file", rsaPem, "-f", out("x")], 1, "--kek-file holds no key identifier: give the KEK's versioned id with --kek-id."],
    ["a public key as the key to transfer", () => ["byok-blob", "--kek-id", kekId, "--key-file", writeScratch("pub.pem", opensslPublicPem(rsaPem)), "-f", out("x")], 1, "Cannot make the BYOK blob: the PEM holds a public key (BEGIN PUBLIC KEY), not a private key; importing a key needs its private key."],
    ["a KEK that does not exist", () => ["byok-blob", "--kek-id", "https://demo.vault.localhost/keys/nokek", "--key-file", rsaPem, "-f", out("x")], 1, "(KeyNotFound) A key with (name/id) nokek was not found in this key vault."],
  ])("%s", async (_case, args, code, message) => {
    const argv = args();
    const run = await cli(argv);
    const line = run.stderr.split("\n")[0]!;
    expect(line.startsWith("ERROR: "), run.stderr).toBe(true);
    if (typeof message === "string") expect(line.startsWith(`ERROR: ${message}`), run.stderr).toBe(true);
    else expect(line.slice("ERROR: ".length)).toMatch(message);
    expect(run.code).toBe(code);
    const file = argv[argv.indexOf("-f") + 1];
    if (argv.includes("-f") && file !== rsaPem) expect(existsSync(file!)).toBe(false);
  });
});

function writeScratch(name: string, text: string): string {
  return s.file(name, text);
}
