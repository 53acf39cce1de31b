import { describe, expect, test } from "vitest";
import { cbcDecrypt, cbcEncrypt, gcmDecrypt, gcmEncrypt, kwpUnwrap, kwpWrap, kwUnwrap, kwWrap } from "../../../../src/emulator/crypto/operations/aes.js";
import { hmacSign, hmacVerify } from "../../../../src/emulator/crypto/operations/hmac.js";
import { VaultError } from "../../../../src/emulator/domain/errors.js";

// Published test vectors: they pin the algorithms to their specifications, not to whatever OpenSSL
// (which the implementation uses) happens to do.

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("AES key wrap, RFC 3394 §4", () => {
  test("4.1: 128 bits of key data with a 128-bit KEK", () => {
    const kek = hex("000102030405060708090A0B0C0D0E0F");
    const data = hex("00112233445566778899AABBCCDDEEFF");
    const wrapped = hex("1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5");
    expect(kwWrap(kek, data, "A128KW")).toEqual(wrapped);
    expect(kwUnwrap(kek, wrapped, "A128KW")).toEqual(data);
  });

  test("4.6: 256 bits of key data with a 256-bit KEK", () => {
    const kek = hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
    const data = hex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
    const wrapped = hex("28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21");
    expect(kwWrap(kek, data, "A256KW")).toEqual(wrapped);
    expect(kwUnwrap(kek, wrapped, "A256KW")).toEqual(data);
  });

  test("an altered wrapped key fails the integrity check with a BadParameter", () => {
    const kek = hex("000102030405060708090A0B0C0D0E0F");
    const wrapped = hex("1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5");
    wrapped[0]! ^= 1;
    expect(() => kwUnwrap(kek, wrapped, "A128KW")).toThrow(VaultError);
  });
});

describe("AES key wrap with padding, RFC 5649 §6", () => {
  const kek = hex("5840df6e29b02af1 ab493b705bf16ea1 ae8338f4dcc176a8");

  test("20 octets of key data", () => {
    const data = hex("c37b7e6492584340 bed1220780894115 5068f738");
    const wrapped = hex("138bdeaa9b8fa7fc 61f97742e72248ee 5ae6ae5360d1ae6a 5f54f373fa543b6a");
    expect(kwpWrap(kek, data, "CKM_AES_KEY_WRAP_PAD")).toEqual(wrapped);
    expect(kwpUnwrap(kek, wrapped, "CKM_AES_KEY_WRAP_PAD")).toEqual(data);
  });

  test("7 octets of key data (the one-block case)", () => {
    const data = hex("466f7250617369");
    const wrapped = hex("afbeb0f07dfbf541 9200f2ccb50bb24f");
    expect(kwpWrap(kek, data, "CKM_AES_KEY_WRAP_PAD")).toEqual(wrapped);
    expect(kwpUnwrap(kek, wrapped, "CKM_AES_KEY_WRAP_PAD")).toEqual(data);
  });
});

describe("AES-GCM, the GCM specification's test case 4", () => {
  const key = hex("feffe9928665731c6d6a8f9467308308");
  const iv = hex("cafebabefacedbaddecaf888");
  const aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const plaintext = hex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
  );
  const ciphertext = hex(
    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
  );
  const tag = hex("5bc94fbc3221a5db94fae95ae7121a47");

  test("encrypts (with a caller's IV) and decrypts to the published values", () => {
    expect(gcmEncrypt(key, plaintext, aad, iv)).toEqual({ ciphertext, iv, tag });
    expect(gcmDecrypt(key, ciphertext, iv, tag, aad)).toEqual(plaintext);
  });

  test("refuses a truncated tag, a wrong aad and a missing iv", () => {
    expect(() => gcmDecrypt(key, ciphertext, iv, tag.subarray(0, 12), aad)).toThrow(/16 bytes/);
    expect(() => gcmDecrypt(key, ciphertext, iv, tag, undefined)).toThrow(/authentication failed/);
    expect(() => gcmDecrypt(key, ciphertext, undefined, tag, aad)).toThrow(VaultError);
  });
});

describe("AES-CBC, NIST SP 800-38A F.2.1/F.2.2", () => {
  const key = hex("2b7e151628aed2a6abf7158809cf4f3c");
  const iv = hex("000102030405060708090a0b0c0d0e0f");
  const plaintext = hex("6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51");
  const ciphertext = hex("7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2");

  test("A128CBC (no padding) matches the published blocks both ways", () => {
    expect(cbcEncrypt(key, plaintext, iv, false, "A128CBC")).toEqual(ciphertext);
    expect(cbcDecrypt(key, ciphertext, iv, false, "A128CBC")).toEqual(plaintext);
  });

  test("A128CBCPAD adds one whole PKCS#7 block to block-aligned input, and strips it", () => {
    const padded = cbcEncrypt(key, plaintext, iv, true, "A128CBCPAD");
    expect(padded.subarray(0, 32)).toEqual(ciphertext);
    expect(padded.length).toBe(48);
    expect(cbcDecrypt(key, padded, iv, true, "A128CBCPAD")).toEqual(plaintext);
  });

  test("no IV or a short IV to A*CBC are BadParameter", () => {
    expect(() => cbcEncrypt(key, plaintext, undefined, false, "A128CBC")).toThrow(/needs an 'iv'/);
    expect(() => cbcEncrypt(key, plaintext, iv.subarray(0, 8), false, "A128CBC")).toThrow(VaultError);
  });

  test("unaligned input to A*CBC is zero-padded to the next block, as Managed HSM does", () => {
    // The first published block, then 4 bytes of the second followed by 12 zero bytes.
    const short = plaintext.subarray(0, 20);
    const out = cbcEncrypt(key, short, iv, false, "A128CBC");
    expect(out.length).toBe(32);
    expect(out.subarray(0, 16)).toEqual(ciphertext.subarray(0, 16));
    expect(cbcDecrypt(key, out, iv, false, "A128CBC")).toEqual(Buffer.concat([short, Buffer.alloc(12)]));
  });
});

describe("HMAC, RFC 4231 test case 2", () => {
  const key = Buffer.from("Jefe");
  const data = Buffer.from("what do ya want for nothing?");

  test("HS256 and HS512 give the published MACs and verify them", () => {
    const h256 = hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    const h512 = hex(
      "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
    );
    expect(hmacSign(key, "sha256", data)).toEqual(h256);
    expect(hmacSign(key, "sha512", data)).toEqual(h512);
    expect(hmacVerify(key, "sha256", data, h256)).toBe(true);
    expect(hmacVerify(key, "sha256", data, h256.subarray(0, 31))).toBe(false);
  });
});
