import { describe, expect, test } from "vitest";
import { createHash, generateKeyPairSync, randomBytes, verify as nodeVerify } from "node:crypto";
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { curveOrder, ecdsaSignDigest, invertModPrime } from "../../../../src/emulator/crypto/operations/ecdsa-sign.js";
import type { CurveName } from "../../../../src/emulator/domain/key.js";

// The native-assisted ECDSA signer must compute exactly what @noble/curves computes: with the same
// RFC 6979 extra entropy, the same bytes, on every curve; and its signatures verify with OpenSSL.

const CURVES = [
  { crv: "P-256", noble: p256, openssl: "prime256v1", hash: "sha256", width: 32 },
  { crv: "P-256K", noble: secp256k1, openssl: "secp256k1", hash: "sha256", width: 32 },
  { crv: "P-384", noble: p384, openssl: "secp384r1", hash: "sha384", width: 48 },
  { crv: "P-521", noble: p521, openssl: "secp521r1", hash: "sha512", width: 66 },
] as const;

describe.each(CURVES)("$crv", ({ crv, noble, openssl, hash, width }) => {
  test("the group order is noble's", () => {
    expect(curveOrder(crv as CurveName)).toBe(noble.Point.Fn.ORDER);
  });

  test("with the same extra entropy the signature is byte-for-byte noble's (low-S, raw r||s)", () => {
    for (let i = 0; i < 25; i++) {
      const secret = noble.utils.randomSecretKey();
      const digest = createHash(hash).update(randomBytes(40)).digest();
      const entropy = randomBytes(width);
      const ours = ecdsaSignDigest(crv as CurveName, secret, digest, entropy);
      const theirs = noble.sign(digest, secret, { prehash: false, extraEntropy: entropy, format: "compact" });
      expect(ours.toString("hex")).toBe(Buffer.from(theirs).toString("hex"));
    }
  });

  test("digests of other lengths are truncated to the order as noble does", () => {
    const secret = noble.utils.randomSecretKey();
    for (const length of [20, 32, 48, 64]) {
      const digest = randomBytes(length);
      const entropy = randomBytes(width);
      const ours = ecdsaSignDigest(crv as CurveName, secret, digest, entropy);
      const theirs = noble.sign(digest, secret, { prehash: false, extraEntropy: entropy, format: "compact" });
      expect(ours.toString("hex")).toBe(Buffer.from(theirs).toString("hex"));
    }
  });

  test("hedged signatures differ run to run and verify with node:crypto over the message", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: openssl });
    const d = Buffer.from(privateKey.export({ format: "jwk" }).d!, "base64url");
    const secret = Buffer.concat([Buffer.alloc(width - d.length), d]);
    const message = randomBytes(100);
    const digest = createHash(hash).update(message).digest();
    const a = ecdsaSignDigest(crv as CurveName, secret, digest);
    const b = ecdsaSignDigest(crv as CurveName, secret, digest);
    expect(a.length).toBe(2 * width);
    expect(a.equals(b)).toBe(false);
    for (const sig of [a, b]) {
      expect(nodeVerify(hash, message, { key: publicKey, dsaEncoding: "ieee-p1363" }, sig)).toBe(true);
      expect(noble.verify(sig, digest, noble.getPublicKey(secret), { prehash: false })).toBe(true);
    }
    expect(nodeVerify(hash, Buffer.concat([message, Buffer.of(1)]), { key: publicKey, dsaEncoding: "ieee-p1363" }, a)).toBe(false);
  });

  test("refuses a scalar outside [1, n-1]", () => {
    const digest = randomBytes(32);
    expect(() => ecdsaSignDigest(crv as CurveName, Buffer.alloc(width), digest)).toThrow(/invalid EC private key/);
    const n = curveOrder(crv as CurveName);
    const tooBig = Buffer.from(n.toString(16).padStart(width * 2, "0"), "hex");
    expect(() => ecdsaSignDigest(crv as CurveName, tooBig, digest)).toThrow(/invalid EC private key/);
  });
});

describe("invertModPrime (Lehmer's extended Euclid)", () => {
  function euclid(a: bigint, n: bigint): bigint {
    let [r0, r1, s0, s1] = [a, n, 1n, 0n];
    while (r1 !== 0n) {
      const q = r0 / r1;
      [r0, r1] = [r1, r0 - q * r1];
      [s0, s1] = [s1, s0 - q * s1];
    }
    return ((s0 % n) + n) % n;
  }

  test.each(CURVES)("agrees with the plain algorithm on random and edge inputs mod the $crv order", ({ crv, width }) => {
    const n = curveOrder(crv as CurveName);
    const edges = [1n, 2n, 3n, n - 1n, n - 2n, n / 2n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 53n, 2n ** 53n + 1n];
    const random = Array.from({ length: 2000 }, () => (BigInt(`0x${randomBytes(width + 8).toString("hex")}`) % (n - 1n)) + 1n);
    for (const a of [...edges, ...random]) {
      const inverse = invertModPrime(a, n);
      expect(inverse).toBe(euclid(a, n));
      expect((inverse * a) % n).toBe(1n);
    }
  });
});
