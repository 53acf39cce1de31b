import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { VaultErrors } from "../../domain/errors.js";

// The Managed HSM symmetric algorithms, all over node:crypto (OpenSSL): AES-GCM, AES-CBC without and
// with PKCS#7 padding, AES key wrap (RFC 3394) and AES key wrap with padding (RFC 5649). Each function
// takes the raw key; which AES variant runs follows from the key's length. Every failure a caller can
// cause (bad length, bad padding, failed authentication) is a BadParameter, never an exception that
// the wire layer would turn into a 500.

export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;
export const CBC_IV_BYTES = 16;
const BLOCK = 16;

function bits(key: Buffer): 128 | 192 | 256 {
  if (key.length === 16) return 128;
  if (key.length === 24) return 192;
  if (key.length === 32) return 256;
  throw new Error(`not an AES key length: ${key.length}`);
}

// ---- AES-GCM ------------------------------------------------------------------------------------

export interface GcmSealed {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
}

/** The IV is the service's to choose (a fresh random 96-bit nonce) unless the caller supplied one. */
export function gcmEncrypt(key: Buffer, plaintext: Buffer, aad: Buffer | undefined, callerIv?: Buffer): GcmSealed {
  if (callerIv !== undefined && callerIv.length !== GCM_IV_BYTES) {
    throw VaultErrors.badParameter(`The iv for AES-GCM must be ${GCM_IV_BYTES} bytes; it is ${callerIv.length}. Omit it and the service generates one.`);
  }
  const iv = callerIv ?? randomBytes(GCM_IV_BYTES);
  const cipher = createCipheriv(`aes-${bits(key)}-gcm`, key, iv, { authTagLength: GCM_TAG_BYTES });
  if (aad) cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, iv, tag: cipher.getAuthTag() };
}

export function gcmDecrypt(key: Buffer, ciphertext: Buffer, iv: Buffer | undefined, tag: Buffer | undefined, aad: Buffer | undefined): Buffer {
  if (iv === undefined || tag === undefined) {
    throw VaultErrors.badParameter("AES-GCM decryption needs the 'iv' and the 'tag' that encryption returned.");
  }
  if (iv.length !== GCM_IV_BYTES) throw VaultErrors.badParameter(`The iv for AES-GCM must be ${GCM_IV_BYTES} bytes; it is ${iv.length}.`);
  // A full-length tag only: node would accept truncated tags, which weaken the authentication.
  if (tag.length !== GCM_TAG_BYTES) throw VaultErrors.badParameter(`The tag for AES-GCM must be ${GCM_TAG_BYTES} bytes; it is ${tag.length}.`);
  const decipher = createDecipheriv(`aes-${bits(key)}-gcm`, key, iv, { authTagLength: GCM_TAG_BYTES });
  decipher.setAuthTag(tag);
  if (aad) decipher.setAAD(aad);
  const plaintext = decipher.update(ciphertext);
  try {
    return Buffer.concat([plaintext, decipher.final()]);
  } catch {
    plaintext.fill(0);
    throw VaultErrors.badParameter("AES-GCM authentication failed: the ciphertext, iv, tag or aad is not what encryption produced.");
  }
}

// ---- AES-CBC ------------------------------------------------------------------------------------

function checkCbcIv(iv: Buffer | undefined, algName: string, encrypting: boolean): Buffer {
  if (iv === undefined) {
    throw VaultErrors.badParameter(
      encrypting
        ? `${algName} encryption needs an 'iv' of ${CBC_IV_BYTES} random bytes from the caller; the service does not generate ` +
            "one for AES-CBC. (@azure/keyvault-keys 4.x does not add it either: pass 'iv' to encrypt().)"
        : `${algName} decryption needs the 'iv' that was used to encrypt.`,
    );
  }
  if (iv.length !== CBC_IV_BYTES) throw VaultErrors.badParameter(`The iv for ${algName} must be ${CBC_IV_BYTES} bytes; it is ${iv.length}.`);
  return iv;
}

/**
 * `pad` = PKCS#7 (A*CBCPAD). Without it (A*CBC) input that is not a whole number of blocks is padded
 * with zero bytes to the next block, as Managed HSM does (200 bytes in, 208 out), and decryption gives
 * back the zero-padded plaintext: the caller must know the length. (Zero padding cannot be removed
 * unambiguously, which is why A*CBCPAD exists.)
 */
export function cbcEncrypt(key: Buffer, plaintext: Buffer, iv: Buffer | undefined, pad: boolean, algName: string): Buffer {
  const checkedIv = checkCbcIv(iv, algName, true);
  const short = plaintext.length % BLOCK;
  const input = !pad && short !== 0 ? Buffer.concat([plaintext, Buffer.alloc(BLOCK - short)]) : plaintext;
  const cipher = createCipheriv(`aes-${bits(key)}-cbc`, key, checkedIv);
  cipher.setAutoPadding(pad);
  try {
    return Buffer.concat([cipher.update(input), cipher.final()]);
  } finally {
    if (input !== plaintext) input.fill(0);
  }
}

export function cbcDecrypt(key: Buffer, ciphertext: Buffer, iv: Buffer | undefined, pad: boolean, algName: string): Buffer {
  const checkedIv = checkCbcIv(iv, algName, false);
  if (ciphertext.length % BLOCK !== 0 || (pad && ciphertext.length === 0)) {
    throw VaultErrors.badParameter(`${algName} ciphertext must be a non-empty whole number of 16-byte blocks; it is ${ciphertext.length} bytes.`);
  }
  const decipher = createDecipheriv(`aes-${bits(key)}-cbc`, key, checkedIv);
  decipher.setAutoPadding(pad);
  const plaintext = decipher.update(ciphertext);
  try {
    return Buffer.concat([plaintext, decipher.final()]);
  } catch {
    plaintext.fill(0);
    throw VaultErrors.badParameter(`${algName} decryption failed: the padding is not valid (wrong key, iv or ciphertext).`);
  }
}

// ---- AES key wrap -------------------------------------------------------------------------------

// RFC 3394 §2.2.3.1 and RFC 5649 §3 initial values; OpenSSL takes them as the IV.
const KW_IV = Buffer.from("A6A6A6A6A6A6A6A6", "hex");
const KWP_IV = Buffer.from("A65959A6", "hex");

/** RFC 3394: the key to wrap is 16 bytes or more, in whole 8-byte blocks. */
export function kwWrap(kek: Buffer, keyToWrap: Buffer, algName: string): Buffer {
  if (keyToWrap.length < 16 || keyToWrap.length % 8 !== 0) {
    throw VaultErrors.badParameter(
      `${algName} wraps keys of at least 16 bytes in multiples of 8; the value is ${keyToWrap.length} bytes. ` +
        "CKM_AES_KEY_WRAP_PAD wraps any length.",
    );
  }
  return wrapWith(`id-aes${bits(kek)}-wrap`, kek, KW_IV, keyToWrap);
}

export function kwUnwrap(kek: Buffer, wrapped: Buffer, algName: string): Buffer {
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) {
    throw VaultErrors.badParameter(`${algName} wrapped keys are at least 24 bytes in multiples of 8; the value is ${wrapped.length} bytes.`);
  }
  return unwrapWith(`id-aes${bits(kek)}-wrap`, kek, KW_IV, wrapped, algName);
}

/** RFC 5649 (AES key wrap with padding): any non-empty key. */
export function kwpWrap(kek: Buffer, keyToWrap: Buffer, algName: string): Buffer {
  if (keyToWrap.length === 0) throw VaultErrors.badParameter(`${algName} needs a non-empty value to wrap.`);
  return wrapWith(`id-aes${bits(kek)}-wrap-pad`, kek, KWP_IV, keyToWrap);
}

export function kwpUnwrap(kek: Buffer, wrapped: Buffer, algName: string): Buffer {
  if (wrapped.length < 16 || wrapped.length % 8 !== 0) {
    throw VaultErrors.badParameter(`${algName} wrapped keys are at least 16 bytes in multiples of 8; the value is ${wrapped.length} bytes.`);
  }
  return unwrapWith(`id-aes${bits(kek)}-wrap-pad`, kek, KWP_IV, wrapped, algName);
}

function wrapWith(cipherName: string, kek: Buffer, iv: Buffer, data: Buffer): Buffer {
  const cipher = createCipheriv(cipherName, kek, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

function unwrapWith(cipherName: string, kek: Buffer, iv: Buffer, data: Buffer, algName: string): Buffer {
  try {
    // OpenSSL's wrap modes do the whole unwrap, integrity check included, inside update().
    const decipher = createDecipheriv(cipherName, kek, iv);
    return Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw VaultErrors.badParameter(`${algName} unwrap failed: the integrity check did not pass (wrong key or altered data).`);
  }
}
