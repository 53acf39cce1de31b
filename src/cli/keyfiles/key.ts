import { createPrivateKey, type KeyObject } from "node:crypto";

// A private key read from a local file (PEM, JWK, raw AES bytes), in the shape Key Vault imports:
// JWK members as big-endian bytes. Shared by `kvkey import` and `kvkey byok-blob`.

export const KEY_VAULT_CURVES = ["P-256", "P-256K", "P-384", "P-521"] as const;
export type KeyVaultCurve = (typeof KEY_VAULT_CURVES)[number];

/** OpenSSL's curve names (node's namedCurve) -> Key Vault's. */
const FROM_OPENSSL: Record<string, KeyVaultCurve> = {
  prime256v1: "P-256",
  secp256k1: "P-256K",
  secp384r1: "P-384",
  secp521r1: "P-521",
};
/** Key Vault's names -> the JWK crv node:crypto reads and writes. */
const NODE_JWK_CRV: Record<KeyVaultCurve, string> = { "P-256": "P-256", "P-256K": "secp256k1", "P-384": "P-384", "P-521": "P-521" };

export type LocalKey =
  | { kty: "RSA"; n: Buffer; e: Buffer; d: Buffer; p: Buffer; q: Buffer; dp: Buffer; dq: Buffer; qi: Buffer }
  | { kty: "EC"; crv: KeyVaultCurve; x: Buffer; y: Buffer; d: Buffer }
  | { kty: "oct"; k: Buffer };

/**
 * Why a key file cannot be used: the message is one line, without az's "Import failed: " prefix
 * (the command adds what fits it).
 */
export class KeyFileError extends Error {
  override name = "KeyFileError";
}

/** node's asymmetricKeyType -> the name az prints in "Unsupported key type, <type>." */
const KEY_TYPE_NAMES: Record<string, string> = {
  dsa: "DSA",
  dh: "DH",
  ed25519: "Ed25519",
  ed448: "Ed448",
  x25519: "X25519",
  x448: "X448",
  "rsa-pss": "RSA-PSS",
};

/** An RSA or EC private KeyObject as a LocalKey; any other type or curve is refused with az's wording. */
export function localKeyFromKeyObject(key: KeyObject): LocalKey {
  const type = key.asymmetricKeyType ?? "unknown";
  if (type === "rsa") {
    const jwk = key.export({ format: "jwk" });
    const b = (v: string | undefined) => Buffer.from(v ?? "", "base64url");
    return { kty: "RSA", n: b(jwk.n), e: b(jwk.e), d: b(jwk.d), p: b(jwk.p), q: b(jwk.q), dp: b(jwk.dp), dq: b(jwk.dq), qi: b(jwk.qi) };
  }
  if (type === "ec") {
    const named = key.asymmetricKeyDetails?.namedCurve;
    const crv = named === undefined ? undefined : FROM_OPENSSL[named];
    if (!crv) throw new KeyFileError(`Unsupported curve, ${named ?? "explicit curve parameters"}.`);
    const jwk = key.export({ format: "jwk" });
    return {
      kty: "EC",
      crv,
      x: Buffer.from(jwk.x ?? "", "base64url"),
      y: Buffer.from(jwk.y ?? "", "base64url"),
      d: Buffer.from(jwk.d ?? "", "base64url"),
    };
  }
  throw new KeyFileError(`Unsupported key type, ${KEY_TYPE_NAMES[type] ?? type}.`);
}

/** A node KeyObject for an RSA or EC LocalKey (for PKCS#8 export). */
export function keyObjectOf(key: LocalKey): KeyObject {
  const u = (b: Buffer) => b.toString("base64url");
  switch (key.kty) {
    case "RSA":
      return createPrivateKey({
        key: { kty: "RSA", n: u(key.n), e: u(key.e), d: u(key.d), p: u(key.p), q: u(key.q), dp: u(key.dp), dq: u(key.dq), qi: u(key.qi) },
        format: "jwk",
      });
    case "EC":
      return createPrivateKey({ key: { kty: "EC", crv: NODE_JWK_CRV[key.crv], x: u(key.x), y: u(key.y), d: u(key.d) }, format: "jwk" });
    case "oct":
      throw new Error("a symmetric key has no KeyObject");
  }
}

/** What a BYOK transfer blob carries: PKCS#8 DER for RSA and EC (RFC 5208), the raw bytes for oct. */
export function byokPlaintext(key: LocalKey): Buffer {
  if (key.kty === "oct") return Buffer.from(key.k);
  try {
    return keyObjectOf(key).export({ type: "pkcs8", format: "der" });
  } catch {
    throw new KeyFileError(`the ${key.kty} key is not a valid private key: its members do not form a key OpenSSL can load.`);
  }
}

/** Big-endian unsigned bytes without leading zeros (JWK's Base64urlUInt). */
export function unsignedBytes(hex: string): Buffer {
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  const bytes = Buffer.from(even, "hex");
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.subarray(i);
}
