import { createECDH, createHmac, randomBytes } from "node:crypto";
import type { CurveName } from "../../domain/key.js";
import { CURVE_INFO } from "../curves.js";

// ECDSA over a caller's digest, with the one expensive step done by OpenSSL.
//
// node:crypto cannot sign a precomputed digest with ECDSA (sign() always hashes its input), and
// @noble/curves, which can, spends ~0.6 ms of pure-JS scalar multiplication on each P-256 signature:
// a served emulator then tops out near 1,500 ES256 signatures/s per core. Here the nonce point k·G is
// computed natively — an ECDH object's public key *is* k·G for the private scalar k, on OpenSSL's
// constant-time, precomputed-table code — and only the cheap mod-n arithmetic stays in JavaScript:
//
//   k = RFC 6979 §3.2 HMAC-DRBG(d, bits2int(digest) mod n, 32 random bytes)   (hedged, §3.6)
//   r = x(k·G) mod n;  s = (b·k)⁻¹ · (b·m + b·d·r) mod n with a fresh random blinding factor b
//   s = n - s when s > n/2 (low-S)
//
// which is exactly what @noble/curves' sign(digest, d, { prehash: false, extraEntropy }) computes,
// step for step (same DRBG, same hash per curve, same blinding, same low-S rule): with the same extra
// entropy both give the same bytes, which the tests check on every curve. noble still verifies.

interface CurveParams {
  /** OpenSSL's curve name for createECDH. */
  ecdh: string;
  /** Group order n. */
  n: bigint;
  /** Bits of n. */
  bits: number;
  /** Bytes of a scalar (and of each half of r||s). */
  bytes: number;
  /** Hash of the RFC 6979 DRBG: the curve's own, as noble uses. */
  hash: "sha256" | "sha384" | "sha512";
}

function params(ecdh: string, nHex: string, hash: CurveParams["hash"], bytes: number): CurveParams {
  const n = BigInt(`0x${nHex}`);
  return { ecdh, n, bits: n.toString(2).length, bytes, hash };
}

const CURVES: Record<CurveName, CurveParams> = {
  "P-256": params(CURVE_INFO["P-256"].openssl, "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", "sha256", 32),
  "P-256K": params(CURVE_INFO["P-256K"].openssl, "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", "sha256", 32),
  "P-384": params(
    CURVE_INFO["P-384"].openssl,
    "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
    "sha384",
    48,
  ),
  "P-521": params(
    CURVE_INFO["P-521"].openssl,
    "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
    "sha512",
    66,
  ),
};

/** The group order of a curve (tests compare it with noble's). */
export function curveOrder(crv: CurveName): bigint {
  return CURVES[crv].n;
}

const toBig = (bytes: Uint8Array): bigint => (bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString("hex")}`));

function toBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, "0"), "hex");
}

const mod = (a: bigint, n: bigint): bigint => {
  const r = a % n;
  return r < 0n ? r + n : r;
};

const SAFE = 0x1fffffffffffffn; // 2^53 - 1: integers up to here are exact as JavaScript numbers
const LEHMER_MIN = 0xffffffffffffn; // 2^48 - 1: below this, plain Euclid on numbers finishes the job

/**
 * a⁻¹ mod n (n prime, 0 < a < n): the extended Euclidean algorithm with Lehmer's speed-up (Knuth,
 * TAOCP vol. 2, 4.5.2, Algorithm L) — the quotients of many steps are found from the leading 48 bits
 * as plain numbers, and the big integers are updated once per batch. Three times faster than one
 * BigInt division per step. Only ever given b·k, which is uniformly random, so its variable running
 * time reveals nothing about the nonce.
 */
export function invertModPrime(a: bigint, n: bigint): bigint {
  // Invariants: A ≡ xA·a and B ≡ xB·a (mod n), A ≥ B ≥ 0.
  let A = n;
  let B = mod(a, n);
  let xA = 0n;
  let xB = 1n;
  while (B > LEHMER_MIN) {
    const shift = BigInt(Math.max(0, A.toString(2).length - 48));
    let ah = Number(A >> shift);
    let bh = Number(B >> shift);
    // The matrix [[a0, b0], [a1, b1]] of the steps taken on the leading digits.
    let a0 = 1;
    let b0 = 0;
    let a1 = 0;
    let b1 = 1;
    for (;;) {
      if (bh + a1 === 0 || bh + b1 === 0) break;
      const q = Math.floor((ah + a0) / (bh + a1));
      // Only a quotient both bounds agree on is the true one.
      if (q !== Math.floor((ah + b0) / (bh + b1))) break;
      let t = a0 - q * a1;
      a0 = a1;
      a1 = t;
      t = b0 - q * b1;
      b0 = b1;
      b1 = t;
      t = ah - q * bh;
      ah = bh;
      bh = t;
    }
    if (b0 === 0) {
      // No quotient was certain: one full-precision step.
      const q = A / B;
      [A, B] = [B, A - q * B];
      [xA, xB] = [xB, xA - q * xB];
    } else {
      const [m00, m01, m10, m11] = [BigInt(a0), BigInt(b0), BigInt(a1), BigInt(b1)];
      [A, B] = [m00 * A + m01 * B, m10 * A + m11 * B];
      [xA, xB] = [m00 * xA + m01 * xB, m10 * xA + m11 * xB];
    }
  }
  if (A > SAFE && B !== 0n) {
    const q = A / B;
    [A, B] = [B, A - q * B];
    [xA, xB] = [xB, xA - q * xB];
  }
  if (A > SAFE) throw new Error("not invertible");
  let r0 = Number(A);
  let r1 = Number(B);
  while (r1 !== 0) {
    const q = Math.floor(r0 / r1);
    const r2 = r0 - q * r1;
    r0 = r1;
    r1 = r2;
    [xA, xB] = [xB, xA - BigInt(q) * xB];
  }
  if (r0 !== 1) throw new Error("not invertible");
  return mod(xA, n);
}

/** One ECDH object per curve, reused: setPrivateKey and getPublicKey run synchronously, back to back. */
const points = new Map<CurveName, ReturnType<typeof createECDH>>();

function basePointMultiplier(crv: CurveName, c: CurveParams): ReturnType<typeof createECDH> {
  let ecdh = points.get(crv);
  if (!ecdh) {
    ecdh = createECDH(c.ecdh);
    points.set(crv, ecdh);
  }
  return ecdh;
}

/** RFC 6979 bits2int: the leftmost `bits` bits of the input as an integer. */
function bits2int(bytes: Uint8Array, bits: number): bigint {
  const value = toBig(bytes);
  const excess = bytes.length * 8 - bits;
  return excess > 0 ? value >> BigInt(excess) : value;
}

/**
 * Signs `digest` (already hashed by the caller) with the private scalar `secret` (big-endian, the curve's
 * scalar width). Returns Key Vault's raw r||s. `extraEntropy` is the RFC 6979 §3.6 additional input:
 * fresh random bytes unless a test fixes it.
 */
export function ecdsaSignDigest(crv: CurveName, secret: Uint8Array, digest: Uint8Array, extraEntropy?: Uint8Array): Buffer {
  const c = CURVES[crv];
  const d = toBig(secret);
  if (d <= 0n || d >= c.n) throw new Error("invalid EC private key");
  const m = mod(bits2int(digest, c.bits), c.n);
  // One call to the random source for the RFC 6979 extra entropy and the blinding factor.
  const random = randomBytes(c.bytes + c.bytes + 16);
  const seed = Buffer.concat([toBytes(d, c.bytes), toBytes(m, c.bytes), extraEntropy ?? random.subarray(0, c.bytes)]);
  const blinding = random.subarray(c.bytes);

  // HMAC-DRBG (RFC 6979 §3.2 steps b-h).
  const hmac = (key: Buffer, ...parts: Uint8Array[]): Buffer => {
    const h = createHmac(c.hash, key);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const hashLen = c.hash === "sha256" ? 32 : c.hash === "sha384" ? 48 : 64;
  let v: Buffer = Buffer.alloc(hashLen, 1);
  let k: Buffer = Buffer.alloc(hashLen, 0);
  k = hmac(k, v, Buffer.of(0), seed);
  v = hmac(k, v);
  k = hmac(k, v, Buffer.of(1), seed);
  v = hmac(k, v);

  const ecdh = basePointMultiplier(crv, c);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const blocks: Buffer[] = [];
    for (let len = 0; len < c.bytes; len += hashLen) {
      v = hmac(k, v);
      blocks.push(v);
    }
    const nonce = bits2int(Buffer.concat(blocks), c.bits);
    const signature = nonce > 0n && nonce < c.n ? signWithNonce(c, ecdh, d, m, nonce, blinding) : undefined;
    if (signature) return signature;
    k = hmac(k, v, Buffer.of(0));
    v = hmac(k, v);
  }
  throw new Error("ECDSA: no valid nonce found");
}

function signWithNonce(
  c: CurveParams,
  ecdh: ReturnType<typeof createECDH>,
  d: bigint,
  m: bigint,
  nonce: bigint,
  blinding: Uint8Array,
): Buffer | undefined {
  // k·G by OpenSSL: the public key of the private scalar k. Uncompressed: 0x04 || x || y.
  ecdh.setPrivateKey(toBytes(nonce, c.bytes));
  const point = ecdh.getPublicKey();
  const coordinate = (point.length - 1) / 2;
  const r = mod(toBig(point.subarray(1, 1 + coordinate)), c.n);
  if (r === 0n) return undefined;
  // Blinded inversion: b uniform in [1, n-1], so the variable-time inversion never sees k itself.
  const b = mod(toBig(blinding), c.n - 1n) + 1n;
  const ibk = invertModPrime(mod(b * nonce, c.n), c.n);
  let s = mod(ibk * mod(mod(b * m, c.n) + mod(b * d, c.n) * r, c.n), c.n);
  if (s === 0n) return undefined;
  if (s > c.n >> 1n) s = c.n - s;
  return Buffer.concat([toBytes(r, c.bytes), toBytes(s, c.bytes)]);
}
