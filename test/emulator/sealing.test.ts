import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JsonWebKey } from "@azure/keyvault-keys";
import { systemClock } from "../../src/emulator/index.js";
import { KeyService } from "../../src/emulator/service/key-service.js";
import { KeyRepository } from "../../src/emulator/service/key-repository.js";
import { SqliteKeyStore } from "../../src/emulator/store/sqlite-store.js";
import { loadOrCreateSecurityDomain } from "../../src/emulator/security-domain-file.js";
import type { PrivateMaterial } from "../../src/emulator/crypto/material.js";
import { API, raw, tempDataDir, testVault, type TestVault } from "../helpers/emulator.js";
import { cliIn, errorLine } from "../helpers/cli.js";

// Key material is sealed at rest and in backups: no private byte is findable in the database files,
// and a backup restores only where the same security domain is present, and never when tampered with.

let temp: { dir: string; cleanup: () => void };
const open: Array<{ close(): void }> = [];

beforeEach(() => {
  temp = tempDataDir("kvkey-seal-");
});
afterEach(() => {
  for (const v of open.splice(0).reverse()) v.close();
  temp.cleanup();
});

function vaultOn(dataDir: string, vaultUrl = "https://seal.vault.localhost"): TestVault {
  const v = testVault({ dataDir, vaultUrl });
  open.push(v);
  return v;
}

/** A KeyService opened directly on a data directory: the only way to read private material in a test. */
function serviceOn(dataDir: string): KeyService {
  const store = new SqliteKeyStore(dataDir);
  open.push(store);
  return new KeyService(new KeyRepository(store, loadOrCreateSecurityDomain(dataDir), systemClock));
}

function materialOf(service: KeyService, name: string, version?: string, kind: "vault" | "managedhsm" = "vault"): PrivateMaterial {
  return service.getKeyWithMaterial({ name: "seal", kind }, "seal", name, version).material;
}

/** Every spelling a secret could be stored in: raw bytes, hex, base64url, base64 with and without padding. */
function spellings(secret: Buffer): Array<[string, Buffer]> {
  const b64 = secret.toString("base64");
  return [
    ["raw", secret],
    ["hex", Buffer.from(secret.toString("hex"))],
    ["HEX", Buffer.from(secret.toString("hex").toUpperCase())],
    ["base64url", Buffer.from(secret.toString("base64url"))],
    ["base64", Buffer.from(b64)],
    ["base64 unpadded", Buffer.from(b64.replace(/=+$/, ""))],
  ];
}

// SQLite splits a long value across overflow pages (and WAL frames), so a stored secret need not be
// contiguous in the file. Looking for every 16-byte window (stride 8) of it finds any piece of 24 bytes
// or more; a random 16-byte window turns up by chance with probability ~2^-100 per file.
const WINDOW = 16;
const STRIDE = 8;

function findsPiece(haystack: Buffer, needle: Buffer): boolean {
  if (needle.length <= WINDOW) return haystack.includes(needle);
  for (let at = 0; at + WINDOW <= needle.length; at += STRIDE) {
    if (haystack.includes(needle.subarray(at, at + WINDOW))) return true;
  }
  return haystack.includes(needle.subarray(needle.length - WINDOW));
}

function databaseFiles(dataDir: string): Array<[string, Buffer]> {
  return ["kvkey.db", "kvkey.db-wal", "kvkey.db-shm"]
    .map((f) => join(dataDir, f))
    .filter((f) => existsSync(f))
    .map((f) => [f, readFileSync(f)] as [string, Buffer]);
}

function sdkJwk(exported: Record<string, string>): JsonWebKey {
  const jwk: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(exported)) jwk[k] = k === "kty" || k === "crv" ? v : Buffer.from(v, "base64url");
  return jwk as JsonWebKey;
}

describe("key material at rest", () => {
  it("no private byte of imported or generated keys is in the database, its WAL or shared memory", async () => {
    const dataDir = join(temp.dir, "home");
    const v = vaultOn(dataDir);
    const hsm = v.clientFor("https://seal.managedhsm.localhost");

    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }) as Record<string, string>;
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }) as Record<string, string>;
    const octK = randomBytes(32);
    await v.client.importKey("imported-rsa", sdkJwk(rsa));
    await v.client.importKey("imported-ec", sdkJwk(ec));
    await hsm.importKey("imported-oct", { kty: "oct", k: octK });
    await v.client.createRsaKey("generated-rsa", { keySize: 2048 });
    await v.client.createEcKey("generated-ec", { curve: "P-521" });
    await hsm.createOctKey("generated-oct", { keySize: 256 });
    // Update and delete rewrite rows: old page images land in the WAL too.
    await v.client.updateKeyProperties("imported-rsa", { tags: { touched: "yes" } });
    await (await v.client.beginDeleteKey("imported-ec")).pollUntilDone();

    const service = serviceOn(dataDir);
    const genRsa = materialOf(service, "generated-rsa");
    const genEc = materialOf(service, "generated-ec");
    const genOct = materialOf(service, "generated-oct", undefined, "managedhsm");
    if (genRsa.family !== "RSA" || genEc.family !== "EC" || genOct.family !== "oct") throw new Error("unexpected material");
    // The service really does hold the imported key: the secret we search for is the stored one.
    const impRsa = materialOf(service, "imported-rsa");
    expect(impRsa.family === "RSA" && impRsa.d).toBe(rsa.d);

    const secrets: Array<[string, Buffer]> = [
      ["imported RSA d", Buffer.from(rsa.d!, "base64url")],
      ["imported RSA p", Buffer.from(rsa.p!, "base64url")],
      ["imported RSA q", Buffer.from(rsa.q!, "base64url")],
      ["imported RSA dp", Buffer.from(rsa.dp!, "base64url")],
      ["imported EC d", Buffer.from(ec.d!, "base64url")],
      ["imported oct k", octK],
      ["generated RSA d", Buffer.from(genRsa.d, "base64url")],
      ["generated RSA p", Buffer.from(genRsa.p, "base64url")],
      ["generated RSA qi", Buffer.from(genRsa.qi, "base64url")],
      ["generated EC d", Buffer.from(genEc.d, "base64url")],
      ["generated oct k", Buffer.from(genOct.k, "base64url")],
    ];

    const files = databaseFiles(dataDir);
    // The WAL must be there and hold data, or this test would search nothing of what was just written.
    const wal = files.find(([f]) => f.endsWith("-wal"));
    expect(wal?.[1].length ?? 0).toBeGreaterThan(4096);

    // Positive control: public members are stored in clear, so the search does find what is there.
    const publicN = Buffer.from(rsa.n!);
    expect(files.some(([, bytes]) => findsPiece(bytes, publicN))).toBe(true);

    const search = () => {
      for (const [file, bytes] of databaseFiles(dataDir)) {
        for (const [what, secret] of secrets) {
          for (const [form, needle] of spellings(secret)) {
            expect(findsPiece(bytes, needle), `${what} (${form}) found in ${file}`).toBe(false);
          }
        }
      }
    };
    search();

    // And after every instance has closed and SQLite has checkpointed the WAL into the database.
    for (const o of open.splice(0).reverse()) o.close();
    expect(existsSync(join(dataDir, "kvkey.db-wal")) ? statSync(join(dataDir, "kvkey.db-wal")).size : 0).toBe(0);
    search();
  });
});

describe("backups and the security domain", () => {
  it("restore into a fresh directory holding a copy of security-domain.json, with every version and the same material", async () => {
    const from = join(temp.dir, "from");
    const to = join(temp.dir, "to");
    const source = vaultOn(from);
    const v1 = await source.client.createEcKey("moving", { curve: "P-256" });
    const v2 = await source.client.createRsaKey("moving", { keySize: 2048 });
    const blob = (await source.client.backupKey("moving"))!;
    const sourceService = serviceOn(from);
    const before = [materialOf(sourceService, "moving", v1.properties.version), materialOf(sourceService, "moving", v2.properties.version)];

    mkdirSync(to, { mode: 0o700 });
    copyFileSync(join(from, "security-domain.json"), join(to, "security-domain.json"));
    const target = vaultOn(to);
    expect(target.emulator.securityDomainId).toBe(source.emulator.securityDomainId);
    const restored = await target.client.restoreKeyBackup(blob);
    expect(restored.id).toBe(v2.id);
    const versions: string[] = [];
    for await (const p of target.client.listPropertiesOfKeyVersions("moving")) versions.push(p.version!);
    expect(versions).toEqual([v1.properties.version, v2.properties.version]);

    const targetService = serviceOn(to);
    const after = [materialOf(targetService, "moving", v1.properties.version), materialOf(targetService, "moving", v2.properties.version)];
    expect(after).toEqual(before);
  });

  it("is refused with a clear BadParameter where the security domain differs", async () => {
    const source = vaultOn(join(temp.dir, "a"));
    await source.client.createEcKey("k", { curve: "P-256" });
    const blob = (await source.client.backupKey("k"))!;
    const stranger = vaultOn(join(temp.dir, "b"));
    expect(stranger.emulator.securityDomainId).not.toBe(source.emulator.securityDomainId);

    await expect(stranger.client.restoreKeyBackup(blob)).rejects.toMatchObject({
      statusCode: 400,
      code: "BadParameter",
      message: expect.stringMatching(/different security domain/),
    });
    const res = await raw(stranger.emulator, {
      method: "POST",
      url: `https://seal.vault.localhost/keys/restore?${API}`,
      body: { value: Buffer.from(blob).toString("base64url") },
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "BadParameter", innererror: { code: "SecurityDomainMismatch" } });
    // Nothing was restored, and the vault was not even created.
    await expect(stranger.client.getKey("k")).rejects.toMatchObject({ statusCode: 404 });
  });

  it("refuses a blob with any single byte flipped", async () => {
    const v = vaultOn(join(temp.dir, "t"));
    await v.client.createEcKey("k", { curve: "P-256" });
    const blob = Buffer.from((await v.client.backupKey("k"))!);
    await (await v.client.beginDeleteKey("k")).pollUntilDone();
    await v.client.purgeDeletedKey("k");

    // Magic, format, domain id, seal IV, seal tag, and ciphertext from start to end.
    const positions = [0, 8, 9, 20, 26, 30, 45, 60, Math.floor(blob.length / 2), blob.length - 1];
    for (const at of positions) {
      const tampered = Buffer.from(blob);
      tampered[at] = tampered[at]! ^ 0x01;
      const res = await raw(v.emulator, {
        method: "POST",
        url: `https://seal.vault.localhost/keys/restore?${API}`,
        body: { value: tampered.toString("base64url") },
      });
      // A flipped magic or format byte is no backup at all: the service's "Malformed backup blob".
      const code = at <= 8 ? "Malformed backup blob" : "BadParameter";
      expect({ at, status: res.status, code: res.json.error?.code }).toEqual({ at, status: 400, code });
    }
    const payloadFlip = Buffer.from(blob);
    payloadFlip[blob.length - 1] = payloadFlip[blob.length - 1]! ^ 0x80;
    await expect(v.client.restoreKeyBackup(payloadFlip)).rejects.toMatchObject({
      statusCode: 400,
      code: "BadParameter",
      message: expect.stringMatching(/corrupted or has been tampered with/),
    });
    // The untouched blob still restores: the refusals were about the flips.
    expect((await v.client.restoreKeyBackup(blob)).name).toBe("k");
  });
});

describe("a data directory whose security-domain.json was replaced", () => {
  // The keys in the database were sealed under the old domain; the new one cannot open them. That is
  // the vault's state, not the emulator failing: a 409 the SDK does not retry, never a 500.
  async function replacedDomain(): Promise<{ home: string; v: TestVault }> {
    const home = join(temp.dir, "home");
    const before = vaultOn(home);
    await before.client.createEcKey("ec", { curve: "P-256" });
    await before.client.createRsaKey("rsa", { keySize: 2048 });
    await before.clientFor("https://seal.managedhsm.localhost").createOctKey("oct", { keySize: 256 });
    await before.clientFor("https://seal.managedhsm.localhost").createOctKey("hmac", { keySize: 256, keyOps: ["sign", "verify"] });
    // A key attestation makes the emulated HSM platform's signing keys, sealed under the domain too.
    const attested = await raw(before.emulator, { method: "GET", url: `https://seal.managedhsm.localhost/keys/oct/attestation?${API}` });
    expect(attested.status).toBe(200);
    const oldId = before.emulator.securityDomainId;
    before.close();
    open.splice(open.indexOf(before), 1);
    writeFileSync(join(home, "security-domain.json"), JSON.stringify({ format: 1, key: randomBytes(32).toString("base64") }) + "\n", { mode: 0o600 });
    const v = vaultOn(home);
    expect(v.emulator.securityDomainId).not.toBe(oldId);
    return { home, v };
  }

  function expectMismatch(res: { status: number; json: any }, what: string): void {
    expect({ what, status: res.status, code: res.json?.error?.code, inner: res.json?.error?.innererror?.code }).toEqual({
      what,
      status: 409,
      code: "Conflict",
      inner: "SecurityDomainMismatch",
    });
    expect(res.json.error.message).toMatch(/different security domain/);
    expect(res.json.error.message).not.toContain("\n");
  }

  it("answers crypto operations, backup and key attestation with 409 Conflict / SecurityDomainMismatch; public reads still work", async () => {
    const { v } = await replacedDomain();
    const digest = Buffer.alloc(32, 1).toString("base64url");
    const at = (base: string, path: string, body?: unknown) =>
      raw(v.emulator, { method: "POST", url: `${base}${path}?${API}`, ...(body !== undefined ? { body } : {}) });
    const VAULT = "https://seal.vault.localhost";
    const HSM = "https://seal.managedhsm.localhost";
    expectMismatch(await at(VAULT, "/keys/ec//sign", { alg: "ES256", value: digest }), "ES256 sign");
    expectMismatch(await at(VAULT, "/keys/rsa//decrypt", { alg: "RSA-OAEP-256", value: Buffer.alloc(256, 1).toString("base64url") }), "RSA decrypt");
    expectMismatch(await at(HSM, "/keys/oct//encrypt", { alg: "A256GCM", value: digest }), "AES-GCM encrypt");
    expectMismatch(await at(VAULT, "/keys/ec/backup"), "backup");
    expectMismatch(await raw(v.emulator, { method: "GET", url: `${HSM}/keys/oct/attestation?${API}` }), "key attestation");
    // A key made under the new domain opens, but the platform key that signs its attestation does not.
    await v.clientFor(HSM).createEcKey("fresh-hsm", { curve: "P-256" });
    expectMismatch(await raw(v.emulator, { method: "GET", url: `${HSM}/keys/fresh-hsm/attestation?${API}` }), "platform key");

    // What needs no private material is unaffected, and new keys are sealed under the new domain.
    expect((await v.client.getKey("ec")).name).toBe("ec");
    // Verify needs only the public key: it answers (false, for this made-up signature) instead of 409.
    for (const [key, alg, size] of [["ec", "ES256", 64], ["rsa", "PS256", 256]] as const) {
      const verified = await at(VAULT, `/keys/${key}//verify`, { alg, digest, value: Buffer.alloc(size, 7).toString("base64url") });
      expect({ key, status: verified.status, value: verified.json?.value }).toEqual({ key, status: 200, value: false });
    }
    // So does RSA encryption: encrypt and wrapKey answer, decrypt (above) is what needs the private key.
    for (const op of ["encrypt", "wrapkey"]) {
      const done = await at(VAULT, `/keys/rsa//${op}`, { alg: "RSA-OAEP-256", value: digest });
      expect({ op, status: done.status, bytes: Buffer.from(done.json?.value ?? "", "base64url").length }).toEqual({ op, status: 200, bytes: 256 });
    }
    expectMismatch(await at(HSM, "/keys/hmac//verify", { alg: "HS256", digest, value: digest }), "HMAC verify (needs the secret)");
    await v.client.createEcKey("fresh", { curve: "P-256" });
    expect((await at(VAULT, "/keys/fresh//sign", { alg: "ES256", value: digest })).status).toBe(200);

    // Through the SDK: a RestError the caller can act on, sent once (no retry of a 5xx).
    v.exchanges.length = 0;
    await expect(v.client.backupKey("rsa")).rejects.toMatchObject({ name: "RestError", statusCode: 409, code: "Conflict" });
    expect(v.exchanges.filter((e) => e.url.includes("/backup")).map((e) => e.status)).toEqual([409]);
  });

  it("the CLI says so in one ERROR line (then az's Code:/Message: lines), exit 1", async () => {
    const { home } = await replacedDomain();
    const run = await cliIn(home)(["sign", "--vault-name", "seal", "-n", "ec", "-a", "ES256", "--digest", Buffer.alloc(32, 1).toString("base64")]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^ERROR: \(Conflict\) The key material of key ec \(version [0-9a-f]{32}\) cannot be opened: it was sealed under a different security domain/);
    errorLine(run.stderr);
  });
});
