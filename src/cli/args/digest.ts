import type * as NodeCrypto from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { OptionSpec, RawOptions } from "../spec.js";
import { UsageError, ValidationError } from "../errors.js";
import { HASH_BYTES, SIGNATURE_HASH, base64Arg, type SignatureAlgorithmName } from "./crypto.js";
import { rawString } from "./raw.js";

// What sign and verify sign: az's --digest (a hash the caller computed, standard base64), or — beyond
// az — --data/--file, hashed here with the hash the algorithm names, so nobody has to get a digest's
// encoding right by hand (Azure/azure-cli#28027).

export const DIGEST_OPTIONS: readonly OptionSpec[] = [
  {
    flags: "--digest <digest>",
    help: "The digest to sign or verify, in standard base64 (base64url is accepted too). For RS*, PS* and ES* its length must match the algorithm: 32 bytes for *256, 48 for *384, 64 for *512.",
  },
  { flags: "--data <text>", help: "Text to hash (UTF-8) with the algorithm's hash (SHA-256 for RS256/PS256/ES256/ES256K/HS256, ...) instead of giving --digest. kvkey only." },
  { flags: "-f, --file <path>", help: "A file to hash with the algorithm's hash instead of giving --digest. kvkey only." },
];

const HASH_LABEL = { sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" } as const;

/** The digest bytes sign/verify send, from exactly one of --digest, --data and --file. */
export function digestArg(raw: RawOptions, algorithm: SignatureAlgorithmName, cwd: string): Buffer {
  const digest = rawString(raw, "digest");
  const data = rawString(raw, "data");
  const file = rawString(raw, "file");
  const given = [digest, data, file].filter((v) => v !== undefined).length;
  if (given !== 1) throw new UsageError("supply exactly one: --digest, --data, --file");
  const hash = SIGNATURE_HASH[algorithm];
  // node:crypto on demand: every kvkey start reads this module, few commands hash anything.
  const { createHash } = process.getBuiltinModule("node:crypto") as typeof NodeCrypto;
  if (data !== undefined) return createHash(hash).update(data, "utf8").digest();
  if (file !== undefined) return createHash(hash).update(readInput(file, cwd)).digest();
  const bytes = base64Arg("--digest", digest!);
  // HS* MACs its input as given, so any length is valid there.
  if (!algorithm.startsWith("HS") && bytes.length !== HASH_BYTES[hash]) throw digestLengthError(digest!, bytes.length, algorithm);
  return bytes;
}

function digestLengthError(text: string, length: number, algorithm: SignatureAlgorithmName): ValidationError {
  const hash = SIGNATURE_HASH[algorithm];
  const expected = HASH_BYTES[hash];
  const looksHex = /^[0-9a-fA-F]+$/.test(text) && text.length === expected * 2;
  const why = looksHex
    ? " It looks like hex: convert it with `echo HEX | xxd -r -p | base64`."
    : ` Give the ${HASH_LABEL[hash]} digest as standard base64 (\`openssl dgst -${hash} -binary FILE | base64\`) or base64url (\`-\`/\`_\`, no padding).`;
  return new ValidationError(
    `--digest decodes to ${length} bytes, but ${algorithm} signs a ${expected}-byte ${HASH_LABEL[hash]} digest.${why} Or let kvkey hash the input: --data TEXT or --file PATH.`,
  );
}

function readInput(file: string, cwd: string): Buffer {
  try {
    return readFileSync(resolve(cwd, file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ValidationError(code === "ENOENT" ? `File '${file}' does not exist.` : `Cannot read '${file}': ${(err as Error).message}`);
  }
}
