import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tempDataDir } from "../helpers/emulator.js";

// The crypto commands in the built binary, the way a CI script uses them: sign a file, check the
// signature with openssl and the downloaded public key, protect a data key, get random bytes.

const run = promisify(execFile);
const BIN = fileURLToPath(new URL("../../dist/kvkey.js", import.meta.url));

let home: { dir: string; cleanup: () => void };

async function kvkey(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, KVKEY_HOME: home.dir, HOME: home.dir },
      cwd: home.dir,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` (npm test does) first`);
  home = tempDataDir();
});
afterAll(() => home.cleanup());

describe("crypto commands of the kvkey binary", () => {
  test("sign a release file, verify with openssl and the downloaded key, and with kvkey", async () => {
    expect((await kvkey("create", "--vault-name", "ci", "-n", "release", "--kty", "EC", "--curve", "P-256", "-o", "none")).code).toBe(0);
    writeFileSync(join(home.dir, "release.tar"), "pretend tarball\n".repeat(100));
    const signed = await kvkey("sign", "--vault-name", "ci", "-n", "release", "-a", "ES256", "--file", "release.tar", "--query", "signature", "-o", "tsv");
    expect(signed.code).toBe(0);
    const signature = signed.stdout.trim();
    expect(Buffer.from(signature, "base64")).toHaveLength(64);

    expect((await kvkey("download", "--vault-name", "ci", "-n", "release", "-f", "release.pub.pem")).code).toBe(0);
    expect(readFileSync(join(home.dir, "release.pub.pem"), "utf8")).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    // openssl wants DER ECDSA signatures: let openssl itself convert r||s (ASN.1 SEQUENCE of two INTEGERs).
    const raw = Buffer.from(signature, "base64");
    const conf = `asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x${raw.subarray(0, 32).toString("hex")}\ns=INTEGER:0x${raw.subarray(32).toString("hex")}\n`;
    writeFileSync(join(home.dir, "sig.cnf"), conf);
    execFileSync("openssl", ["asn1parse", "-genconf", "sig.cnf", "-out", "release.sig", "-noout"], { cwd: home.dir });
    const verified = execFileSync("openssl", ["dgst", "-sha256", "-verify", "release.pub.pem", "-signature", "release.sig", "release.tar"], { cwd: home.dir });
    expect(verified.toString()).toContain("Verified OK");

    const check = await kvkey("verify", "--vault-name", "ci", "-n", "release", "-a", "ES256", "--file", "release.tar", "--signature", signature, "--query", "isValid");
    expect(check).toMatchObject({ code: 0, stdout: "true\n" });

    const again = await kvkey("download", "--vault-name", "ci", "-n", "release", "-f", "release.pub.pem");
    expect(again).toMatchObject({ code: 1, stdout: "", stderr: "ERROR: File or directory named 'release.pub.pem' already exists.\n" });
  });

  test("encrypt and decrypt with az's preview warning; wrap and unwrap a data key; random bytes from an HSM", async () => {
    expect((await kvkey("create", "--vault-name", "ci", "-n", "kek", "-o", "none")).code).toBe(0);
    const enc = await kvkey("encrypt", "--vault-name", "ci", "-n", "kek", "-a", "RSA-OAEP-256", "--value", "s3cret", "--data-type", "plaintext");
    expect(enc.code).toBe(0);
    expect(enc.stderr).toBe("WARNING: This command is in preview and under development. Reference and support levels: https://aka.ms/CLI_refstatus\n");
    const dec = await kvkey("decrypt", "--vault-name", "ci", "-n", "kek", "-a", "RSA-OAEP-256", "--value", JSON.parse(enc.stdout).result, "--data-type", "plaintext", "--only-show-errors");
    expect(dec.stderr).toBe("");
    expect(JSON.parse(dec.stdout).result).toBe("s3cret");

    const wrapped = await kvkey("wrap-key", "--vault-name", "ci", "-n", "kek", "-a", "RSA-OAEP", "--value", "AAECAwQFBgcICQoLDA0ODw==", "--query", "result", "-o", "tsv");
    const unwrapped = await kvkey("unwrap-key", "--vault-name", "ci", "-n", "kek", "-a", "RSA-OAEP", "--value", wrapped.stdout.trim(), "--query", "result", "-o", "tsv");
    expect(unwrapped.stdout).toBe("AAECAwQFBgcICQoLDA0ODw==\n");

    const random = await kvkey("random", "--hsm-name", "cihsm", "--count", "16");
    expect(random.code).toBe(0);
    expect(Buffer.from(JSON.parse(random.stdout).value, "base64")).toHaveLength(16);
  });

  test("argument errors exit 2 with az's messages", async () => {
    const bad = await kvkey("encrypt", "--vault-name", "ci", "-n", "kek", "-a", "RSA-OAEP", "--value", "!!notbase64");
    expect(bad).toMatchObject({ code: 2, stdout: "", stderr: "ERROR: Invalid base64-encoded string: number of data characters (9) cannot be 1 more than a multiple of 4\n" });
    const vault = await kvkey("random", "--vault-name", "ci", "--count", "8");
    expect(vault).toMatchObject({ code: 2, stdout: "" });
    expect(vault.stderr).toMatch(/^ERROR: unrecognized arguments: --vault-name/);
  });
});
