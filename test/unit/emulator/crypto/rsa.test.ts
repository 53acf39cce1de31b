import { describe, expect, test } from "vitest";
import { constants, createHash, generateKeyPairSync, publicEncrypt, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { materialFromNodeJwk } from "../../../../src/emulator/crypto/material.js";
import { pkcs1v15MessageStart, rsaDecrypt, rsaSign, rsaVerify, type RsaMaterial } from "../../../../src/emulator/crypto/operations/rsa.js";
import { cipherAlgorithm, signatureAlgorithm } from "../../../../src/emulator/crypto/operations/algorithms.js";
import { VaultError } from "../../../../src/emulator/domain/errors.js";

// The hand-written parts of the RSA module, checked against node:crypto (OpenSSL) as the reference:
// EME-PKCS1-v1_5 decoding for RSA1_5 and EMSA-PSS for PS*. Includes a modulus whose bit length is
// 1 mod 8, where EMSA-PSS's encoded message is one byte shorter than the modulus.

function rsaKey(bits: number) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return { privateKey, publicKey, material: materialFromNodeJwk(privateKey.export({ format: "jwk" })) as RsaMaterial };
}

const PS = (name: "PS256" | "PS384" | "PS512") => signatureAlgorithm(name) as Extract<ReturnType<typeof signatureAlgorithm>, { family: "RSA" }>;

describe("pkcs1v15MessageStart", () => {
  const block = (bytes: number[]) => Uint8Array.from(bytes);
  const ps = new Array(8).fill(0xaa);

  test("finds the message after 00 02 PS(>= 8 non-zero bytes) 00", () => {
    expect(pkcs1v15MessageStart(block([0, 2, ...ps, 0, 0x41, 0x42]))).toBe(11);
    expect(pkcs1v15MessageStart(block([0, 2, ...ps, 0xbb, 0, 0x41]))).toBe(12);
    // An empty message is legal.
    expect(pkcs1v15MessageStart(block([0, 2, ...ps, 0]))).toBe(11);
  });

  test.each([
    ["a first byte that is not 00", [1, 2, ...ps, 0, 0x41]],
    ["a block type that is not 02", [0, 1, ...ps, 0, 0x41]],
    ["a padding string shorter than 8 bytes", [0, 2, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0, 0x41]],
    ["no separator", [0, 2, ...ps, 0x41, 0x42]],
  ])("rejects %s", (_label, bytes) => {
    expect(pkcs1v15MessageStart(block(bytes))).toBe(-1);
  });
});

describe("RSA1_5 decryption without node's PKCS#1 decryption", () => {
  test("decrypts node:crypto's RSA_PKCS1_PADDING ciphertext and refuses altered ciphertext", () => {
    const { publicKey, material } = rsaKey(2048);
    const alg = cipherAlgorithm("RSA1_5") as Extract<ReturnType<typeof cipherAlgorithm>, { family: "RSA" }>;
    for (const size of [0, 1, 100, 245]) {
      const plaintext = Buffer.alloc(size, 7);
      const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, plaintext);
      expect(rsaDecrypt(material, alg, ciphertext)).toEqual(plaintext);
    }
    const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from("x"));
    ciphertext[100]! ^= 0x01;
    expect(() => rsaDecrypt(material, alg, ciphertext)).toThrow(VaultError);
  });
});

describe("EMSA-PSS over a precomputed digest", () => {
  // 2048: emLen = k. 2049: emBits = 2048, so emLen = k - 1 and the raw block carries a leading zero.
  test.each([2048, 2049, 3072])("a %i-bit key: node:crypto verifies the emulator's PS256/384/512, and the emulator verifies node's", (bits) => {
    const { privateKey, publicKey, material } = rsaKey(bits);
    for (const name of ["PS256", "PS384", "PS512"] as const) {
      const alg = PS(name);
      const data = Buffer.from(`data for ${name}`);
      const digest = createHash(alg.hash).update(data).digest();

      const ours = rsaSign(material, alg, digest);
      const pss = { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digest.length };
      expect(nodeVerify(alg.hash, data, pss, ours)).toBe(true);
      // Salt length is part of the scheme: node refuses if told a different one.
      expect(nodeVerify(alg.hash, data, { ...pss, saltLength: digest.length - 1 }, ours)).toBe(false);

      const theirs = nodeSign(alg.hash, data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digest.length });
      expect(rsaVerify(material, alg, digest, theirs)).toBe(true);
      const tampered = Buffer.from(theirs);
      tampered[tampered.length - 1]! ^= 1;
      expect(rsaVerify(material, alg, digest, tampered)).toBe(false);
    }
  });

  test("RS256 signs DigestInfo || digest exactly as node's PKCS#1 v1.5 signature (deterministic, so byte-equal)", () => {
    const { privateKey, material } = rsaKey(2048);
    const data = Buffer.from("deterministic");
    const alg = signatureAlgorithm("RS256") as Extract<ReturnType<typeof signatureAlgorithm>, { family: "RSA" }>;
    const ours = rsaSign(material, alg, createHash("sha256").update(data).digest());
    expect(ours).toEqual(nodeSign("sha256", data, privateKey));
  });
});
