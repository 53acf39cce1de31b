import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import type { CryptographyClient, KeyClient } from "@azure/keyvault-keys";
import { testVault, type TestVault } from "../../helpers/emulator.js";
import { b64u, openssl, raw, unb64u } from "./helpers.js";

// Managed HSM symmetric algorithms through the SDK, on oct-HSM keys imported with known bytes so
// every result can be recomputed by node:crypto or the openssl CLI, independently of the emulator.

const HSM = "https://test.managedhsm.localhost";
let vault: TestVault;
let hsm: KeyClient;
const keys: Record<number, Buffer> = {};
const clients: Record<number, CryptographyClient> = {};

beforeAll(async () => {
  vault = testVault();
  hsm = vault.clientFor(HSM);
  for (const bits of [128, 192, 256]) {
    keys[bits] = randomBytes(bits / 8);
    await hsm.importKey(`aes${bits}`, {
      kty: "oct-HSM",
      k: keys[bits],
      keyOps: ["encrypt", "decrypt", "wrapKey", "unwrapKey", "sign", "verify"],
    });
    clients[bits] = hsm.getCryptographyClient(`aes${bits}`);
  }
});
afterAll(() => vault.close());

const SIZES = [128, 192, 256] as const;

describe.each(SIZES)("AES-%i", (bits) => {
  test("GCM: the service picks a 12-byte IV, honours aad, and node:crypto decrypts the result", async () => {
    const plaintext = randomBytes(45);
    const aad = Buffer.from("header");
    const enc = await clients[bits]!.encrypt({ algorithm: `A${bits}GCM`, plaintext, additionalAuthenticatedData: aad });
    expect(enc.iv?.length).toBe(12);
    expect(enc.authenticationTag?.length).toBe(16);
    expect(Buffer.from(enc.additionalAuthenticatedData!)).toEqual(aad);

    const decipher = createDecipheriv(`aes-${bits}-gcm`, keys[bits]!, enc.iv!);
    decipher.setAuthTag(enc.authenticationTag!);
    decipher.setAAD(aad);
    expect(Buffer.concat([decipher.update(enc.result), decipher.final()])).toEqual(plaintext);

    const dec = await clients[bits]!.decrypt({
      algorithm: `A${bits}GCM`, ciphertext: enc.result, iv: enc.iv!, authenticationTag: enc.authenticationTag!, additionalAuthenticatedData: aad,
    });
    expect(Buffer.from(dec.result)).toEqual(plaintext);
  });

  test("GCM: ciphertext sealed by node:crypto opens in the emulator; a tampered tag or aad is a 400", async () => {
    const iv = randomBytes(12);
    const cipher = createCipheriv(`aes-${bits}-gcm`, keys[bits]!, iv);
    cipher.setAAD(Buffer.from("aad"));
    const ciphertext = Buffer.concat([cipher.update("node sealed this"), cipher.final()]);
    const tag = cipher.getAuthTag();
    const base = { algorithm: `A${bits}GCM` as const, ciphertext, iv, authenticationTag: tag, additionalAuthenticatedData: Buffer.from("aad") };
    expect(Buffer.from((await clients[bits]!.decrypt(base)).result).toString()).toBe("node sealed this");

    const badTag = Buffer.from(tag);
    badTag[0]! ^= 1;
    await expect(clients[bits]!.decrypt({ ...base, authenticationTag: badTag })).rejects.toMatchObject({ statusCode: 400, code: "BadParameter" });
    await expect(clients[bits]!.decrypt({ ...base, additionalAuthenticatedData: Buffer.from("AAD") })).rejects.toMatchObject({ statusCode: 400 });
  });

  test("CBC and CBCPAD match the openssl CLI for the same key and IV, and round trip", async () => {
    const iv = randomBytes(16);
    const blocks = randomBytes(48);
    const odd = Buffer.from("not a whole number of blocks");
    const cbc = await clients[bits]!.encrypt({ algorithm: `A${bits}CBC`, plaintext: blocks, iv });
    const cbcpad = await clients[bits]!.encrypt({ algorithm: `A${bits}CBCPAD`, plaintext: odd, iv });
    expect(Buffer.from(cbc.iv!)).toEqual(iv);

    const enc = (args: string[], input: Buffer) =>
      openssl(["enc", `-aes-${bits}-cbc`, "-K", keys[bits]!.toString("hex"), "-iv", iv.toString("hex"), ...args], input);
    expect(Buffer.from(cbc.result)).toEqual(enc(["-nopad"], blocks));
    expect(Buffer.from(cbcpad.result)).toEqual(enc([], odd));

    expect(Buffer.from((await clients[bits]!.decrypt({ algorithm: `A${bits}CBC`, ciphertext: cbc.result, iv })).result)).toEqual(blocks);
    expect(Buffer.from((await clients[bits]!.decrypt({ algorithm: `A${bits}CBCPAD`, ciphertext: cbcpad.result, iv })).result)).toEqual(odd);
  });

  test("KW (RFC 3394) and CKM_AES_KEY_WRAP match node's id-aes-wrap; CKM_AES_KEY_WRAP_PAD matches RFC 5649", async () => {
    const dataKey = randomBytes(32);
    const kw = await clients[bits]!.wrapKey(`A${bits}KW`, dataKey);
    const ckm = await clients[bits]!.wrapKey("CKM_AES_KEY_WRAP", dataKey);
    const expected = (() => {
      const c = createCipheriv(`id-aes${bits}-wrap`, keys[bits]!, Buffer.from("A6A6A6A6A6A6A6A6", "hex"));
      return Buffer.concat([c.update(dataKey), c.final()]);
    })();
    expect(Buffer.from(kw.result)).toEqual(expected);
    expect(Buffer.from(ckm.result)).toEqual(expected);

    const odd = randomBytes(21); // not a multiple of 8: only the padded wrap takes it
    const kwp = await clients[bits]!.wrapKey("CKM_AES_KEY_WRAP_PAD", odd);
    const c = createCipheriv(`id-aes${bits}-wrap-pad`, keys[bits]!, Buffer.from("A65959A6", "hex"));
    expect(Buffer.from(kwp.result)).toEqual(Buffer.concat([c.update(odd), c.final()]));

    expect(Buffer.from((await clients[bits]!.unwrapKey(`A${bits}KW`, kw.result)).result)).toEqual(dataKey);
    expect(Buffer.from((await clients[bits]!.unwrapKey("CKM_AES_KEY_WRAP", ckm.result)).result)).toEqual(dataKey);
    expect(Buffer.from((await clients[bits]!.unwrapKey("CKM_AES_KEY_WRAP_PAD", kwp.result)).result)).toEqual(odd);

    const tampered = Buffer.from(kw.result);
    tampered[5]! ^= 1;
    await expect(clients[bits]!.unwrapKey(`A${bits}KW`, tampered)).rejects.toMatchObject({ statusCode: 400, code: "BadParameter" });
    await expect(clients[bits]!.wrapKey(`A${bits}KW`, odd)).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe("HMAC", () => {
  test.each(["HS256", "HS384", "HS512"] as const)("%s matches node's HMAC over the value, and verifies", async (alg) => {
    const value = randomBytes(40);
    const hash = `sha${alg.slice(2)}`;
    const signed = await clients[256]!.sign(alg, value);
    expect(Buffer.from(signed.result)).toEqual(createHmac(hash, keys[256]!).update(value).digest());
    expect((await clients[256]!.verify(alg, value, signed.result)).result).toBe(true);
    expect((await clients[256]!.verify(alg, Buffer.concat([value, Buffer.from([0])]), signed.result)).result).toBe(false);
  });
});

describe("the algorithm size must equal the key size", () => {
  test.each([
    ["A128GCM", 256, "encrypt"],
    ["A256CBCPAD", 192, "encrypt"],
    ["A192KW", 128, "wrapkey"],
  ] as const)("%s on a %i-bit key is a 400", async (alg, bits, op) => {
    const res = await raw(vault.emulator, "POST", `${HSM}/keys/aes${bits}//${op}`, { alg, value: b64u(randomBytes(32)), iv: b64u(randomBytes(16)) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("BadParameter");
    expect(res.body.error.message).toContain(`needs a ${alg.slice(1, 4)}-bit key`);
  });

  test("while CKM_AES_KEY_WRAP works with every key size (its name carries none)", async () => {
    for (const bits of SIZES) {
      const res = await raw(vault.emulator, "POST", `${HSM}/keys/aes${bits}//wrapkey`, { alg: "CKM_AES_KEY_WRAP", value: b64u(randomBytes(16)) });
      expect(res.status).toBe(200);
      expect(unb64u(res.body.value).length).toBe(24);
    }
  });
});

describe("IVs", () => {
  test("CBC encrypt without an iv (what @azure/keyvault-keys sends) is a 400 that says to pass one", async () => {
    // The SDK's initializeIV never fires, so this reaches the service without an iv.
    const err = await clients[256]!.encrypt({ algorithm: "A256CBCPAD", plaintext: Buffer.from("x") }).catch((e: unknown) => e);
    expect(err).toMatchObject({ statusCode: 400, code: "BadParameter" });
    expect((err as Error).message).toMatch(/needs an 'iv' of 16 random bytes/);
  });

  test("A*CBC zero-pads input that is not block-aligned, as Managed HSM does (issue 22); CBC decrypt needs the iv", async () => {
    const res = await raw(vault.emulator, "POST", `${HSM}/keys/aes128//encrypt`, { alg: "A128CBC", value: b64u(randomBytes(20)), iv: b64u(randomBytes(16)) });
    expect(res.status).toBe(200);
    expect(unb64u(res.body.value).length).toBe(32);
    const dec = await raw(vault.emulator, "POST", `${HSM}/keys/aes128//decrypt`, { alg: "A128CBC", value: b64u(randomBytes(16)) });
    expect(dec.status).toBe(400);
  });

  test("GCM decrypt without iv/tag is a 400; every GCM encryption gets a fresh IV", async () => {
    const res = await raw(vault.emulator, "POST", `${HSM}/keys/aes256//decrypt`, { alg: "A256GCM", value: b64u(randomBytes(16)) });
    expect(res.status).toBe(400);
    const a = await clients[256]!.encrypt({ algorithm: "A256GCM", plaintext: Buffer.from("same") });
    const b = await clients[256]!.encrypt({ algorithm: "A256GCM", plaintext: Buffer.from("same") });
    expect(Buffer.from(a.iv!).equals(Buffer.from(b.iv!))).toBe(false);
  });

  test("the response shape matches the service's recording: aad, alg, iv, kid, tag, value", async () => {
    const res = await raw(vault.emulator, "POST", `${HSM}/keys/aes256//encrypt`, { alg: "A256GCM", value: "dGhpcyBpcyBwbGFpbnRleHQ", aad: "EBESExQVFhcYGRobHB0eHw" });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["aad", "alg", "iv", "kid", "tag", "value"]);
    expect(res.body.kid).toMatch(/^https:\/\/test\.managedhsm\.localhost\/keys\/aes256\/[0-9a-f]{32}$/);
    const dec = await raw(vault.emulator, "POST", `${HSM}/keys/aes256//decrypt`, { alg: "A256GCM", value: res.body.value, iv: res.body.iv, tag: res.body.tag, aad: res.body.aad });
    expect(Object.keys(dec.body)).toEqual(["alg", "kid", "value"]);
    expect(dec.body.value).toBe("dGhpcyBpcyBwbGFpbnRleHQ");
  });
});

test("wrap algorithms and encryption algorithms are kept apart", async () => {
  const encWithKw = await raw(vault.emulator, "POST", `${HSM}/keys/aes256//encrypt`, { alg: "A256KW", value: b64u(randomBytes(16)) });
  expect(encWithKw.status).toBe(400);
  const wrapWithGcm = await raw(vault.emulator, "POST", `${HSM}/keys/aes256//wrapkey`, { alg: "A256GCM", value: b64u(randomBytes(16)) });
  expect(wrapWithGcm.status).toBe(400);
});
