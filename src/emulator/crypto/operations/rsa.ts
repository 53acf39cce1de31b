import {
  constants,
  createHash,
  createPublicKey,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from "node:crypto";
import { VaultErrors } from "../../domain/errors.js";
import { privateKeyObject, rsaModulusBytes, type PrivateMaterial } from "../material.js";
import { HASH_BYTES, type CipherAlgorithm, type HashName, type SignatureAlgorithm } from "./algorithms.js";

// RSA encryption and signatures over node:crypto, with two things node cannot do on Node 20 done by hand:
//  - RSA1_5 decryption: privateDecrypt refuses RSA_PKCS1_PADDING since the CVE-2023-46809 fix, so the
//    emulator runs raw RSA (RSA_NO_PADDING, still blinded by OpenSSL) and checks the padding itself
//    without data-dependent branches;
//  - PS* over a caller's digest: node's sign() always hashes its input, so EMSA-PSS (RFC 8017 §9.1,
//    salt length = hash length, as JWA requires) is encoded here and raised to d with raw RSA.
// RS* needs nothing special: privateEncrypt with PKCS#1 type-1 padding over DigestInfo || digest is
// exactly RSASSA-PKCS1-v1_5 with a precomputed hash.

export type RsaMaterial = Extract<PrivateMaterial, { family: "RSA" }>;

/** DER prefixes of DigestInfo (RFC 8017 §9.2 note 1): prefix || digest is what RS* signs. */
const DIGEST_INFO: Record<Exclude<HashName, "sha1">, Buffer> = {
  sha256: Buffer.from("3031300d060960864801650304020105000420", "hex"),
  sha384: Buffer.from("3041300d060960864801650304020205000430", "hex"),
  sha512: Buffer.from("3051300d060960864801650304020305000440", "hex"),
};

/** What checking a signature or encrypting needs of an RSA key: its public half. */
type RsaPublic = Pick<RsaMaterial, "n" | "e">;

function modulus(material: RsaPublic): Buffer {
  return Buffer.from(material.n, "base64url");
}

/** Bit length of the modulus (an imported JWK's `n` may carry a leading zero byte: material.ts). */
function modulusBits(n: Buffer): number {
  let i = 0;
  while (i < n.length - 1 && n[i] === 0) i++;
  return (n.length - i - 1) * 8 + (32 - Math.clz32(n[i]!));
}

function publicKey(material: RsaPublic): KeyObject {
  return createPublicKey({ key: { kty: "RSA", n: material.n, e: material.e }, format: "jwk" });
}

// ---- encryption ---------------------------------------------------------------------------------

export type RsaCipher = Extract<CipherAlgorithm, { family: "RSA" }>;

/** Largest plaintext each padding can carry in a k-byte modulus (RFC 8017 §7.1.1, §7.2.1). */
function maxPlaintext(k: number, alg: RsaCipher): number {
  return alg.scheme === "pkcs1" ? k - 11 : k - 2 * HASH_BYTES[alg.hash] - 2;
}

export function rsaEncrypt(material: RsaPublic, alg: RsaCipher, plaintext: Buffer): Buffer {
  const k = rsaModulusBytes(material.n);
  const max = maxPlaintext(k, alg);
  if (plaintext.length > max) {
    throw VaultErrors.badParameter(
      `The value is ${plaintext.length} bytes; ${alg.name} with a ${k * 8}-bit key encrypts at most ${max} bytes.`,
    );
  }
  return alg.scheme === "pkcs1"
    ? publicEncrypt({ key: publicKey(material), padding: constants.RSA_PKCS1_PADDING }, plaintext)
    : publicEncrypt({ key: publicKey(material), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: alg.hash }, plaintext);
}

export function rsaDecrypt(material: RsaMaterial, alg: RsaCipher, ciphertext: Buffer): Buffer {
  const k = rsaModulusBytes(material.n);
  if (ciphertext.length !== k) {
    throw VaultErrors.badParameter(`The ciphertext for ${alg.name} must be ${k} bytes (the key's modulus size); it is ${ciphertext.length}.`);
  }
  const key = privateKeyObject(material);
  if (alg.scheme === "oaep") {
    try {
      return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: alg.hash }, ciphertext);
    } catch {
      throw decryptionFailed(alg.name);
    }
  }
  let em: Buffer;
  try {
    em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, ciphertext);
  } catch {
    // OpenSSL refuses a ciphertext that is not smaller than the modulus.
    throw decryptionFailed(alg.name);
  }
  const start = pkcs1v15MessageStart(em);
  if (start < 0) throw decryptionFailed(alg.name);
  return Buffer.from(em.subarray(start));
}

function decryptionFailed(algName: string) {
  return VaultErrors.badParameter(`The value could not be decrypted with ${algName}: the ciphertext is not valid for this key.`);
}

/**
 * EME-PKCS1-v1_5 decoding (RFC 8017 §7.2.2 step 3) without branches or early exits on secret bytes:
 * every byte is visited and the verdict is accumulated with integer arithmetic. Returns the index of
 * the message, or -1 when the padding is invalid. (JavaScript gives no hard guarantee of constant time;
 * this removes the obvious data-dependent paths, which is what the Marvin attack measures.)
 */
export function pkcs1v15MessageStart(em: Uint8Array): number {
  let bad = em[0]! | (em[1]! ^ 0x02);
  let found = 0;
  let separator = 0;
  for (let i = 2; i < em.length; i++) {
    const isZero = ((em[i]! - 1) >>> 31) & 1; // 1 only for a zero byte (0 - 1 is negative)
    const first = isZero & (found ^ 1);
    separator |= -first & i;
    found |= isZero;
  }
  bad |= found ^ 1;
  bad |= ((separator - 10) >>> 31) & 1; // at least 8 bytes of non-zero padding string
  const ok = ((bad - 1) >>> 31) & 1; // 1 when bad == 0
  return (separator + 1) * ok - (ok ^ 1);
}

// ---- signatures ---------------------------------------------------------------------------------

export type RsaSignature = Extract<SignatureAlgorithm, { family: "RSA" }>;

export function rsaSign(material: RsaMaterial, alg: RsaSignature, digest: Buffer): Buffer {
  const key = privateKeyObject(material);
  if (alg.scheme === "pkcs1") {
    return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([digestInfo(alg.hash), digest]));
  }
  const n = modulus(material);
  const emBits = modulusBits(n) - 1;
  const em = emsaPssEncode(digest, emBits, alg.hash);
  // Raw RSA wants exactly k bytes; EM is one byte shorter when emBits is a multiple of 8.
  const block = Buffer.concat([Buffer.alloc(rsaModulusBytes(n) - em.length), em]);
  return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, block);
}

export function rsaVerify(material: RsaPublic, alg: RsaSignature, digest: Buffer, signature: Buffer): boolean {
  const n = modulus(material);
  if (signature.length !== rsaModulusBytes(n)) return false;
  const key = publicKey(material);
  if (alg.scheme === "pkcs1") {
    let recovered: Buffer;
    try {
      recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
    } catch {
      return false;
    }
    const expected = Buffer.concat([digestInfo(alg.hash), digest]);
    return recovered.length === expected.length && timingSafeEqual(recovered, expected);
  }
  let block: Buffer;
  try {
    block = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  const emBits = modulusBits(n) - 1;
  const emLen = Math.ceil(emBits / 8);
  // Leading bytes beyond EM must be zero (RFC 8017 §8.1.2 step 2c: I2OSP to emLen octets).
  for (let i = 0; i < block.length - emLen; i++) if (block[i] !== 0) return false;
  return emsaPssVerify(digest, block.subarray(block.length - emLen), emBits, alg.hash);
}

function digestInfo(hash: HashName): Buffer {
  if (hash === "sha1") throw new Error("RS* over SHA-1 is not a Key Vault algorithm");
  return DIGEST_INFO[hash];
}

function mgf1(seed: Buffer, length: number, hash: HashName): Buffer {
  const blocks: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let c = 0, have = 0; have < length; c++) {
    counter.writeUInt32BE(c);
    const block = createHash(hash).update(seed).update(counter).digest();
    blocks.push(block);
    have += block.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) over a digest already computed, salt length = hash length. */
export function emsaPssEncode(mHash: Buffer, emBits: number, hash: HashName): Buffer {
  const hLen = HASH_BYTES[hash];
  const sLen = hLen;
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + sLen + 2) throw VaultErrors.badParameter("The key is too small for this PSS signature algorithm.");
  const salt = randomBytes(sLen);
  const h = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  const db = Buffer.alloc(emLen - hLen - 1);
  db[emLen - sLen - hLen - 2] = 0x01;
  salt.copy(db, emLen - sLen - hLen - 1);
  const mask = mgf1(h, db.length, hash);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >>> (8 * emLen - emBits);
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2), salt length = hash length. */
export function emsaPssVerify(mHash: Buffer, em: Buffer, emBits: number, hash: HashName): boolean {
  const hLen = HASH_BYTES[hash];
  const sLen = hLen;
  const emLen = Math.ceil(emBits / 8);
  if (mHash.length !== hLen || em.length !== emLen || emLen < hLen + sLen + 2) return false;
  if (em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff >>> (8 * emLen - emBits);
  if ((maskedDb[0]! & ~topMask & 0xff) !== 0) return false;
  const mask = mgf1(h, maskedDb.length, hash);
  const db = Buffer.alloc(maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i] = maskedDb[i]! ^ mask[i]!;
  db[0]! &= topMask;
  const psLen = emLen - hLen - sLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen);
  const expected = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  return timingSafeEqual(expected, h);
}
