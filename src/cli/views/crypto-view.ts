// The crypto commands' output, as az's transformers shape it: binary results in standard padded base64,
// encrypt's iv/tag/aad in lower-case hex (binascii.hexlify) or null, names in camelCase. Members are
// listed alphabetically; the output stage sorts them anyway.

type Json = Record<string, unknown>;

function base64(bytes: Uint8Array | undefined): string {
  return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64") : "";
}

function hexOrNull(bytes: Uint8Array | undefined): string | null {
  return bytes && bytes.length > 0 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex") : null;
}

export interface CipherOutput {
  algorithm: string;
  kid: string;
  result: Uint8Array | undefined;
  iv?: Uint8Array | undefined;
  tag?: Uint8Array | undefined;
  aad?: Uint8Array | undefined;
}

/** encrypt (az's transform_key_encryption_output) and wrap-key. */
export function encryptView(o: CipherOutput): Json {
  return { aad: hexOrNull(o.aad), algorithm: o.algorithm, iv: hexOrNull(o.iv), kid: o.kid, result: base64(o.result), tag: hexOrNull(o.tag) };
}

/**
 * decrypt (az's transform_key_decryption_output) and unwrap-key. `text` is the plaintext already
 * decoded as UTF-8 for `--data-type plaintext`; otherwise the bytes are printed as base64.
 */
export function decryptView(o: { algorithm: string; kid: string; result: Uint8Array | undefined; text?: string }): Json {
  return { algorithm: o.algorithm, kid: o.kid, result: o.text ?? base64(o.result) };
}

/** sign (az 2.51+: the SDK's SignResult). */
export function signView(o: { algorithm: string; keyId: string; signature: Uint8Array | undefined }): Json {
  return { algorithm: o.algorithm, keyId: o.keyId, signature: base64(o.signature) };
}

/** verify (az 2.51+: the SDK's VerifyResult). */
export function verifyView(o: { algorithm: string; keyId: string; isValid: boolean }): Json {
  return { algorithm: o.algorithm, isValid: o.isValid, keyId: o.keyId };
}

/** random (az's transform_key_random_output). */
export function randomView(bytes: Uint8Array | undefined): Json {
  return { value: base64(bytes) };
}
