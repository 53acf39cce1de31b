import { constants, createPrivateKey, privateDecrypt, type KeyObject } from "node:crypto";
import { shown, VaultError, VaultErrors } from "../domain/errors.js";
import { keyFamily, type KeyType, type KeyVersion } from "../domain/key.js";
import type { VaultKind } from "../domain/vault.js";
import { fromBase64Url } from "../../shared/base64url.js";
import { isRsaAesKeyWrap, RSA_AES_KEY_WRAP_OAEP_HASH, RSA_AES_KEY_WRAPS, type RsaAesKeyWrap } from "../../shared/rsa-aes-key-wrap.js";
import { curveFromNodeJwk } from "./curves.js";
import { materialFromImportedJwk } from "./import-jwk.js";
import { privateKeyObject, rsaModulusBytes, type PrivateMaterial } from "./material.js";
import { kwpUnwrap } from "./operations/aes.js";

// Bring your own key: ImportKey with a `key_hsm` member, the base64url bytes of a key transfer blob
// (a ".byok" file). Microsoft's BYOK specification:
//  - the blob is JSON: schema_version, header {kid: the key exchange key (KEK), alg: "dir", enc},
//    ciphertext (base64url), generator;
//  - ciphertext = RSA-OAEP(KEK public key, ephemeral AES key) || AES-KWP(ephemeral key, target key),
//    the RSA part first and exactly as long as the KEK's modulus. `enc` names the OAEP hash:
//    CKM_RSA_AES_KEY_WRAP is SHA-1 (PKCS#11), RSA_AES_KEY_WRAP_256/384 are SHA-256/SHA-384 (MGF1 with the
//    same hash); AES-KWP is RFC 5649;
//  - the target key's plaintext is PKCS#8 DER (RSA, EC) or the raw key bytes (oct, Managed HSM only);
//  - the KEK is an RSA-HSM key with key_ops exactly ["import"], in the same vault or HSM.
// The unwrapped key then goes through the same checks as a JWK import (consistency, sizes, curves).


export interface TransferBlob {
  /** header.kid as written in the blob. */
  kekId: string;
  kekHost: string;
  kekName: string;
  kekVersion?: string;
  enc: RsaAesKeyWrap;
  ciphertext: Buffer;
}

/** The container an import addresses (the service's VaultTarget). */
export interface ByokContainer {
  name: string;
  kind: VaultKind;
}

/** Finds a key version and its private material in the importing container; throws KeyNotFound. */
export type KekLookup = (name: string, version: string | undefined) => { key: KeyVersion; material: PrivateMaterial };

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k"] as const;

function blobError(detail: string): VaultError {
  return VaultErrors.badParameter(`The key transfer blob (key_hsm) is not valid: ${detail}`);
}

/** Reads the blob out of the JWK's key_hsm member. Every shape error is a BadParameter naming the member. */
export function parseTransferBlob(keyHsm: unknown): TransferBlob {
  const bytes = typeof keyHsm === "string" ? fromBase64Url(keyHsm) : undefined;
  if (!bytes) throw VaultErrors.badParameter("The JSON Web Key member 'key_hsm' must be a base64url string.");
  if (bytes.length === 0) throw VaultErrors.badParameter("The JSON Web Key member 'key_hsm' must be a non-empty base64url string.");
  let blob: unknown;
  try {
    blob = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw blobError("it is not JSON (a .byok file holds a JSON object with schema_version, header, ciphertext and generator).");
  }
  if (typeof blob !== "object" || blob === null || Array.isArray(blob)) throw blobError("it must be a JSON object.");
  const { header, ciphertext } = blob as Record<string, unknown>;
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw blobError("the member 'header' (kid, alg, enc) is missing.");
  const { kid, alg, enc } = header as Record<string, unknown>;
  if (typeof kid !== "string" || kid === "") throw blobError("the member 'header.kid' (the key exchange key's identifier) is missing.");
  if (alg !== "dir") throw blobError(`'header.alg' must be "dir"; it is ${JSON.stringify(alg ?? null)}.`);
  if (!isRsaAesKeyWrap(enc)) {
    throw blobError(`'header.enc' ${JSON.stringify(enc ?? null)} is not supported. Supported: ${RSA_AES_KEY_WRAPS.join(", ")}.`);
  }
  if (typeof ciphertext !== "string") throw blobError("the member 'ciphertext' (base64url) is missing.");
  const wrapped = fromBase64Url(ciphertext);
  if (!wrapped || wrapped.length === 0) throw blobError("the member 'ciphertext' is not a non-empty base64url string.");

  let url: URL;
  try {
    url = new URL(kid);
  } catch {
    throw blobError(`'header.kid' is not a key identifier: ${kid}.`);
  }
  const segments = url.pathname.split("/").filter((s) => s !== "");
  if (segments[0] !== "keys" || segments.length < 2 || segments.length > 3) {
    throw blobError(`'header.kid' is not a key identifier (https://{vault}/keys/{name}/{version}): ${kid}.`);
  }
  const out: TransferBlob = { kekId: kid, kekHost: url.hostname.toLowerCase(), kekName: segments[1]!, enc, ciphertext: wrapped };
  if (segments[2] !== undefined) out.kekVersion = segments[2];
  return out;
}

/**
 * A kid whose host names a container (`{name}.vault.*`, `{name}.managedhsm.*`) must name the importing
 * one. A host that names none (`localhost`, an IP: the served emulator's default container) is taken to
 * mean the container the request reached.
 */
function assertSameContainer(blob: TransferBlob, container: ByokContainer): void {
  const labels = blob.kekHost.split(".");
  if (labels.length < 3 || (labels[1] !== "vault" && labels[1] !== "managedhsm")) return;
  const kind: VaultKind = labels[1] === "vault" ? "vault" : "managedhsm";
  if (labels[0] !== container.name.toLowerCase() || kind !== container.kind) {
    const here = container.kind === "vault" ? "key vault" : "managed HSM";
    throw VaultErrors.badParameter(
      `The key exchange key ${blob.kekId} is not in this ${here} (${container.name}); a transfer blob can be imported only ` +
        "into the vault or HSM that holds its key exchange key.",
    );
  }
}

/** The service's rules for a key exchange key: enabled, allowed to import, in its validity window, RSA-HSM, import only. */
export function assertUsableKek(kek: KeyVersion, kekId: string, now: number): void {
  if (!kek.attributes.enabled) throw VaultErrors.keyDisabled("import");
  if (!kek.keyOps.includes("import")) throw VaultErrors.keyOperationForbidden("import");
  const { notBefore, expires } = kek.attributes;
  if (notBefore !== undefined && now < notBefore) throw VaultErrors.keyNotYetValid("import");
  if (expires !== undefined && now >= expires) throw VaultErrors.keyExpired("import");
  if (kek.kty !== "RSA-HSM") {
    throw VaultErrors.badParameter(`The key exchange key ${kekId} is of type ${kek.kty}; a key exchange key must be an RSA-HSM key.`);
  }
  if (kek.keyOps.length !== 1) {
    throw VaultErrors.badParameter(
      `The key exchange key ${kekId} has key_ops [${kek.keyOps.join(", ")}]; a key exchange key must have key_ops exactly [import].`,
    );
  }
}

/** RSA-OAEP then AES-KWP: the target key's plaintext (PKCS#8 DER, or raw bytes for oct). */
export function unwrapTransferBlob(blob: TransferBlob, kek: PrivateMaterial): Buffer {
  if (kek.family !== "RSA") throw new Error("a key exchange key is RSA");
  const k = rsaModulusBytes(kek.n);
  if (blob.ciphertext.length <= k) {
    throw blobError(
      `the ciphertext is ${blob.ciphertext.length} bytes; with a ${k * 8}-bit key exchange key it must be the ${k}-byte RSA-OAEP part followed by the AES key wrap part.`,
    );
  }
  const key: KeyObject = privateKeyObject(kek);
  let aesKey: Buffer;
  try {
    aesKey = privateDecrypt(
      { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: RSA_AES_KEY_WRAP_OAEP_HASH[blob.enc] },
      blob.ciphertext.subarray(0, k),
    );
  } catch {
    throw VaultErrors.badParameter(
      `The key transfer blob could not be decrypted with the key exchange key ${blob.kekId} (${blob.enc}): it was made for another key, ` +
        "with another 'enc', or it was altered.",
    );
  }
  try {
    if (aesKey.length !== 16 && aesKey.length !== 24 && aesKey.length !== 32) {
      throw blobError(`the transient key is ${aesKey.length} bytes; it must be an AES key of 16, 24 or 32 bytes.`);
    }
    try {
      return kwpUnwrap(aesKey, blob.ciphertext.subarray(k), "CKM_AES_KEY_WRAP_PAD");
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      throw blobError("the wrapped target key failed the AES key wrap (RFC 5649) integrity check: the ciphertext was altered.");
    }
  } finally {
    aesKey.fill(0);
  }
}

/** The unwrapped plaintext as key material of the requested type, through the JWK import checks. */
export function materialFromTransferPlaintext(plaintext: Buffer, kty: KeyType, requestedCrv: unknown): PrivateMaterial {
  const family = keyFamily(kty);
  if (family === "oct") return materialFromImportedJwk({ kty, k: plaintext.toString("base64url") }, "oct");
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: plaintext, format: "der", type: "pkcs8" });
  } catch {
    throw blobError(`the unwrapped target key is not a PKCS#8 private key, which an ${kty} import needs.`);
  }
  const found = key.asymmetricKeyType === "rsa" ? "RSA" : key.asymmetricKeyType === "ec" ? "EC" : String(key.asymmetricKeyType);
  if (found !== family) throw VaultErrors.badParameter(`The key transfer blob holds an ${found} key; the request's kty is ${kty}.`);
  const jwk = key.export({ format: "jwk" });
  if (family === "RSA") return materialFromImportedJwk({ ...jwk, kty }, "RSA");
  const named = key.asymmetricKeyDetails?.namedCurve ?? "unknown";
  const crv = jwk.crv ? curveFromNodeJwk(jwk.crv) : undefined;
  if (!crv) throw VaultErrors.curveNotSupported(named);
  if (requestedCrv === undefined || requestedCrv === null) throw VaultErrors.badParameter("The JSON Web Key is missing the required member 'crv'.");
  if (requestedCrv !== crv) throw VaultErrors.badParameter(`The key transfer blob holds a key on curve ${crv}; the request's crv is ${shown(requestedCrv)}.`);
  return materialFromImportedJwk({ ...jwk, kty, crv }, "EC");
}

/**
 * The whole BYOK import: blob -> key exchange key (found in the importing container and checked) ->
 * unwrapped material of the requested type.
 */
export function materialFromTransferBlob(
  jwk: Record<string, unknown>,
  kty: KeyType,
  container: ByokContainer,
  lookupKek: KekLookup,
  now: number,
): PrivateMaterial {
  const extra = PRIVATE_MEMBERS.filter((m) => jwk[m] !== undefined && jwk[m] !== null);
  if (extra.length > 0) {
    throw VaultErrors.badParameter(
      `A JSON Web Key with key_hsm (bring your own key) carries its key inside the transfer blob; it must not also have ${extra.join(", ")}.`,
    );
  }
  const blob = parseTransferBlob(jwk.key_hsm);
  assertSameContainer(blob, container);
  const kek = lookupKek(blob.kekName, blob.kekVersion);
  assertUsableKek(kek.key, blob.kekId, now);
  const plaintext = unwrapTransferBlob(blob, kek.material);
  try {
    return materialFromTransferPlaintext(plaintext, kty, jwk.crv);
  } finally {
    plaintext.fill(0);
  }
}
