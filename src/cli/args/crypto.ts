import type { RawOptions } from "../spec.js";
import { UsageError, ValidationError } from "../errors.js";

// Value parsers and algorithm tables of the crypto commands (encrypt, decrypt, wrap-key, unwrap-key,
// sign, verify). Binary arguments are base64 (az's --value, --digest, --signature) or hex (az's --iv,
// --aad, --tag); errors keep az's wording where az has one.

/** az's `--algorithm` choices for encrypt/decrypt (the Python SDK's EncryptionAlgorithm). */
export const ENCRYPTION_ALGORITHMS = [
  "RSA-OAEP", "RSA-OAEP-256", "RSA1_5",
  "A128GCM", "A192GCM", "A256GCM",
  "A128CBC", "A192CBC", "A256CBC",
  "A128CBCPAD", "A192CBCPAD", "A256CBCPAD",
] as const;

/** wrap-key/unwrap-key (the REST API's key-wrap algorithms; kvkey only, az has no such commands). */
export const WRAP_ALGORITHMS = [
  "RSA-OAEP", "RSA-OAEP-256", "RSA1_5",
  "A128KW", "A192KW", "A256KW",
  "CKM_AES_KEY_WRAP", "CKM_AES_KEY_WRAP_PAD",
] as const;

export type HashName = "sha256" | "sha384" | "sha512";

/** Each signature algorithm and the hash its digest must come from (JWA, RFC 7518 §3). */
export const SIGNATURE_HASH = {
  PS256: "sha256", PS384: "sha384", PS512: "sha512",
  RS256: "sha256", RS384: "sha384", RS512: "sha512",
  ES256: "sha256", ES384: "sha384", ES512: "sha512", ES256K: "sha256",
  HS256: "sha256", HS384: "sha384", HS512: "sha512",
} as const satisfies Record<string, HashName>;

export type SignatureAlgorithmName = keyof typeof SIGNATURE_HASH;
export const SIGNATURE_ALGORITHMS = Object.keys(SIGNATURE_HASH) as SignatureAlgorithmName[];
export const HASH_BYTES: Record<HashName, number> = { sha256: 32, sha384: 48, sha512: 64 };

/** AES-CBC takes a 16-byte IV from the caller: Managed HSM does not make one up (docs/emulator-crypto.md). */
export const CBC_ALGORITHMS: ReadonlySet<string> = new Set(["A128CBC", "A192CBC", "A256CBC", "A128CBCPAD", "A192CBCPAD", "A256CBCPAD"]);

const STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * A base64 argument, decoded the way az's `base64.b64decode` does (CPython's non-strict a2b_base64),
 * so the one error az reports — an impossible length — gets az's exact message. Three deliberate
 * differences, because az's leniency loses bytes silently (Azure/azure-cli#28027):
 * - text with `-`/`_` (and no `+`/`/`) is base64url and decoded as such, where az drops those characters;
 * - missing `=` padding is accepted (base64url is usually unpadded), where az says "Incorrect padding";
 * - any other character outside the alphabet (whitespace aside) is an error, where az skips it.
 * The text is never echoed: it may be a plaintext.
 */
export function base64Arg(flag: string, text: string): Buffer {
  const urlSafe = /[-_]/.test(text);
  if (urlSafe && /[+/]/.test(text)) {
    throw new UsageError(`Invalid base64-encoded string: ${flag} mixes base64 ('+', '/') and base64url ('-', '_') characters.`);
  }
  const alphabet = urlSafe ? URL_SAFE : STANDARD;
  const out: number[] = [];
  let quad = 0;
  let left = 0;
  let pads = 0;
  let stray: { char: string; at: number } | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === "=") {
      // CPython: a complete pad sequence ends the input.
      if (quad >= 2 && quad + ++pads >= 4) break;
      continue;
    }
    const v = alphabet.indexOf(char);
    if (v < 0) {
      if (!stray && !/\s/.test(char)) stray = { char, at: i + 1 };
      continue;
    }
    pads = 0;
    switch (quad) {
      case 0:
        left = v;
        quad = 1;
        break;
      case 1:
        out.push(((left << 2) | (v >> 4)) & 0xff);
        left = v & 0x0f;
        quad = 2;
        break;
      case 2:
        out.push(((left << 4) | (v >> 2)) & 0xff);
        left = v & 0x03;
        quad = 3;
        break;
      default:
        out.push(((left << 6) | v) & 0xff);
        quad = 0;
    }
  }
  if (quad === 1) {
    const count = Math.floor(out.length / 3) * 4 + 1;
    throw new UsageError(`Invalid base64-encoded string: number of data characters (${count}) cannot be 1 more than a multiple of 4`);
  }
  if (stray) {
    throw new UsageError(`Invalid base64-encoded string: character '${stray.char}' (position ${stray.at} of ${flag}) is not in the base64 or base64url alphabet.`);
  }
  return Buffer.from(out);
}

/**
 * az's hex arguments (--iv, --aad, --tag); empty means not given. az decodes them with
 * binascii.unhexlify inside the command, after the preview warning and not in argparse, so a bad one
 * exits 1 (not 2): callers decode in run(), after their warning.
 */
export function hexArg(flag: string, text: string | undefined): Buffer | undefined {
  if (text === undefined || text === "") return undefined;
  if (!/^[0-9a-fA-F]*$/.test(text)) throw new ValidationError(`argument ${flag}: invalid hex value: '${text}' (Non-hexadecimal digit found)`);
  if (text.length % 2 === 1) throw new ValidationError(`argument ${flag}: invalid hex value: '${text}' (Odd-length string)`);
  return Buffer.from(text, "hex");
}

/** Standard base64 of bytes, as az prints binary results. */
export function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * argparse's check of required arguments: every missing one in one message, in declaration order,
 * e.g. "the following arguments are required: --algorithm/-a, --value".
 */
export function requireArgs<K extends string>(raw: RawOptions, args: ReadonlyArray<readonly [K, string]>): Record<K, string> {
  const missing = args.filter(([key]) => typeof raw[key] !== "string").map(([, label]) => label);
  if (missing.length) throw new UsageError(`the following arguments are required: ${missing.join(", ")}`);
  return Object.fromEntries(args.map(([key]) => [key, raw[key] as string])) as Record<K, string>;
}
