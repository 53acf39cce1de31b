import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { constants, createCipheriv, createHash, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, verify } from "node:crypto";
import type { KeyClient } from "@azure/keyvault-keys";
import { API, raw, testVault, type TestVault } from "../helpers/emulator.js";

// Gaps Microsoft's own SDK test suites (JS and Python) found against the emulator, each checked against
// the service's recorded answers (Azure/azure-sdk-for-js keyvault-keys recordings): issue 22, item 7.

const VAULT = "https://fidelity.vault.localhost";
const HSM = "https://fidelity.managedhsm.localhost";
let tv: TestVault;
let vault: KeyClient;
let hsm: KeyClient;

beforeAll(() => {
  tv = testVault({ vaultUrl: VAULT });
  vault = tv.client;
  hsm = tv.clientFor(HSM);
});
afterAll(() => tv.close());

const rejection = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as { statusCode?: number; code?: string; message: string });

describe('kty "AES"', () => {
  test("in a Managed HSM creates an oct-HSM key, as the recorded service answers", async () => {
    const key = await hsm.createKey("aes-alias", "AES", { keySize: 256 });
    expect(key.keyType).toBe("oct-HSM");
    const res = await raw(tv.emulator, { method: "POST", url: `${HSM}/keys/aes-alias-raw/create?${API}`, body: { kty: "AES", key_size: 128 } });
    expect(res.status).toBe(200);
    expect(res.json.key.kty).toBe("oct-HSM");
  });

  test("in a key vault is refused like every symmetric key type", async () => {
    const err = await rejection(vault.createKey("aes-alias", "AES"));
    expect(err).toMatchObject({ statusCode: 400, code: "BadParameter" });
  });
});

describe("listing the versions of a key that does not exist", () => {
  test("is 200 with no items (recorded: {\"value\":[],\"nextLink\":null}), through the SDK and on the wire", async () => {
    await vault.createKey("exists", "EC"); // the vault must exist for the read to reach it
    const seen: unknown[] = [];
    for await (const p of vault.listPropertiesOfKeyVersions("never-created")) seen.push(p);
    expect(seen).toEqual([]);
    const res = await raw(tv.emulator, { method: "GET", url: `${VAULT}/keys/never-created/versions?${API}` });
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"value":[],"nextLink":null}');
  });

  test("a deleted key lists no versions either", async () => {
    await vault.createKey("gone", "EC");
    await vault.beginDeleteKey("gone").then((p) => p.pollUntilDone());
    const res = await raw(tv.emulator, { method: "GET", url: `${VAULT}/keys/gone/versions?${API}` });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ value: [], nextLink: null });
  });
});

describe("a malformed backup blob", () => {
  test("is 400 'Malformed backup blob' with the service's message (the recorded restore of 8,693 zero bytes)", async () => {
    const err = await rejection(vault.restoreKeyBackup(new Uint8Array(8693)));
    expect(err).toMatchObject({ statusCode: 400, code: "Malformed backup blob" });
    expect(err!.message).toBe("Backup blob contains invalid or corrupt version.");
    const res = await raw(tv.emulator, { method: "POST", url: `${VAULT}/keys/restore?${API}`, body: { value: Buffer.from("not a backup").toString("base64url") } });
    expect(res.status).toBe(400);
    expect(res.body).toBe('{"error":{"code":"Malformed backup blob","message":"Backup blob contains invalid or corrupt version."}}');
  });
});

describe("an imported RSA key whose n carries a leading zero byte", () => {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = privateKey.export({ format: "jwk" }) as Record<string, string>;
  const n257 = Buffer.concat([Buffer.of(0), Buffer.from(jwk.n!, "base64url")]);

  beforeAll(async () => {
    expect(n257.length).toBe(257);
    const res = await raw(tv.emulator, {
      method: "PUT",
      url: `${VAULT}/keys/leading-zero?${API}`,
      body: { key: { ...jwk, n: n257.toString("base64url"), kty: "RSA", key_ops: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"] } },
    });
    expect(res.status).toBe(200);
  });

  test("decrypts a 256-byte RSA-OAEP ciphertext made by node:crypto (sized by its 2048 bits, not 257 bytes)", async () => {
    const plaintext = Buffer.from("sized by bits");
    const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, plaintext);
    expect(ciphertext.length).toBe(256);
    const crypto = vault.getCryptographyClient("leading-zero");
    const result = await crypto.decrypt({ algorithm: "RSA-OAEP", ciphertext });
    expect(Buffer.from(result.result)).toEqual(plaintext);
  });

  test("signs PS256 and RS256 with 256-byte signatures that node:crypto verifies", async () => {
    const digest = createHash("sha256").update("data").digest();
    const crypto = vault.getCryptographyClient("leading-zero");
    for (const algorithm of ["PS256", "RS256"] as const) {
      const { result } = await crypto.sign(algorithm, digest);
      expect(result.length).toBe(256);
      const padding = algorithm === "PS256" ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
      expect(verify("sha256", Buffer.from("data"), { key: publicKey, padding, saltLength: 32 }, result)).toBe(true);
      expect((await crypto.verify(algorithm, digest, result)).result).toBe(true);
    }
  });

  test("encrypts to 256 bytes that node:crypto's private key opens", async () => {
    const res = await raw(tv.emulator, {
      method: "POST",
      url: `${VAULT}/keys/leading-zero//encrypt?${API}`,
      body: { alg: "RSA-OAEP-256", value: Buffer.from("to the key").toString("base64url") },
    });
    expect(res.status).toBe(200);
    const ciphertext = Buffer.from(res.json.value, "base64url");
    expect(ciphertext.length).toBe(256);
    const opened = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, ciphertext);
    expect(opened.toString()).toBe("to the key");
  });
});

describe("A*CBC in a Managed HSM with input that is not a whole number of blocks", () => {
  const keyBytes = randomBytes(32);
  const iv = randomBytes(16);

  beforeAll(async () => {
    await hsm.importKey("cbc", { kty: "oct-HSM", k: keyBytes, keyOps: ["encrypt", "decrypt"] });
  });

  test("zero-pads as the HSM does: 200 bytes in, 208 out, and decrypt returns the zero-padded plaintext", async () => {
    const plaintext = randomBytes(200);
    const crypto = hsm.getCryptographyClient("cbc");
    const enc = await crypto.encrypt({ algorithm: "A256CBC", plaintext, iv });
    expect(enc.result.length).toBe(208);
    // Independently: AES-256-CBC without padding over the plaintext followed by 8 zero bytes.
    const padded = Buffer.concat([plaintext, Buffer.alloc(8)]);
    const cipher = createCipheriv("aes-256-cbc", keyBytes, iv).setAutoPadding(false);
    expect(Buffer.from(enc.result)).toEqual(Buffer.concat([cipher.update(padded), cipher.final()]));
    const dec = await crypto.decrypt({ algorithm: "A256CBC", ciphertext: enc.result, iv });
    expect(Buffer.from(dec.result)).toEqual(padded);
  });

  test("block-aligned input is unchanged, and A256CBCPAD still uses PKCS#7", async () => {
    const crypto = hsm.getCryptographyClient("cbc");
    expect((await crypto.encrypt({ algorithm: "A256CBC", plaintext: randomBytes(32), iv })).result.length).toBe(32);
    expect((await crypto.encrypt({ algorithm: "A256CBCPAD", plaintext: randomBytes(200), iv })).result.length).toBe(208);
    expect((await crypto.encrypt({ algorithm: "A256CBCPAD", plaintext: randomBytes(32), iv })).result.length).toBe(48);
  });
});

describe("attributes.hsmPlatform", () => {
  test("is \"2\" on a key vault's HSM-protected keys, in bundles and list items; absent on software and Managed HSM keys", async () => {
    const hsmKey = await vault.createKey("platform-hsm", "RSA-HSM");
    expect(hsmKey.properties.hsmPlatform).toBe("2");
    expect((await vault.createKey("platform-ec-hsm", "EC-HSM")).properties.hsmPlatform).toBe("2");
    expect((await vault.createKey("platform-soft", "RSA")).properties.hsmPlatform).toBeUndefined();
    expect((await hsm.createKey("platform-mhsm", "RSA-HSM")).properties.hsmPlatform).toBeUndefined();
    const res = await raw(tv.emulator, { method: "GET", url: `${VAULT}/keys/platform-hsm?${API}` });
    expect(res.json.attributes.hsmPlatform).toBe("2");
    const listed: Record<string, string | undefined> = {};
    for await (const p of vault.listPropertiesOfKeys()) listed[p.name] = p.hsmPlatform;
    expect(listed["platform-hsm"]).toBe("2");
    expect(listed["platform-soft"]).toBeUndefined();
  });
});
