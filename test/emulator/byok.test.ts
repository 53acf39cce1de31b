import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCipheriv, createHash, createPrivateKey, createPublicKey, randomBytes, verify } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { KeyClient, KeyVaultKey } from "@azure/keyvault-keys";
import { API, raw, tempDataDir, testVault, type TestVault } from "../helpers/emulator.js";
import {
  openssl,
  opensslByokBlob,
  opensslEcKey,
  opensslPkcs8Der,
  opensslPublicPem,
  opensslRsaKey,
  publicJwkOfPem,
  publicPemOf,
  scratchDir,
  type ByokEnc,
} from "../helpers/byok.js";

// Bring your own key through the real KeyClient: key exchange keys created in the emulator, transfer
// blobs made by the openssl command line (never by kvkey's code), imported with key_hsm, then used.

let vault: TestVault;
let client: KeyClient;
let hsm: KeyClient;
let scratch: ReturnType<typeof scratchDir>;
let kek: KeyVaultKey;
let kek2: KeyVaultKey;
let hsmKek: KeyVaultKey;
let rsaTarget: string;
let rsaPlaintext: string;

beforeAll(async () => {
  vault = testVault({ vaultUrl: "https://byok.vault.localhost" });
  client = vault.client;
  hsm = vault.clientFor("https://byok.managedhsm.localhost");
  scratch = scratchDir("kvkey-byok-");
  kek = await client.createKey("kek", "RSA-HSM", { keyOps: ["import"] });
  kek2 = await client.createKey("kek2", "RSA-HSM", { keyOps: ["import"], keySize: 3072 });
  hsmKek = await hsm.createKey("kek", "RSA-HSM", { keyOps: ["import"] });
  rsaTarget = opensslRsaKey(scratch, "target-rsa.pem");
  rsaPlaintext = opensslPkcs8Der(scratch, rsaTarget);
});
afterAll(() => {
  vault.close();
  scratch.cleanup();
});

const blobBytes = (json: string) => new Uint8Array(Buffer.from(json, "utf8"));

function blobFor(kekKey: KeyVaultKey, plaintextFile: string, enc?: ByokEnc, kid = kekKey.id!): string {
  return opensslByokBlob(scratch, { kekPublicPem: publicPemOf(kekKey), kid, plaintextFile, ...(enc ? { enc } : {}) });
}

async function rejection(promise: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message: string }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "expected the import to be refused").toBeInstanceOf(Error);
  return err as { statusCode?: number; code?: string; message: string };
}

async function expectAbsent(c: KeyClient, name: string): Promise<void> {
  const err = await rejection(c.getKey(name));
  expect(err).toMatchObject({ statusCode: 404, code: "KeyNotFound" });
}

describe("the key exchange key", () => {
  it("is an RSA-HSM key created with key_ops exactly [import]", () => {
    expect(kek.keyType).toBe("RSA-HSM");
    expect(kek.keyOperations).toEqual(["import"]);
    expect(hsmKek.keyType).toBe("RSA-HSM");
  });

  it("cannot be used for anything but import", async () => {
    // Straight to the handler: the SDK's CryptographyClient would refuse locally after reading key_ops.
    const response = await raw(vault.emulator, {
      method: "POST",
      url: `${kek.id}/sign?${API}`,
      body: { alg: "RS256", value: createHash("sha256").update("x").digest("base64url") },
    });
    expect(response.status).toBe(403);
    expect(response.json.error).toMatchObject({ code: "Forbidden", innererror: { code: "KeyOperationForbidden" } });
  });
});

describe("BYOK round trip", () => {
  it.each<ByokEnc>(["CKM_RSA_AES_KEY_WRAP", "RSA_AES_KEY_WRAP_256", "RSA_AES_KEY_WRAP_384"])(
    "an RSA key wrapped with %s imports as RSA-HSM, keeps its public key and signs for openssl",
    async (enc) => {
      const name = `rsa-${enc.toLowerCase().replace(/_/g, "-")}`;
      const key = await client.importKey(name, { kty: "RSA-HSM", t: blobBytes(blobFor(kek, rsaPlaintext, enc)), keyOps: ["sign", "verify"] });
      expect(key.keyType).toBe("RSA-HSM");
      expect(key.keyOperations).toEqual(["sign", "verify"]);
      const expected = publicJwkOfPem(opensslPublicPem(rsaTarget));
      expect(Buffer.from(key.key!.n!).toString("base64url")).toBe(expected.n);
      expect(Buffer.from(key.key!.e!).toString("base64url")).toBe(expected.e);

      const data = Buffer.from(`signed in the vault after ${enc}`);
      const signed = await client.getCryptographyClient(name).sign("RS256", createHash("sha256").update(data).digest());
      const pub = scratch.file(`${name}.pub.pem`, opensslPublicPem(rsaTarget));
      const out = openssl(["dgst", "-sha256", "-verify", pub, "-signature", scratch.file(`${name}.sig`, signed.result), scratch.file(`${name}.dat`, data)]);
      expect(out.toString()).toContain("Verified OK");
    },
  );

  it("a 3072-bit key exchange key works too (the RSA part is the modulus size)", async () => {
    const key = await client.importKey("rsa-kek3072", { kty: "RSA-HSM", t: blobBytes(blobFor(kek2, rsaPlaintext)) });
    expect(Buffer.from(key.key!.n!).toString("base64url")).toBe(publicJwkOfPem(opensslPublicPem(rsaTarget)).n);
    // Default key_ops of an RSA key when the request names none.
    expect(key.keyOperations).toEqual(["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]);
  });

  it.each([
    ["P-256", "prime256v1", "sha256"],
    ["P-256K", "secp256k1", "sha256"],
    ["P-384", "secp384r1", "sha384"],
    ["P-521", "secp521r1", "sha512"],
  ] as const)("an EC key on %s imports as EC-HSM with its crv and signs", async (crv, curve, hash) => {
    const pem = opensslEcKey(scratch, `ec-${curve}.pem`, curve);
    const name = `ec-${crv.toLowerCase()}`;
    const key = await client.importKey(name, { kty: "EC-HSM", crv, t: blobBytes(blobFor(kek, opensslPkcs8Der(scratch, pem), "RSA_AES_KEY_WRAP_256")) });
    expect(key.keyType).toBe("EC-HSM");
    expect(key.key!.crv).toBe(crv);
    const expected = publicJwkOfPem(opensslPublicPem(pem));
    expect(Buffer.from(key.key!.x!).toString("base64url")).toBe(expected.x);
    expect(Buffer.from(key.key!.y!).toString("base64url")).toBe(expected.y);

    const alg = { "P-256": "ES256", "P-256K": "ES256K", "P-384": "ES384", "P-521": "ES512" }[crv];
    const data = Buffer.from("ec byok");
    const signed = await client.getCryptographyClient(name).sign(alg, createHash(hash).update(data).digest());
    expect(verify(hash, data, { key: createPublicKey(opensslPublicPem(pem)), dsaEncoding: "ieee-p1363" }, signed.result)).toBe(true);
  });

  it("an AES key (raw bytes) imports into a Managed HSM as oct-HSM and decrypts what the original key encrypted", async () => {
    const aes = randomBytes(32);
    const raw = scratch.file("aes-target.bin", aes);
    const blob = opensslByokBlob(scratch, { kekPublicPem: publicPemOf(hsmKek), kid: hsmKek.id!, plaintextFile: raw, enc: "RSA_AES_KEY_WRAP_384" });
    const key = await hsm.importKey("aes", { kty: "oct-HSM", t: blobBytes(blob) });
    expect(key.keyType).toBe("oct-HSM");
    expect(key.key!.k).toBeUndefined();

    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", aes, iv);
    const ciphertext = Buffer.concat([cipher.update("secret message"), cipher.final()]);
    const result = await hsm.getCryptographyClient("aes").decrypt({ algorithm: "A256GCM", ciphertext, iv, authenticationTag: cipher.getAuthTag() });
    expect(Buffer.from(result.result).toString()).toBe("secret message");
  });

  it("the Hsm flag and a plain kty still give an HSM key (a BYOK key always lives in the HSM)", async () => {
    const key = await client.importKey("rsa-plain-kty", { kty: "RSA", t: blobBytes(blobFor(kek, rsaPlaintext)) });
    expect(key.keyType).toBe("RSA-HSM");
  });
});

describe("refusals (nothing is stored)", () => {
  it("a blob made for another key exchange key: 400, the RSA part does not decrypt", async () => {
    const blob = blobFor(kek2, rsaPlaintext, undefined, kek.id!);
    const err = await rejection(client.importKey("wrong-kek", { kty: "RSA-HSM", t: blobBytes(blob) }));
    expect(err).toMatchObject({ statusCode: 400, code: "BadParameter" });
    expect(err.message).toMatch(/^The key transfer blob could not be decrypted with the key exchange key https:\/\/byok\.vault\.localhost\/keys\/kek\/[0-9a-f]{32} \(CKM_RSA_AES_KEY_WRAP\)/);
    await expectAbsent(client, "wrong-kek");
  });

  it("a blob whose enc names another hash than the one used: 400", async () => {
    const blob = JSON.parse(blobFor(kek, rsaPlaintext, "CKM_RSA_AES_KEY_WRAP"));
    blob.header.enc = "RSA_AES_KEY_WRAP_256";
    const err = await rejection(client.importKey("wrong-enc", { kty: "RSA-HSM", t: blobBytes(JSON.stringify(blob)) }));
    expect(err).toMatchObject({ statusCode: 400, code: "BadParameter" });
    expect(err.message).toContain("could not be decrypted");
    await expectAbsent(client, "wrong-enc");
  });

  it("a tampered RSA part and a tampered wrapped key are refused with their own messages", async () => {
    const blob = JSON.parse(blobFor(kek, rsaPlaintext));
    const bytes = Buffer.from(blob.ciphertext, "base64url");
    const rsaPart = Buffer.from(bytes);
    rsaPart[10]! ^= 0x01;
    const first = await rejection(client.importKey("tampered", { kty: "RSA-HSM", t: blobBytes(JSON.stringify({ ...blob, ciphertext: rsaPart.toString("base64url") })) }));
    expect(first).toMatchObject({ statusCode: 400, code: "BadParameter" });
    expect(first.message).toContain("could not be decrypted");

    const kwpPart = Buffer.from(bytes);
    kwpPart[256 + 40]! ^= 0x80;
    const second = await rejection(client.importKey("tampered", { kty: "RSA-HSM", t: blobBytes(JSON.stringify({ ...blob, ciphertext: kwpPart.toString("base64url") })) }));
    expect(second).toMatchObject({ statusCode: 400, code: "BadParameter" });
    expect(second.message).toBe(
      "The key transfer blob (key_hsm) is not valid: the wrapped target key failed the AES key wrap (RFC 5649) integrity check: the ciphertext was altered.",
    );

    const truncated = bytes.subarray(0, 200).toString("base64url");
    const third = await rejection(client.importKey("tampered", { kty: "RSA-HSM", t: blobBytes(JSON.stringify({ ...blob, ciphertext: truncated })) }));
    expect(third.message).toMatch(/the ciphertext is 200 bytes; with a 2048-bit key exchange key it must be the 256-byte RSA-OAEP part/);
    await expectAbsent(client, "tampered");
  });

  it("a key exchange key without the import operation: 403 Forbidden (KeyOperationForbidden)", async () => {
    const noImport = await client.createKey("no-import", "RSA-HSM", { keyOps: ["wrapKey", "unwrapKey"] });
    const err = await rejection(client.importKey("via-no-import", { kty: "RSA-HSM", t: blobBytes(blobFor(noImport, rsaPlaintext)) }));
    expect(err).toMatchObject({ statusCode: 403, code: "Forbidden", message: "Operation import is not permitted on this key." });
    const body = JSON.parse(vault.exchanges.at(-1)!.body);
    expect(body.error.innererror.code).toBe("KeyOperationForbidden");
    await expectAbsent(client, "via-no-import");
  });

  it("a key exchange key with more operations than import, or a software RSA key: 400", async () => {
    const extra = await client.createKey("import-and-sign", "RSA-HSM", { keyOps: ["import", "sign"] });
    const e1 = await rejection(client.importKey("via-extra", { kty: "RSA-HSM", t: blobBytes(blobFor(extra, rsaPlaintext)) }));
    expect(e1).toMatchObject({ statusCode: 400, code: "BadParameter" });
    expect(e1.message).toMatch(/has key_ops \[import, sign\]; a key exchange key must have key_ops exactly \[import\]\.$/);

    const soft = await client.createKey("soft-kek", "RSA", { keyOps: ["import"] });
    const e2 = await rejection(client.importKey("via-soft", { kty: "RSA-HSM", t: blobBytes(blobFor(soft, rsaPlaintext)) }));
    expect(e2).toMatchObject({ statusCode: 400, code: "BadParameter" });
    expect(e2.message).toMatch(/is of type RSA; a key exchange key must be an RSA-HSM key\.$/);
    await expectAbsent(client, "via-extra");
    await expectAbsent(client, "via-soft");
  });

  it("a disabled or expired key exchange key: 403", async () => {
    const disabled = await client.createKey("kek-disabled", "RSA-HSM", { keyOps: ["import"], enabled: false });
    const e1 = await rejection(client.importKey("via-disabled", { kty: "RSA-HSM", t: blobBytes(blobFor(disabled, rsaPlaintext)) }));
    expect(e1).toMatchObject({ statusCode: 403, code: "Forbidden", message: "Operation import is not allowed on a disabled key." });
    const expired = await client.createKey("kek-expired", "RSA-HSM", { keyOps: ["import"], expiresOn: new Date(Date.now() - 60_000) });
    const e2 = await rejection(client.importKey("via-expired", { kty: "RSA-HSM", t: blobBytes(blobFor(expired, rsaPlaintext)) }));
    expect(e2).toMatchObject({ statusCode: 403, code: "Forbidden", message: "Operation import is not allowed on an expired key." });
  });

  it("a key exchange key that does not exist, or lives in another vault or HSM", async () => {
    const missing = kek.id!.replace("/keys/kek/", "/keys/nokek/");
    const e1 = await rejection(client.importKey("via-missing", { kty: "RSA-HSM", t: blobBytes(blobFor(kek, rsaPlaintext, undefined, missing)) }));
    expect(e1).toMatchObject({ statusCode: 404, code: "KeyNotFound" });
    expect(e1.message).toMatch(/^A key with \(name\/id\) nokek\/[0-9a-f]{32} was not found in this key vault\./);

    // The HSM's KEK named in a blob imported into the vault.
    const e2 = await rejection(client.importKey("via-hsm-kek", { kty: "RSA-HSM", t: blobBytes(blobFor(hsmKek, rsaPlaintext)) }));
    expect(e2).toMatchObject({ statusCode: 400, code: "BadParameter" });
    expect(e2.message).toMatch(/^The key exchange key https:\/\/byok\.managedhsm\.localhost\/keys\/kek\/[0-9a-f]{32} is not in this key vault \(byok\)/);
    await expectAbsent(client, "via-missing");
    await expectAbsent(client, "via-hsm-kek");
  });

  it("the key inside must be what the request names: kty and crv", async () => {
    const ec = opensslPkcs8Der(scratch, opensslEcKey(scratch, "mismatch-ec.pem", "P-256"));
    const e1 = await rejection(client.importKey("mismatch", { kty: "RSA-HSM", t: blobBytes(blobFor(kek, ec)) }));
    expect(e1.message).toBe("The key transfer blob holds an EC key; the request's kty is RSA-HSM.");
    const e2 = await rejection(client.importKey("mismatch", { kty: "EC-HSM", crv: "P-384", t: blobBytes(blobFor(kek, ec)) }));
    expect(e2.message).toBe("The key transfer blob holds a key on curve P-256; the request's crv is P-384.");
    const e3 = await rejection(client.importKey("mismatch", { kty: "EC-HSM", t: blobBytes(blobFor(kek, ec)) }));
    expect(e3.message).toBe("The JSON Web Key is missing the required member 'crv'.");
    const e4 = await rejection(client.importKey("mismatch", { kty: "oct-HSM", t: blobBytes(blobFor(kek, ec)) }));
    expect(e4).toMatchObject({ statusCode: 400, code: "BadParameter" });
    expect(e4.message).toMatch(/not supported in a key vault/);
    const small = opensslPkcs8Der(scratch, opensslRsaKey(scratch, "rsa1024.pem", 1024));
    const e5 = await rejection(client.importKey("mismatch", { kty: "RSA-HSM", t: blobBytes(blobFor(kek, small)) }));
    expect(e5.message).toBe("RSA keys of 1024 bits cannot be imported; the size must be 2048, 3072 or 4096 bits.");
    await expectAbsent(client, "mismatch");
  });

  it("an AES key of a size the HSM does not support", async () => {
    const raw = scratch.file("aes-20.bin", randomBytes(20));
    const blob = opensslByokBlob(scratch, { kekPublicPem: publicPemOf(hsmKek), kid: hsmKek.id!, plaintextFile: raw });
    const err = await rejection(hsm.importKey("aes20", { kty: "oct-HSM", t: blobBytes(blob) }));
    expect(err.message).toBe("Symmetric keys of 160 bits cannot be imported; the size must be 128, 192 or 256 bits.");
    await expectAbsent(hsm, "aes20");
  });

  it.each([
    ["not JSON", () => "not json", "it is not JSON"],
    ["no header", () => JSON.stringify({ ciphertext: "AAAA" }), "the member 'header' (kid, alg, enc) is missing."],
    ["no kid", () => JSON.stringify({ header: { alg: "dir", enc: "CKM_RSA_AES_KEY_WRAP" }, ciphertext: "AAAA" }), "'header.kid'"],
    ["alg not dir", () => JSON.stringify({ header: { kid: kek.id, alg: "RSA-OAEP", enc: "CKM_RSA_AES_KEY_WRAP" }, ciphertext: "AAAA" }), `'header.alg' must be "dir"; it is "RSA-OAEP".`],
    ["unknown enc", () => JSON.stringify({ header: { kid: kek.id, alg: "dir", enc: "CKM_RSA_AES_KEY_WRAP_512" }, ciphertext: "AAAA" }), `'header.enc' "CKM_RSA_AES_KEY_WRAP_512" is not supported. Supported: CKM_RSA_AES_KEY_WRAP, RSA_AES_KEY_WRAP_256, RSA_AES_KEY_WRAP_384.`],
    ["kid not a key id", () => JSON.stringify({ header: { kid: "https://byok.vault.localhost/secrets/s", alg: "dir", enc: "CKM_RSA_AES_KEY_WRAP" }, ciphertext: "AAAA" }), "'header.kid' is not a key identifier"],
    ["ciphertext not base64url", () => JSON.stringify({ header: { kid: kek.id, alg: "dir", enc: "CKM_RSA_AES_KEY_WRAP" }, ciphertext: "a+b/" }), "the member 'ciphertext' is not a non-empty base64url string."],
  ])("a malformed blob (%s): 400", async (_case, make, message) => {
    const err = await rejection(client.importKey("malformed", { kty: "RSA-HSM", t: blobBytes(make()) }));
    expect(err).toMatchObject({ statusCode: 400, code: "BadParameter" });
    expect(err.message).toContain("The key transfer blob (key_hsm) is not valid: ");
    expect(err.message).toContain(message);
  });

  it("key_hsm with private members alongside: 400", async () => {
    const err = await rejection(client.importKey("both", { kty: "RSA-HSM", t: blobBytes(blobFor(kek, rsaPlaintext)), d: new Uint8Array([1, 2, 3]) }));
    expect(err.message).toBe("A JSON Web Key with key_hsm (bring your own key) carries its key inside the transfer blob; it must not also have d.");
  });
});

describe("sealed at rest", () => {
  it("the imported private key is not stored in clear (as for generated keys)", async () => {
    const { dir, cleanup } = tempDataDir();
    const disk = testVault({ dataDir: dir, vaultUrl: "https://disk.vault.localhost" });
    try {
      const diskKek = await disk.client.createKey("kek", "RSA-HSM", { keyOps: ["import"] });
      const imported = await disk.client.importKey("t", { kty: "RSA-HSM", t: blobBytes(blobFor(diskKek, rsaPlaintext)) });
      expect(imported.keyType).toBe("RSA-HSM");
      disk.close();
      const { d, p } = createPrivateKey(readFileSync(rsaTarget)).export({ format: "jwk" });
      const files = readdirSync(dir).filter((f) => f.startsWith("kvkey.db")).map((f) => readFileSync(join(dir, f)));
      expect(files.length).toBeGreaterThan(0);
      for (const bytes of files) {
        expect(bytes.includes(d!)).toBe(false);
        expect(bytes.includes(Buffer.from(p!, "base64url").subarray(0, 32))).toBe(false);
        expect(bytes.includes(readFileSync(rsaPlaintext).subarray(40, 100))).toBe(false);
      }
    } finally {
      cleanup();
    }
  });
});
