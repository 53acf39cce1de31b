import { createPrivateKey, createPublicKey, type JsonWebKey as NodeJwk, type KeyObject } from "node:crypto";
import type { CurveName, KeyFamily, PublicJwk, KeyType } from "../domain/key.js";
import { CURVE_INFO, curveFromNodeJwk } from "./curves.js";

/**
 * The private half of a key as JWK members (base64url strings). This is what gets sealed at rest and
 * never leaves the emulator except inside a sealed backup.
 */
export type PrivateMaterial =
  | { family: "RSA"; n: string; e: string; d: string; p: string; q: string; dp: string; dq: string; qi: string }
  | { family: "EC"; crv: CurveName; x: string; y: string; d: string }
  | { family: "oct"; k: string };

export function publicJwkOf(kty: KeyType, material: PrivateMaterial): PublicJwk {
  switch (material.family) {
    case "RSA":
      return { kty, n: material.n, e: material.e };
    case "EC":
      return { kty, crv: material.crv, x: material.x, y: material.y };
    case "oct":
      return { kty };
  }
}

export function familyOf(material: PrivateMaterial): KeyFamily {
  return material.family;
}

/**
 * The size of an RSA modulus in bytes, from its bit length: a JWK's `n` may carry a leading zero byte
 * (257 bytes for a 2048-bit key, as some encoders write it), and the service sizes such a key by its
 * bits, so a 2048-bit key takes and gives 256-byte ciphertexts and signatures whatever `n` looked like.
 */
export function rsaModulusBytes(n: string | Buffer): number {
  const bytes = typeof n === "string" ? Buffer.from(n, "base64url") : n;
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.length - i;
}

/** Bits of key strength reported as key_size: modulus bits for RSA (whole bytes), key bits for oct. */
export function keySizeOf(material: PrivateMaterial): number | undefined {
  switch (material.family) {
    case "RSA":
      return rsaModulusBytes(material.n) * 8;
    case "oct":
      return Buffer.from(material.k, "base64url").length * 8;
    case "EC":
      return undefined;
  }
}

// KeyObjects of material objects the service's material cache keeps (frozen, shared between requests).
// OpenSSL sets an RSA key up on its first use (Montgomery contexts, blinding): a fresh KeyObject per
// signature doubles the cost of RS256. Weak: an entry lives exactly as long as its material object.
const keyObjects = new WeakMap<PrivateMaterial, KeyObject>();

/** A node:crypto private KeyObject for an asymmetric key (RSA or EC); one per frozen material object. */
export function privateKeyObject(material: PrivateMaterial): KeyObject {
  const cached = keyObjects.get(material);
  if (cached) return cached;
  const key = createPrivateKeyObject(material);
  // Only material that can no longer change may share its KeyObject.
  if (Object.isFrozen(material)) keyObjects.set(material, key);
  return key;
}

function createPrivateKeyObject(material: PrivateMaterial): KeyObject {
  switch (material.family) {
    case "RSA": {
      const { family: _family, ...members } = material;
      return createPrivateKey({ key: { kty: "RSA", ...members }, format: "jwk" });
    }
    case "EC":
      return createPrivateKey({
        key: { kty: "EC", crv: CURVE_INFO[material.crv].nodeJwk, x: material.x, y: material.y, d: material.d },
        format: "jwk",
      });
    case "oct":
      throw new Error("symmetric keys have no private KeyObject");
  }
}

export function publicKeyObject(material: PrivateMaterial): KeyObject {
  return createPublicKey(privateKeyObject(material));
}

/** Turns node's JWK export of a generated private key into our material shape. */
export function materialFromNodeJwk(jwk: NodeJwk): PrivateMaterial {
  if (jwk.kty === "RSA") {
    const { n, e, d, p, q, dp, dq, qi } = jwk;
    if (!n || !e || !d || !p || !q || !dp || !dq || !qi) throw new Error("incomplete RSA JWK from node:crypto");
    return { family: "RSA", n, e, d, p, q, dp, dq, qi };
  }
  if (jwk.kty === "EC") {
    const crv = jwk.crv ? curveFromNodeJwk(jwk.crv) : undefined;
    if (!crv || !jwk.x || !jwk.y || !jwk.d) throw new Error("incomplete EC JWK from node:crypto");
    return { family: "EC", crv, x: jwk.x, y: jwk.y, d: jwk.d };
  }
  throw new Error(`unexpected JWK key type from node:crypto: ${String(jwk.kty)}`);
}
