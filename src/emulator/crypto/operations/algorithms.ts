import type { CurveName } from "../../domain/key.js";

// The algorithms Key Vault and Managed HSM offer, as data: which key family each one needs, which
// operations may use it, and its parameters. The crypto service validates a request against these
// tables before any key material is touched, so a mismatch is always a 400, never a crypto error.

export type HashName = "sha1" | "sha256" | "sha384" | "sha512";

/** Bytes of each digest: the length a sign/verify digest must have. */
export const HASH_BYTES: Record<HashName, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/** The four operations that take an encryption algorithm (JsonWebKeyEncryptionAlgorithm). */
export type CipherOperation = "encrypt" | "decrypt" | "wrapKey" | "unwrapKey";
export type SignOperation = "sign" | "verify";
export type CryptoKeyOperation = CipherOperation | SignOperation;

export type CipherAlgorithm =
  | { name: string; family: "RSA"; scheme: "pkcs1" }
  | { name: string; family: "RSA"; scheme: "oaep"; hash: "sha1" | "sha256" }
  | {
      name: string;
      family: "oct";
      mode: "gcm" | "cbc" | "cbcpad" | "kw" | "kwp";
      /** The key size the algorithm names (A128* -> 16); undefined when any AES key size works. */
      keyBytes?: 16 | 24 | 32;
    };

export type SignatureAlgorithm =
  | { name: string; family: "RSA"; scheme: "pkcs1" | "pss"; hash: HashName }
  | { name: string; family: "EC"; curve: CurveName; hash: HashName }
  | { name: string; family: "oct"; scheme: "hmac"; hash: HashName };

function rsaCipher(name: string, scheme: "pkcs1"): CipherAlgorithm;
function rsaCipher(name: string, scheme: "oaep", hash: "sha1" | "sha256"): CipherAlgorithm;
function rsaCipher(name: string, scheme: "pkcs1" | "oaep", hash?: "sha1" | "sha256"): CipherAlgorithm {
  return scheme === "pkcs1" ? { name, family: "RSA", scheme } : { name, family: "RSA", scheme, hash: hash! };
}

function aes(name: string, mode: "gcm" | "cbc" | "cbcpad" | "kw" | "kwp", keyBytes?: 16 | 24 | 32): CipherAlgorithm {
  return keyBytes === undefined ? { name, family: "oct", mode } : { name, family: "oct", mode, keyBytes };
}

const CIPHER_LIST: CipherAlgorithm[] = [
  rsaCipher("RSA1_5", "pkcs1"),
  rsaCipher("RSA-OAEP", "oaep", "sha1"),
  rsaCipher("RSA-OAEP-256", "oaep", "sha256"),
  aes("A128GCM", "gcm", 16),
  aes("A192GCM", "gcm", 24),
  aes("A256GCM", "gcm", 32),
  aes("A128CBC", "cbc", 16),
  aes("A192CBC", "cbc", 24),
  aes("A256CBC", "cbc", 32),
  aes("A128CBCPAD", "cbcpad", 16),
  aes("A192CBCPAD", "cbcpad", 24),
  aes("A256CBCPAD", "cbcpad", 32),
  aes("A128KW", "kw", 16),
  aes("A192KW", "kw", 24),
  aes("A256KW", "kw", 32),
  // The PKCS#11-named wraps are not tied to one key size: the key's own size picks AES-128/192/256.
  aes("CKM_AES_KEY_WRAP", "kw"),
  aes("CKM_AES_KEY_WRAP_PAD", "kwp"),
];

const SIGNATURE_LIST: SignatureAlgorithm[] = [
  { name: "RS256", family: "RSA", scheme: "pkcs1", hash: "sha256" },
  { name: "RS384", family: "RSA", scheme: "pkcs1", hash: "sha384" },
  { name: "RS512", family: "RSA", scheme: "pkcs1", hash: "sha512" },
  { name: "PS256", family: "RSA", scheme: "pss", hash: "sha256" },
  { name: "PS384", family: "RSA", scheme: "pss", hash: "sha384" },
  { name: "PS512", family: "RSA", scheme: "pss", hash: "sha512" },
  { name: "ES256", family: "EC", curve: "P-256", hash: "sha256" },
  { name: "ES256K", family: "EC", curve: "P-256K", hash: "sha256" },
  { name: "ES384", family: "EC", curve: "P-384", hash: "sha384" },
  { name: "ES512", family: "EC", curve: "P-521", hash: "sha512" },
  { name: "HS256", family: "oct", scheme: "hmac", hash: "sha256" },
  { name: "HS384", family: "oct", scheme: "hmac", hash: "sha384" },
  { name: "HS512", family: "oct", scheme: "hmac", hash: "sha512" },
];

const CIPHERS = new Map(CIPHER_LIST.map((a) => [a.name, a]));
const SIGNATURES = new Map(SIGNATURE_LIST.map((a) => [a.name, a]));

export const CIPHER_ALGORITHM_NAMES: readonly string[] = CIPHER_LIST.map((a) => a.name);
export const SIGNATURE_ALGORITHM_NAMES: readonly string[] = SIGNATURE_LIST.map((a) => a.name);

/** Algorithm names are case-sensitive on the wire, as in the REST enums. */
export function cipherAlgorithm(name: string): CipherAlgorithm | undefined {
  return CIPHERS.get(name);
}

export function signatureAlgorithm(name: string): SignatureAlgorithm | undefined {
  return SIGNATURES.get(name);
}

/**
 * Whether a symmetric algorithm may serve an operation. Managed HSM documents AES-KW for wrapKey/unwrapKey
 * and AES-GCM/AES-CBC for encrypt/decrypt (and the SDKs type them so: KeyWrapAlgorithm vs
 * EncryptionAlgorithm); the emulator keeps the two apart, so code that mixes them fails early rather
 * than on the first real HSM. RSA algorithms serve all four operations.
 */
export function cipherServes(alg: CipherAlgorithm, operation: CipherOperation): boolean {
  if (alg.family === "RSA") return true;
  const wrapping = alg.mode === "kw" || alg.mode === "kwp";
  return wrapping === (operation === "wrapKey" || operation === "unwrapKey");
}

/** Operations the service still allows outside a key's nbf/exp window, so data is never crypto-locked. */
export const ALLOWED_OUTSIDE_VALIDITY: ReadonlySet<CryptoKeyOperation> = new Set<CryptoKeyOperation>(["decrypt", "unwrapKey", "verify"]);
