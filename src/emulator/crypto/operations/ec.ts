import type { CurveName } from "../../domain/key.js";
import { CURVE_INFO } from "../curves.js";
import type { PrivateMaterial } from "../material.js";
import { ecdsaSignDigest } from "./ecdsa-sign.js";

// ECDSA over a caller's digest. node:crypto cannot do this: sign/verify always hash their input, so a
// Key Vault digest would be hashed twice and the signature would verify nowhere else. @noble/curves
// (audited, pure JS) signs and verifies a prehashed digest (`prehash: false`), with the digest
// truncated to the curve order as FIPS 186-4 says. It is loaded on first use only, so creating and
// reading keys never pays for it.
//
// Signatures are Key Vault's raw r||s (JWA §3.4): two fixed-width big-endian halves of 32, 32, 48 and
// 66 bytes for P-256, P-256K, P-384 and P-521 — noble's "compact" format.

export type EcMaterial = Extract<PrivateMaterial, { family: "EC" }>;

type Ecdsa = (typeof import("@noble/curves/nist.js"))["p256"];

async function curve(name: CurveName): Promise<Ecdsa> {
  switch (name) {
    case "P-256":
      return (await import("@noble/curves/nist.js")).p256;
    case "P-384":
      return (await import("@noble/curves/nist.js")).p384;
    case "P-521":
      return (await import("@noble/curves/nist.js")).p521;
    case "P-256K":
      return (await import("@noble/curves/secp256k1.js")).secp256k1;
  }
}

/** A JWK coordinate or scalar as exactly `width` bytes (JWA fixes the width; be lenient with short input). */
function fixed(value: string, width: number): Uint8Array {
  const bytes = Buffer.from(value, "base64url");
  if (bytes.length > width) throw new Error("EC key member longer than its curve allows");
  return Buffer.concat([Buffer.alloc(width - bytes.length), bytes]);
}

function publicPoint(material: Pick<EcMaterial, "crv" | "x" | "y">): Uint8Array {
  const width = CURVE_INFO[material.crv].coordinateBytes;
  return Buffer.concat([Buffer.from([0x04]), fixed(material.x, width), fixed(material.y, width)]);
}

/** Width in bytes of a raw r||s signature on a curve. */
export function ecSignatureBytes(crv: CurveName): number {
  return 2 * CURVE_INFO[crv].coordinateBytes;
}

export async function ecSign(material: EcMaterial, digest: Uint8Array): Promise<Buffer> {
  const secret = fixed(material.d, CURVE_INFO[material.crv].coordinateBytes);
  // Hedged signing (RFC 6979 k mixed with fresh randomness), so signatures differ run to run as an
  // HSM's do, while staying safe if the random source were ever weak. The same computation as noble's
  // sign(digest, secret, { prehash: false, extraEntropy: true }), with k·G done by OpenSSL: about ten
  // times faster (see ecdsa-sign.ts and docs/performance.md).
  return ecdsaSignDigest(material.crv, secret, digest);
}

export async function ecVerify(material: Pick<EcMaterial, "crv" | "x" | "y">, digest: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (signature.length !== ecSignatureBytes(material.crv)) return false;
  const ecdsa = await curve(material.crv);
  try {
    // lowS: false accepts s in either half of the order, as OpenSSL does: a signature made by any
    // standard ECDSA signer (OpenSSL does not normalise s) must verify.
    return ecdsa.verify(signature, digest, publicPoint(material), { prehash: false, lowS: false, format: "compact" });
  } catch {
    return false;
  }
}
