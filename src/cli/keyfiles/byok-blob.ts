import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes, type KeyObject } from "node:crypto";
import { privateKeyFromJwk, publicKeyFromJson } from "./jwk.js";
import { byokPlaintext, KeyFileError, type LocalKey } from "./key.js";
import { looksBinary, privateKeyFromPem } from "./pem.js";
import { DEFAULT_RSA_AES_KEY_WRAP, RSA_AES_KEY_WRAP_OAEP_HASH, type RsaAesKeyWrap } from "../../shared/rsa-aes-key-wrap.js";

// Key transfer blobs (".byok" files) as Microsoft's BYOK specification describes them, for test data
// and for moving a software key into an HSM-backed vault without a vendor HSM:
//   ciphertext = RSA-OAEP(KEK public key, transient AES-256 key) || AES-KWP(transient key, target key)
// with the OAEP hash named by `enc` (CKM_RSA_AES_KEY_WRAP: SHA-1; RSA_AES_KEY_WRAP_256/384: SHA-256/384,
// MGF1 with the same hash), AES key wrap with padding per RFC 5649, and the target key as PKCS#8 DER
// (RSA, EC) or raw bytes (oct). A blob made outside an HSM protects the key in transit only: the key
// existed in clear where the blob was made.

export type ByokEnc = RsaAesKeyWrap;
/** RFC 5649 §3: the alternative initial value, which OpenSSL's wrap-pad ciphers take as the IV. */
const KWP_IV = Buffer.from("A65959A6", "hex");

export interface ByokBlob {
  schema_version: "1.0.0";
  header: { kid: string; alg: "dir"; enc: ByokEnc };
  ciphertext: string;
  generator: string;
}

export interface ByokBlobOptions {
  /** The key exchange key's public key (RSA 2048-4096). */
  kek: KeyObject;
  /** The KEK's versioned key identifier: the vault finds the KEK by it. */
  kekId: string;
  target: LocalKey;
  enc?: ByokEnc;
  generator?: string;
}

export function makeByokBlob(options: ByokBlobOptions): ByokBlob {
  const { kek, kekId } = options;
  const enc = options.enc ?? DEFAULT_RSA_AES_KEY_WRAP;
  if (kek.asymmetricKeyType !== "rsa") {
    throw new KeyFileError(`the key exchange key must be an RSA key; this one is ${kek.asymmetricKeyType ?? kek.type}.`);
  }
  const bits = kek.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits !== 2048 && bits !== 3072 && bits !== 4096) {
    throw new KeyFileError(`the key exchange key is ${bits}-bit; Key Vault key exchange keys are RSA 2048, 3072 or 4096.`);
  }
  const plaintext = byokPlaintext(options.target);
  const transient = randomBytes(32);
  try {
    const cipher = createCipheriv("id-aes256-wrap-pad", transient, KWP_IV);
    const wrappedKey = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const wrappedTransient = publicEncrypt({ key: kek, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: RSA_AES_KEY_WRAP_OAEP_HASH[enc] }, transient);
    return {
      schema_version: "1.0.0",
      header: { kid: kekId, alg: "dir", enc },
      ciphertext: Buffer.concat([wrappedTransient, wrappedKey]).toString("base64url"),
      generator: options.generator ?? "kvkey byok-blob",
    };
  } finally {
    transient.fill(0);
    plaintext.fill(0);
  }
}

/**
 * The key to transfer, from a file: a PEM private key (every format `kvkey import --pem-file` reads), a
 * private JWK (RSA, EC, oct), or a raw AES key of 16, 24 or 32 bytes (`openssl rand -out aes.key 32`).
 */
export async function targetKeyFromFile(bytes: Buffer, password: string | undefined, passwordFlag: string): Promise<LocalKey> {
  const text = looksBinary(bytes) ? undefined : bytes.toString("utf8");
  if (text?.trimStart().startsWith("{")) {
    if (password !== undefined) throw new KeyFileError("a password applies to an encrypted PEM key only, not to a JWK.");
    return privateKeyFromJwk(text).key;
  }
  if (text?.includes("-----BEGIN")) return privateKeyFromPem(text, { ...(password !== undefined ? { password } : {}), passwordFlag });
  if (bytes.length === 16 || bytes.length === 24 || bytes.length === 32) return { kty: "oct", k: Buffer.from(bytes) };
  throw new KeyFileError(
    "the key file is neither a PEM private key, a JSON Web Key, nor a raw AES key of 16, 24 or 32 bytes.",
  );
}

/** The key exchange key's public key: PEM (SubjectPublicKeyInfo, RSA PUBLIC KEY, a certificate) or JSON (JWK, `kvkey show` output). */
export function kekFromFile(bytes: Buffer): { key: KeyObject; kid?: string } {
  const text = bytes.toString("utf8");
  if (text.trimStart().startsWith("{")) return publicKeyFromJson(text);
  try {
    return { key: createPublicKey(looksBinary(bytes) ? { key: bytes, format: "der", type: "spki" } : text) };
  } catch {
    throw new KeyFileError(
      "the key exchange key file is neither a public key (PEM or DER, as `kvkey download` writes it) nor JSON with the key's n and e.",
    );
  }
}
