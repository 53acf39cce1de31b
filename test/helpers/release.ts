import { constants, createDecipheriv, createPrivateKey, createPublicKey, privateDecrypt, verify, X509Certificate, type KeyObject } from "node:crypto";

// What a TEE does with the answer of a secure key release: check the JWS the HSM signed (x5c chain),
// find key_hsm in its payload, and unwrap the key with the runtime private key
// (RSA-OAEP over the AES key, then AES key wrap with padding, RFC 5649).

const OAEP_HASH: Record<string, string> = { CKM_RSA_AES_KEY_WRAP: "sha1", RSA_AES_KEY_WRAP_256: "sha256", RSA_AES_KEY_WRAP_384: "sha384" };

export interface OpenedRelease {
  header: Record<string, any>;
  payload: Record<string, any>;
  /** The signature verified with the x5c leaf, and the leaf is signed by the x5c root. */
  signatureValid: boolean;
  blob: { schema_version: string; header: { kid: string; alg: string; enc: string }; ciphertext: string };
  /** PKCS#8 DER (RSA, EC) or the raw bytes of an oct key. */
  plaintext: Buffer;
}

export function openRelease(jws: string, runtimePrivate: KeyObject): OpenedRelease {
  const [h, p, s] = jws.split(".") as [string, string, string];
  const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
  const payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  const chain = (header.x5c as string[]).map((c) => new X509Certificate(Buffer.from(c, "base64")));
  const signatureValid =
    header.alg === "RS256" &&
    verify("sha256", Buffer.from(`${h}.${p}`), chain[0]!.publicKey, Buffer.from(s, "base64url")) &&
    chain[0]!.verify(chain[chain.length - 1]!.publicKey);
  const blob = JSON.parse(Buffer.from(payload.response.key.key.key_hsm, "base64url").toString("utf8"));
  const ciphertext = Buffer.from(blob.ciphertext, "base64url");
  const k = (runtimePrivate.asymmetricKeyDetails!.modulusLength as number) / 8;
  const aesKey = privateDecrypt({ key: runtimePrivate, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[blob.header.enc] }, ciphertext.subarray(0, k));
  const decipher = createDecipheriv(`id-aes${aesKey.length * 8}-wrap-pad`, aesKey, Buffer.from("A65959A6", "hex"));
  const plaintext = Buffer.concat([decipher.update(ciphertext.subarray(k)), decipher.final()]);
  return { header, payload, signatureValid, blob, plaintext };
}

/** The public JWK of released PKCS#8 key material. */
export function publicJwkOfReleased(plaintext: Buffer): Record<string, unknown> {
  return createPublicKey(createPrivateKey({ key: plaintext, format: "der", type: "pkcs8" })).export({ format: "jwk" }) as Record<string, unknown>;
}
