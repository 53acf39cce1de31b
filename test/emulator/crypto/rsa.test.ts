import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { constants, createHash, publicEncrypt, randomBytes, sign as nodeSign, verify as nodeVerify, generateKeyPairSync } from "node:crypto";
import forge from "node-forge";
import type { CryptographyClient, KeyVaultKey } from "@azure/keyvault-keys";
import { testVault, type TestVault } from "../../helpers/emulator.js";
import { b64u, opensslVerifies, publicKeyOf, raw, scratch, unb64u } from "./helpers.js";

// RSA through the real SDK and raw REST, checked against implementations that share no code with the
// emulator: node:crypto (OpenSSL via libcrypto), the openssl CLI, and node-forge (pure JS).

let vault: TestVault;
let key: KeyVaultKey;
let crypto: CryptographyClient;
let files: ReturnType<typeof scratch>;
let publicPem: string;

beforeAll(async () => {
  vault = testVault();
  key = await vault.client.createRsaKey("rsa", { keySize: 2048 });
  crypto = vault.client.getCryptographyClient("rsa");
  files = scratch();
  publicPem = files.path("rsa.pub.pem", publicKeyOf(key).export({ type: "spki", format: "pem" }) as string);
});
afterAll(() => {
  files.cleanup();
  vault.close();
});

const HASH = { RS256: "sha256", RS384: "sha384", RS512: "sha512", PS256: "sha256", PS384: "sha384", PS512: "sha512" } as const;
type RsaSig = keyof typeof HASH;

/** Remote encrypt: the SDK would encrypt RSA1_5/RSA-OAEP locally with the public key, so call the REST route. */
async function remoteEncrypt(alg: string, plaintext: Buffer, op = "encrypt"): Promise<Buffer> {
  const res = await raw(vault.emulator, "POST", `${vault.vaultUrl}/keys/rsa//${op}`, { alg, value: b64u(plaintext) });
  expect(res.status).toBe(200);
  expect(res.body.kid).toBe(key.id);
  expect(res.body.alg).toBe(alg);
  return unb64u(res.body.value);
}

describe("encrypt / decrypt", () => {
  test.each(["RSA1_5", "RSA-OAEP", "RSA-OAEP-256"] as const)("%s round trip: remote encrypt, SDK decrypt", async (alg) => {
    const plaintext = randomBytes(40);
    const ciphertext = await remoteEncrypt(alg, plaintext);
    expect(ciphertext.length).toBe(256);
    const decrypted = await crypto.decrypt({ algorithm: alg, ciphertext });
    expect(Buffer.from(decrypted.result)).toEqual(plaintext);
    expect(decrypted.keyID).toBe(key.id);
  });

  test("RSA-OAEP-256 round trip entirely through the SDK (it has no local OAEP-256, so both calls are remote)", async () => {
    const plaintext = Buffer.from("sixteen byte key");
    const encrypted = await crypto.encrypt({ algorithm: "RSA-OAEP-256", plaintext });
    const decrypted = await crypto.decrypt({ algorithm: "RSA-OAEP-256", ciphertext: encrypted.result });
    expect(Buffer.from(decrypted.result).toString()).toBe("sixteen byte key");
  });

  test("ciphertext made by node:crypto with the public key decrypts in the emulator (OAEP SHA-1 and SHA-256)", async () => {
    const pub = publicKeyOf(key);
    const plaintext = randomBytes(32);
    const oaep1 = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING }, plaintext);
    const oaep256 = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, plaintext);
    expect(Buffer.from((await crypto.decrypt({ algorithm: "RSA-OAEP", ciphertext: oaep1 })).result)).toEqual(plaintext);
    expect(Buffer.from((await crypto.decrypt({ algorithm: "RSA-OAEP-256", ciphertext: oaep256 })).result)).toEqual(plaintext);
    // The hash is part of the algorithm: OAEP-256 ciphertext is not OAEP (SHA-1) ciphertext.
    await expect(crypto.decrypt({ algorithm: "RSA-OAEP", ciphertext: oaep256 })).rejects.toMatchObject({ statusCode: 400, code: "BadParameter" });
  });

  test("RSA1_5 ciphertext made by node-forge decrypts in the emulator; a corrupted one is a 400, not a 500", async () => {
    const jwk = key.key!;
    const forgeKey = forge.pki.setRsaPublicKey(
      new forge.jsbn.BigInteger(Buffer.from(jwk.n!).toString("hex"), 16),
      new forge.jsbn.BigInteger(Buffer.from(jwk.e!).toString("hex"), 16),
    );
    const plaintext = randomBytes(24);
    const ciphertext = Buffer.from(forgeKey.encrypt(plaintext.toString("binary"), "RSAES-PKCS1-V1_5"), "binary");
    expect(Buffer.from((await crypto.decrypt({ algorithm: "RSA1_5", ciphertext })).result)).toEqual(plaintext);
    // Also via the SDK's own local RSA1_5 encryption (node publicEncrypt with PKCS#1 padding).
    const local = await crypto.encrypt({ algorithm: "RSA1_5", plaintext });
    expect(Buffer.from((await crypto.decrypt({ algorithm: "RSA1_5", ciphertext: local.result })).result)).toEqual(plaintext);

    const corrupted = Buffer.from(ciphertext);
    corrupted[10]! ^= 0xff;
    await expect(crypto.decrypt({ algorithm: "RSA1_5", ciphertext: corrupted })).rejects.toMatchObject({ statusCode: 400, code: "BadParameter" });
  });

  test("plaintext too long for the padding is a 400 naming the limit", async () => {
    const res = await raw(vault.emulator, "POST", `${vault.vaultUrl}/keys/rsa//encrypt`, { alg: "RSA-OAEP-256", value: b64u(randomBytes(191)) });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("at most 190 bytes");
  });
});

describe("wrapKey / unwrapKey", () => {
  test.each(["RSA1_5", "RSA-OAEP", "RSA-OAEP-256"] as const)("%s: wrap (remote) then SDK unwrap", async (alg) => {
    const aesKey = randomBytes(32);
    const wrapped = await remoteEncrypt(alg, aesKey, "wrapkey");
    const unwrapped = await crypto.unwrapKey(alg, wrapped);
    expect(Buffer.from(unwrapped.result)).toEqual(aesKey);
  });

  test.each(["RSA1_5", "RSA-OAEP"] as const)("%s: what the SDK encrypts and wraps locally (public key only) opens in the emulator", async (alg) => {
    // A CryptographyClient built from a bare JsonWebKey is local-only: it cannot reach the emulator, so
    // these ciphertexts are the SDK's own (node publicEncrypt), as with a key fetched before encrypting.
    const { CryptographyClient } = await import("@azure/keyvault-keys");
    const local = new CryptographyClient({ kty: "RSA", n: key.key!.n!, e: key.key!.e!, keyOps: ["encrypt", "wrapKey"] });
    const plaintext = randomBytes(32);
    const encrypted = await local.encrypt({ algorithm: alg, plaintext });
    expect(Buffer.from((await crypto.decrypt({ algorithm: alg, ciphertext: encrypted.result })).result)).toEqual(plaintext);
    const wrapped = await local.wrapKey(alg, plaintext);
    expect(Buffer.from((await crypto.unwrapKey(alg, wrapped.result)).result)).toEqual(plaintext);
  });
});

describe("sign / verify", () => {
  const algorithms = Object.keys(HASH) as RsaSig[];

  test.each(algorithms)("%s: the emulator's signature verifies with node:crypto and the openssl CLI", async (alg) => {
    const data = randomBytes(100);
    const digest = createHash(HASH[alg]).update(data).digest();
    const signed = await crypto.sign(alg, digest);
    expect(signed.keyID).toBe(key.id);
    const signature = Buffer.from(signed.result);
    expect(signature.length).toBe(256);

    const pss = alg.startsWith("PS");
    const nodeKey = pss ? { key: publicKeyOf(key), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : publicKeyOf(key);
    expect(nodeVerify(HASH[alg], data, nodeKey, signature)).toBe(true);

    const dataFile = files.path(`${alg}.data`, data);
    const sigFile = files.path(`${alg}.sig`, signature);
    const sigopts = pss ? ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"] : [];
    expect(opensslVerifies(["dgst", `-${HASH[alg]}`, "-verify", publicPem, ...sigopts, "-signature", sigFile, dataFile])).toBe(true);
    // The same check must fail for other data, or the assertion above proves nothing.
    const otherFile = files.path(`${alg}.other`, Buffer.concat([data, Buffer.from([1])]));
    expect(opensslVerifies(["dgst", `-${HASH[alg]}`, "-verify", publicPem, ...sigopts, "-signature", sigFile, otherFile])).toBe(false);
  });

  test.each(algorithms)("%s: the emulator verifies its own signature and refuses a wrong digest", async (alg) => {
    const digest = createHash(HASH[alg]).update("release-1.2.3.tar.gz").digest();
    const signature = (await crypto.sign(alg, digest)).result;
    expect((await crypto.verify(alg, digest, signature)).result).toBe(true);
    const other = Buffer.from(digest);
    other[0]! ^= 1;
    expect((await crypto.verify(alg, other, signature)).result).toBe(false);
  });

  test("signatures made by node:crypto with the same key verify in the emulator (PKCS#1 and PSS)", async () => {
    // Import a key whose private half the test holds, so an independent signer can sign.
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 3072 });
    const jwk = privateKey.export({ format: "jwk" });
    const imported = await vault.client.importKey("rsa-known", {
      kty: "RSA",
      n: unb64u(jwk.n!), e: unb64u(jwk.e!), d: unb64u(jwk.d!), p: unb64u(jwk.p!), q: unb64u(jwk.q!),
      dp: unb64u(jwk.dp!), dq: unb64u(jwk.dq!), qi: unb64u(jwk.qi!),
    });
    const client = vault.client.getCryptographyClient(imported.name);
    const data = Buffer.from("signed elsewhere");
    const digest = createHash("sha384").update(data).digest();
    const pkcs1 = nodeSign("sha384", data, privateKey);
    const pss = nodeSign("sha384", data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 });
    expect((await client.verify("RS384", digest, pkcs1)).result).toBe(true);
    expect((await client.verify("PS384", digest, pss)).result).toBe(true);
    // Scheme is part of the algorithm.
    expect((await client.verify("PS384", digest, pkcs1)).result).toBe(false);
    expect((await client.verify("RS384", digest, pss)).result).toBe(false);
  });
});
