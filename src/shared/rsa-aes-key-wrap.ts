// The RSA-AES key wrap mechanisms of Microsoft's BYOK transfer blobs (header.enc) and of secure key
// release (`enc`): RSA-OAEP of an ephemeral AES key, then that key wraps the target key with AES key
// wrap with padding (RFC 5649). The name decides the OAEP hash (MGF1 uses the same one):
// CKM_RSA_AES_KEY_WRAP is PKCS#11's mechanism, SHA-1; RSA_AES_KEY_WRAP_256/384 are SHA-256/SHA-384.
// One table for the emulator (import, release) and the CLI (byok-blob, release --enc).

export const RSA_AES_KEY_WRAP_OAEP_HASH = {
  CKM_RSA_AES_KEY_WRAP: "sha1",
  RSA_AES_KEY_WRAP_256: "sha256",
  RSA_AES_KEY_WRAP_384: "sha384",
} as const;

export type RsaAesKeyWrap = keyof typeof RSA_AES_KEY_WRAP_OAEP_HASH;

export const RSA_AES_KEY_WRAPS = Object.keys(RSA_AES_KEY_WRAP_OAEP_HASH) as readonly RsaAesKeyWrap[];

/** What the service (and az) use when `enc` is not given. */
export const DEFAULT_RSA_AES_KEY_WRAP: RsaAesKeyWrap = "CKM_RSA_AES_KEY_WRAP";

export function isRsaAesKeyWrap(value: unknown): value is RsaAesKeyWrap {
  return typeof value === "string" && Object.hasOwn(RSA_AES_KEY_WRAP_OAEP_HASH, value);
}
