import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliIn, errorLine } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";

// The crypto commands' argument errors (message on stderr as one ERROR line, nothing on stdout, az's
// exit code), and how digests and other binary arguments are read.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
const V = ["--vault-name", "args"];
const K = [...V, "-n", "rsa"];
const SHA256 = createHash("sha256").update("data").digest();
const INCORRECT_USAGE = "incorrect usage: --id ID | --vault-name/--hsm-name VAULT/HSM --name/-n NAME [--version VERSION]";
const ENC_ALGS = "RSA-OAEP, RSA-OAEP-256, RSA1_5, A128GCM, A192GCM, A256GCM, A128CBC, A192CBC, A256CBC, A128CBCPAD, A192CBCPAD, A256CBCPAD";

beforeAll(async () => {
  home = tempDataDir();
  cli = cliIn(home.dir);
  expect((await cli(["create", ...K, "-o", "none"])).code).toBe(0);
  expect((await cli(["create", "--hsm-name", "argshsm", "-n", "aes", "--kty", "oct-HSM", "-o", "none"])).code).toBe(0);
  writeFileSync(join(home.dir, "exists.pem"), "taken");
});
afterAll(() => home.cleanup());

const cases: Array<[string, string[], number, string | RegExp]> = [
  ["encrypt without --algorithm", ["encrypt", ...K, "--value", "AAEC"], 2, "the following arguments are required: --algorithm/-a"],
  ["encrypt without --algorithm and --value", ["encrypt", ...K], 2, "the following arguments are required: --algorithm/-a, --value"],
  ["decrypt without --value", ["decrypt", ...K, "-a", "RSA-OAEP"], 2, "the following arguments are required: --value"],
  ["encrypt with a bad --algorithm", ["encrypt", ...K, "-a", "RSA-OAEP-512", "--value", "AAEC"], 2, `kvkey encrypt: 'RSA-OAEP-512' is not a valid value for '--algorithm'. Allowed values: ${ENC_ALGS}.`],
  ["decrypt with a key-wrap algorithm", ["decrypt", ...K, "-a", "A256KW", "--value", "AAEC"], 2, `kvkey decrypt: 'A256KW' is not a valid value for '--algorithm'. Allowed values: ${ENC_ALGS}.`],
  ["wrap-key with an encryption algorithm", ["wrap-key", ...K, "-a", "A256GCM", "--value", "AAEC"], 2, "kvkey wrap-key: 'A256GCM' is not a valid value for '--algorithm'. Allowed values: RSA-OAEP, RSA-OAEP-256, RSA1_5, A128KW, A192KW, A256KW, CKM_AES_KEY_WRAP, CKM_AES_KEY_WRAP_PAD."],
  ["encrypt with a bad --data-type", ["encrypt", ...K, "-a", "RSA-OAEP", "--value", "AAEC", "--data-type", "hex"], 2, "kvkey encrypt: 'hex' is not a valid value for '--data-type'. Allowed values: base64, plaintext."],
  ["encrypt --value !!notbase64", ["encrypt", ...K, "-a", "RSA-OAEP", "--value", "!!notbase64"], 2, "Invalid base64-encoded string: number of data characters (9) cannot be 1 more than a multiple of 4"],
  ["decrypt --value of 5 characters", ["decrypt", ...K, "-a", "RSA-OAEP", "--value", "abcde"], 2, "Invalid base64-encoded string: number of data characters (5) cannot be 1 more than a multiple of 4"],
  ["a character outside both alphabets", ["decrypt", ...K, "-a", "RSA-OAEP", "--value", "ab.c"], 2, "Invalid base64-encoded string: character '.' (position 3 of --value) is not in the base64 or base64url alphabet."],
  ["base64 and base64url mixed", ["verify", ...K, "-a", "RS256", "--digest", "ab+c-d", "--signature", "AAAA"], 2, "Invalid base64-encoded string: --digest mixes base64 ('+', '/') and base64url ('-', '_') characters."],
  ["--iv that is not hex", ["encrypt", ...K, "-a", "A256CBC", "--value", "AAEC", "--iv", "zz"], 1, "argument --iv: invalid hex value: 'zz' (Non-hexadecimal digit found)"],
  ["--tag of odd length", ["decrypt", ...K, "-a", "A256GCM", "--value", "AAEC", "--tag", "abc"], 1, "argument --tag: invalid hex value: 'abc' (Odd-length string)"],
  ["sign without a digest", ["sign", ...K, "-a", "RS256"], 2, "supply exactly one: --digest, --data, --file"],
  ["sign with --digest and --data", ["sign", ...K, "-a", "RS256", "--digest", SHA256.toString("base64"), "--data", "x"], 2, "supply exactly one: --digest, --data, --file"],
  ["sign with a bad --algorithm", ["sign", ...K, "-a", "ES256X", "--data", "x"], 2, "kvkey sign: 'ES256X' is not a valid value for '--algorithm'. Allowed values: PS256, PS384, PS512, RS256, RS384, RS512, ES256, ES384, ES512, ES256K, HS256, HS384, HS512."],
  ["verify without --algorithm and --signature", ["verify", ...K, "--data", "x"], 2, "the following arguments are required: --algorithm/-a, --signature"],
  ["sign with a digest of the wrong length", ["sign", ...K, "-a", "RS384", "--digest", SHA256.toString("base64")], 1, /^--digest decodes to 32 bytes, but RS384 signs a 48-byte SHA-384 digest\. Give the SHA-384 digest as standard base64 \(`openssl dgst -sha384 -binary FILE \| base64`\) or base64url/],
  ["sign with a hex digest", ["sign", ...K, "-a", "ES256", "--digest", SHA256.toString("hex")], 1, /^--digest decodes to 48 bytes, but ES256 signs a 32-byte SHA-256 digest\. It looks like hex: convert it with `echo HEX \| xxd -r -p \| base64`\./],
  ["sign --file that does not exist", ["sign", ...K, "-a", "RS256", "--file", "nope.bin"], 1, "File 'nope.bin' does not exist."],
  ["random --vault-name", ["random", "--vault-name", "v", "--count", "8"], 2, "unrecognized arguments: --vault-name v"],
  ["random without --count", ["random", "--hsm-name", "h"], 2, "the following arguments are required: --count"],
  ["random --count abc", ["random", "--hsm-name", "h", "--count", "abc"], 2, "argument --count: invalid int value: 'abc'"],
  ["random without an HSM", ["random", "--count", "8"], 1, "Please specify --hsm-name or --id."],
  ["random with --hsm-name and --id", ["random", "--hsm-name", "h", "--id", "https://h.managedhsm.localhost", "--count", "8"], 1, "--hsm-name and --id are mutually exclusive."],
  ["download without --file", ["download", ...K], 2, "the following arguments are required: --file/-f"],
  ["download --encoding XYZ", ["download", ...K, "-f", "x.pem", "--encoding", "XYZ"], 2, "kvkey download: 'XYZ' is not a valid value for '--encoding'. Allowed values: PEM, DER."],
  ["download -f existing", ["download", ...K, "-f", "exists.pem"], 1, "File or directory named 'exists.pem' already exists."],
  ["download of an oct key", ["download", "--hsm-name", "argshsm", "-n", "aes", "-f", "aes.pem"], 1, "Unsupported key type: oct-HSM. (Supported key types: RSA, RSA-HSM, EC, EC-HSM)"],
  ["encrypt without a key", ["encrypt", "--vault-name", "v", "-a", "RSA-OAEP", "--value", "AAEC"], 1, INCORRECT_USAGE],
  ["sign with a missing key", ["sign", ...V, "-n", "missing", "-a", "RS256", "--data", "x"], 1, /^\(KeyNotFound\) A key with \(name\/id\) missing was not found/],
  ["an algorithm that does not fit the key", ["sign", ...K, "-a", "ES256", "--data", "x"], 1, /^\(BadParameter\) /],
  ["an AES size that does not fit the key", ["encrypt", "--hsm-name", "argshsm", "-n", "aes", "-a", "A128GCM", "--value", "AAEC"], 1, /^\(BadParameter\) /],
];

describe("error rows", () => {
  test.each(cases)("%s", async (_title, args, code, message) => {
    const run = await cli(args, { cwd: home.dir });
    expect(run.stdout).toBe("");
    expect(run.code).toBe(code);
    const text = errorLine(
      run.stderr
        .split("\n")
        .filter((l) => !l.startsWith("WARNING: This command is in preview"))
        .join("\n"),
    );
    if (typeof message === "string") expect(text).toBe(message);
    else expect(text).toMatch(message);
  });
});

describe("binary arguments", () => {
  /** Some data whose SHA-256 in base64url has a '-' or '_' (az would drop them: Azure/azure-cli#28027). */
  function urlSafeDigest(): Buffer {
    for (let i = 0; ; i++) {
      const digest = createHash("sha256").update(`doc ${i}`).digest();
      if (/[-_]/.test(digest.toString("base64url"))) return digest;
    }
  }

  test("a digest in base64url (unpadded) signs the same bytes as its standard base64", async () => {
    const digest = urlSafeDigest();
    const std = await cli(["sign", ...K, "-a", "RS256", "--digest", digest.toString("base64")]);
    const url = await cli(["sign", ...K, "-a", "RS256", "--digest", digest.toString("base64url")]);
    expect(std.code).toBe(0);
    expect(url.code).toBe(0);
    // RS256 is deterministic: same digest, same signature.
    expect(url.json().signature).toBe(std.json().signature);
    const unpadded = await cli(["sign", ...K, "-a", "RS256", "--digest", digest.toString("base64").replace(/=+$/, "")]);
    expect(unpadded.json().signature).toBe(std.json().signature);
    const verified = await cli(["verify", ...K, "-a", "RS256", "--digest", digest.toString("base64url"), "--signature", Buffer.from(std.json().signature, "base64").toString("base64url")]);
    expect(verified.json().isValid).toBe(true);
  });

  test("--data and --file hash with the algorithm's hash", async () => {
    writeFileSync(join(home.dir, "doc.txt"), "data");
    const byDigest = (await cli(["sign", ...K, "-a", "RS256", "--digest", SHA256.toString("base64")])).json().signature;
    expect((await cli(["sign", ...K, "-a", "RS256", "--data", "data"])).json().signature).toBe(byDigest);
    expect((await cli(["sign", ...K, "-a", "RS256", "-f", "doc.txt"], { cwd: home.dir })).json().signature).toBe(byDigest);
    const sha512 = createHash("sha512").update("data").digest("base64");
    expect((await cli(["sign", ...K, "-a", "RS512", "--data", "data"])).json().signature).toBe(
      (await cli(["sign", ...K, "-a", "RS512", "--digest", sha512])).json().signature,
    );
  });

  test("whitespace in base64 (wrapped output of `base64`) is ignored; a --value starting with a dash is given as --value=...", async () => {
    const wrapped = await cli(["encrypt", ...K, "-a", "RSA-OAEP", "--value", "aGVs\nbG8="]);
    expect(wrapped.code).toBe(0);
    const back = await cli(["decrypt", ...K, "-a", "RSA-OAEP", "--value", wrapped.json().result, "--data-type", "plaintext"]);
    expect(back.json().result).toBe("hello");
    // As in argparse (so in az), a word starting with a dash is an option: it needs the `=` form.
    const spaced = await cli(["wrap-key", ...K, "-a", "RSA-OAEP", "--value", "-_-_"]);
    expect(spaced).toMatchObject({ code: 2, stderr: "ERROR: argument --value: expected one argument\n" });
    const dash = await cli(["wrap-key", ...K, "-a", "RSA-OAEP", "--value=-_-_"]);
    expect(dash.code).toBe(0);
    expect((await cli(["unwrap-key", ...K, "-a", "RSA-OAEP", "--value", dash.json().result])).json().result).toBe(Buffer.from("-_-_", "base64url").toString("base64"));
  });

  test("decrypt --data-type plaintext of bytes that are not UTF-8 is an error that does not echo them", async () => {
    const enc = await cli(["encrypt", ...K, "-a", "RSA-OAEP", "--value", "/w=="]);
    const run = await cli(["decrypt", ...K, "-a", "RSA-OAEP", "--value", enc.json().result, "--data-type", "plaintext"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ERROR: The decrypted data is not UTF-8 text; use --data-type base64 to get it as base64\.$/m);
  });
});
