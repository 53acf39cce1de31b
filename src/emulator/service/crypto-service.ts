import { randomBytes as secureRandomBytes } from "node:crypto";
import type { Clock } from "../domain/clock.js";
import { VaultErrors } from "../domain/errors.js";
import { keyFamily, type KeyVersion } from "../domain/key.js";
import type { Vault, VaultTarget } from "../domain/vault.js";
import { toUnixSeconds } from "../../shared/time.js";
import type { PrivateMaterial } from "../crypto/material.js";
import {
  ALLOWED_OUTSIDE_VALIDITY,
  CIPHER_ALGORITHM_NAMES,
  HASH_BYTES,
  SIGNATURE_ALGORITHM_NAMES,
  cipherAlgorithm,
  cipherServes,
  signatureAlgorithm,
  type CipherAlgorithm,
  type CipherOperation,
  type CryptoKeyOperation,
  type SignatureAlgorithm,
} from "../crypto/operations/algorithms.js";
import { rsaDecrypt, rsaEncrypt, rsaSign, rsaVerify } from "../crypto/operations/rsa.js";
import { ecSign, ecVerify } from "../crypto/operations/ec.js";
import { cbcDecrypt, cbcEncrypt, gcmDecrypt, gcmEncrypt, kwpUnwrap, kwpWrap, kwUnwrap, kwWrap } from "../crypto/operations/aes.js";
import { hmacSign, hmacVerify } from "../crypto/operations/hmac.js";
import type { KeyService } from "./key-service.js";

export type { CipherOperation };

/** Which key a crypto request addresses: an explicit version, or the latest when version is undefined. */
export interface KeyAddress {
  target: VaultTarget;
  /** Host as the caller sent it, for messages. */
  host: string;
  name: string;
  version?: string;
}

export interface CipherRequest {
  operation: CipherOperation;
  algorithm: string;
  value: Buffer;
  iv?: Buffer;
  aad?: Buffer;
  tag?: Buffer;
}

export interface CipherResult {
  /** The version that did the work: its id is the result's kid. */
  key: KeyVersion;
  algorithm: string;
  value: Buffer;
  iv?: Buffer;
  tag?: Buffer;
  aad?: Buffer;
}

export interface SignResult {
  key: KeyVersion;
  value: Buffer;
}

export interface VerifyResult {
  key: KeyVersion;
  valid: boolean;
}

/** Bounds of POST /rng, from the REST specification. */
export const RANDOM_BYTES_MIN = 1;
export const RANDOM_BYTES_MAX = 128;

/**
 * The cryptographic operations of Key Vault / Managed HSM: encrypt, decrypt, wrapKey, unwrapKey, sign,
 * verify and random bytes. Each operation checks, in this order: the algorithm is one the service
 * knows (400), the key exists (404), it is enabled (403), its key_ops list the operation (403), now
 * is inside its nbf/exp window unless the operation only undoes earlier work (403), the algorithm
 * fits the key (400), the inputs fit the algorithm (400); and only then touches key material.
 */
export class CryptoService {
  constructor(
    private readonly keys: KeyService,
    private readonly clock: Clock,
  ) {}

  async cipher(at: KeyAddress, request: CipherRequest): Promise<CipherResult> {
    const alg = cipherAlgorithm(request.algorithm);
    if (!alg) throw unknownAlgorithm(request.algorithm, CIPHER_ALGORITHM_NAMES);
    // RSA encryption (encrypt, wrapKey) needs only the public key, so it never unseals the private material.
    const encrypting = request.operation === "encrypt" || request.operation === "wrapKey";
    const publicOnly = alg.family === "RSA" && encrypting;
    const { key, material } = publicOnly ? { ...this.usableKey(at, request.operation, { material: false }), material: undefined } : this.usableKey(at, request.operation);
    assertFamily(alg.family, key, alg.name);
    if (!cipherServes(alg, request.operation)) {
      throw VaultErrors.badParameter(
        `The algorithm ${alg.name} cannot be used to ${request.operation}: Managed HSM uses AES key wrap algorithms ` +
          "(A*KW, CKM_AES_KEY_WRAP, CKM_AES_KEY_WRAP_PAD) for wrapKey/unwrapKey and AES-GCM/AES-CBC for encrypt/decrypt.",
      );
    }
    if (alg.family === "RSA" && publicOnly && key.publicJwk.n && key.publicJwk.e) {
      return { key, algorithm: alg.name, value: rsaEncrypt({ n: key.publicJwk.n, e: key.publicJwk.e }, alg, request.value) };
    }
    if (material?.family === "RSA" && alg.family === "RSA") return { key, algorithm: alg.name, value: rsaDecrypt(material, alg, request.value) };
    if (material?.family === "oct" && alg.family === "oct") {
      return { key, ...symmetric(Buffer.from(material.k, "base64url"), alg, request) };
    }
    throw new Error("unreachable: the key family was checked against the algorithm");
  }

  async sign(at: KeyAddress, algorithm: string, digest: Buffer): Promise<SignResult> {
    const alg = signatureAlgorithm(algorithm);
    if (!alg) throw unknownAlgorithm(algorithm, SIGNATURE_ALGORITHM_NAMES);
    const { key, material } = this.usableKey(at, "sign");
    checkSignatureInputs(alg, key, digest);
    if (alg.family === "RSA" && material.family === "RSA") return { key, value: rsaSign(material, alg, digest) };
    if (alg.family === "EC" && material.family === "EC") return { key, value: await ecSign(material, digest) };
    if (alg.family === "oct" && material.family === "oct") {
      return { key, value: hmacSign(Buffer.from(material.k, "base64url"), alg.hash, digest) };
    }
    throw new Error("unreachable: the key family was checked against the algorithm");
  }

  async verify(at: KeyAddress, algorithm: string, digest: Buffer, signature: Buffer): Promise<VerifyResult> {
    const alg = signatureAlgorithm(algorithm);
    if (!alg) throw unknownAlgorithm(algorithm, SIGNATURE_ALGORITHM_NAMES);
    // RSA and EC signatures are checked with the public key alone: verify never unseals their private
    // material (so it costs less, and still works where the material cannot be opened). HMAC needs the secret.
    // One read of the key either way: with its material only for HMAC.
    const { key, material } = alg.family === "oct" ? this.usableKey(at, "verify") : { ...this.usableKey(at, "verify", { material: false }), material: undefined };
    checkSignatureInputs(alg, key, digest);
    const jwk = key.publicJwk;
    // A signature of the wrong size or shape is simply not valid: verify answers false, not an error.
    if (alg.family === "RSA" && jwk.n && jwk.e) return { key, valid: rsaVerify({ n: jwk.n, e: jwk.e }, alg, digest, signature) };
    if (alg.family === "EC" && jwk.crv && jwk.x && jwk.y) return { key, valid: await ecVerify({ crv: jwk.crv, x: jwk.x, y: jwk.y }, digest, signature) };
    if (alg.family === "oct" && material?.family === "oct") {
      return { key, valid: hmacVerify(Buffer.from(material.k, "base64url"), alg.hash, digest, signature) };
    }
    throw new Error("unreachable: the key family was checked against the algorithm");
  }

  /**
   * POST /rng. A Managed HSM operation: a key vault answers 400, as the service does (the SDK team's
   * guidance for clients is to let the service's HTTP 400 through). It reads no state, so an HSM that
   * holds no keys yet can still be asked.
   */
  randomBytes(target: VaultTarget, host: string, count: number): Buffer {
    if (target.kind !== "managedhsm") {
      throw VaultErrors.badParameter(
        `Random bytes are available from a Managed HSM only; ${host} is a key vault. Use {name}.managedhsm.localhost (--hsm-name).`,
      );
    }
    if (!Number.isInteger(count) || count < RANDOM_BYTES_MIN || count > RANDOM_BYTES_MAX) {
      throw VaultErrors.badParameter(`The count must be an integer from ${RANDOM_BYTES_MIN} to ${RANDOM_BYTES_MAX}; it is ${count}.`);
    }
    return secureRandomBytes(count);
  }

  /** The key version with its material, once the rules that do not depend on the algorithm pass. */
  private usableKey(at: KeyAddress, operation: CryptoKeyOperation): { vault: Vault; key: KeyVersion; material: PrivateMaterial };
  private usableKey(at: KeyAddress, operation: CryptoKeyOperation, options: { material: false }): { vault: Vault; key: KeyVersion };
  private usableKey(at: KeyAddress, operation: CryptoKeyOperation, options: { material?: boolean } = {}): { vault: Vault; key: KeyVersion; material?: PrivateMaterial } {
    const view =
      options.material === false ? this.keys.getKey(at.target, at.host, at.name, at.version) : this.keys.getKeyWithMaterial(at.target, at.host, at.name, at.version);
    const key = view.key;
    if (!key.attributes.enabled) throw VaultErrors.keyDisabled(operation);
    if (!key.keyOps.includes(operation)) throw VaultErrors.keyOperationForbidden(operation);
    if (!ALLOWED_OUTSIDE_VALIDITY.has(operation)) {
      // nbf: usable from that second on; exp: unusable from that second on (JWT semantics).
      const now = toUnixSeconds(this.clock.now());
      const { notBefore, expires } = key.attributes;
      if (notBefore !== undefined && now < notBefore) throw VaultErrors.keyNotYetValid(operation);
      if (expires !== undefined && now >= expires) throw VaultErrors.keyExpired(operation);
    }
    return view;
  }
}

function unknownAlgorithm(name: string, known: readonly string[]) {
  return VaultErrors.badParameter(`The algorithm '${name}' is not supported for this operation. Supported algorithms: ${known.join(", ")}.`);
}

function assertFamily(family: "RSA" | "EC" | "oct", key: KeyVersion, algName: string): void {
  if (keyFamily(key.kty) !== family) {
    throw VaultErrors.badParameter(`The algorithm ${algName} cannot be used with a key of type ${key.kty}.`);
  }
}

function checkSignatureInputs(alg: SignatureAlgorithm, key: KeyVersion, digest: Buffer): void {
  assertFamily(alg.family, key, alg.name);
  const crv = key.publicJwk.crv;
  if (alg.family === "EC" && crv !== alg.curve) {
    throw VaultErrors.badParameter(`The algorithm ${alg.name} needs a key on curve ${alg.curve}; this key is on ${crv}.`);
  }
  // RSA and ECDSA sign a digest the caller computed; its length must be the algorithm's hash size
  // (the service builds the DigestInfo for RS*, so a wrong size would sign a lie). HMAC takes any bytes.
  if (alg.family !== "oct" && digest.length !== HASH_BYTES[alg.hash]) {
    throw VaultErrors.badParameter(
      `The digest for ${alg.name} must be ${HASH_BYTES[alg.hash]} bytes (a ${alg.hash.toUpperCase()} hash); it is ${digest.length} bytes.`,
    );
  }
}

function symmetric(key: Buffer, alg: Extract<CipherAlgorithm, { family: "oct" }>, request: CipherRequest): Omit<CipherResult, "key"> {
  if (alg.keyBytes !== undefined && alg.keyBytes !== key.length) {
    throw VaultErrors.badParameter(
      `The algorithm ${alg.name} needs a ${alg.keyBytes * 8}-bit key; this key is ${key.length * 8}-bit. ` +
        `Use the A${key.length * 8}* variant.`,
    );
  }
  const { operation, value, iv, aad, tag } = request;
  const name = alg.name;
  switch (alg.mode) {
    case "gcm": {
      if (operation === "encrypt") {
        const sealed = gcmEncrypt(key, value, aad, iv);
        return { algorithm: name, value: sealed.ciphertext, iv: sealed.iv, tag: sealed.tag, ...(aad ? { aad } : {}) };
      }
      return { algorithm: name, value: gcmDecrypt(key, value, iv, tag, aad) };
    }
    case "cbc":
    case "cbcpad": {
      const pad = alg.mode === "cbcpad";
      if (operation === "encrypt") {
        const ciphertext = cbcEncrypt(key, value, iv, pad, name);
        // The IV is the caller's (cbcEncrypt refuses a request without one); echo it like GCM's.
        return { algorithm: name, value: ciphertext, ...(iv ? { iv } : {}) };
      }
      return { algorithm: name, value: cbcDecrypt(key, value, iv, pad, name) };
    }
    case "kw":
      return { algorithm: name, value: operation === "wrapKey" ? kwWrap(key, value, name) : kwUnwrap(key, value, name) };
    case "kwp":
      return { algorithm: name, value: operation === "wrapKey" ? kwpWrap(key, value, name) : kwpUnwrap(key, value, name) };
  }
}
