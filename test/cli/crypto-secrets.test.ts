import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cliIn, type CliRun } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import type { PrivateMaterial } from "../../src/emulator/crypto/material.js";
import { privateMaterial, spellings } from "./crypto-helpers.js";

// No private or symmetric key material — and no plaintext beyond decrypt's own `result` — in anything
// the crypto commands print, with --debug on (every HTTP exchange and, on errors, stack traces).

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
const V = ["--vault-name", "leak"];
const H = ["--hsm-name", "leakhsm"];
const PLAINTEXT = "the plaintext must stay inside result";
const PLAIN_B64 = Buffer.from(PLAINTEXT).toString("base64");

beforeAll(async () => {
  home = tempDataDir();
  cli = cliIn(home.dir);
  for (const args of [
    [...V, "-n", "rsa"],
    [...V, "-n", "ec", "--curve", "P-384"],
    [...H, "-n", "aes", "--kty", "oct-HSM", "--size", "256", "--ops", "encrypt", "decrypt", "wrapKey", "unwrapKey", "sign", "verify"],
  ]) {
    expect((await cli(["create", ...args, "-o", "none"])).code).toBe(0);
  }
});
afterAll(() => home.cleanup());

/** The private members only (n, e, x, y, crv are public). */
function secrets(material: PrivateMaterial): Array<[string, Buffer]> {
  const b = (v: string) => Buffer.from(v, "base64url");
  switch (material.family) {
    case "RSA":
      return [["d", b(material.d)], ["p", b(material.p)], ["q", b(material.q)], ["dp", b(material.dp)], ["dq", b(material.dq)], ["qi", b(material.qi)]];
    case "EC":
      return [["d", b(material.d)]];
    case "oct":
      return [["k", b(material.k)]];
  }
}

function expectClean(runs: CliRun[], material: PrivateMaterial): void {
  const text = runs.map((r) => r.stdout + r.stderr).join("\n");
  for (const [member, secret] of secrets(material)) {
    expect(secret.length).toBeGreaterThanOrEqual(16);
    for (const spelling of spellings(secret)) {
      if (text.includes(spelling)) throw new Error(`private member ${member} appears in the output (${spelling.slice(0, 12)}...)`);
    }
  }
}

describe("--debug traces of the crypto commands", () => {
  test("RSA: no private member in any output; the plaintext only in decrypt's result", async () => {
    const enc = await cli(["encrypt", ...V, "-n", "rsa", "-a", "RSA-OAEP", "--value", PLAINTEXT, "--data-type", "plaintext", "--debug"]);
    expect(enc.code).toBe(0);
    expect(enc.stderr).toMatch(/DEBUG: Request: POST /);
    const dec = await cli(["decrypt", ...V, "-n", "rsa", "-a", "RSA-OAEP", "--value", enc.json().result, "--data-type", "plaintext", "--debug"]);
    expect(dec.json().result).toBe(PLAINTEXT);
    const runs = [
      enc,
      dec,
      await cli(["wrap-key", ...V, "-n", "rsa", "-a", "RSA-OAEP-256", "--value", PLAIN_B64, "--debug"]),
      await cli(["sign", ...V, "-n", "rsa", "-a", "PS512", "--data", "doc", "--debug"]),
      await cli(["verify", ...V, "-n", "rsa", "-a", "PS512", "--data", "doc", "--signature", "AAAA", "--debug"]),
      // Failures print a stack trace with --debug.
      await cli(["decrypt", ...V, "-n", "rsa", "-a", "RSA-OAEP", "--value", "AAAA", "--debug"]),
      await cli(["sign", ...V, "-n", "rsa", "-a", "ES256", "--data", "doc", "--debug"]),
      await cli(["download", ...V, "-n", "rsa", "-f", `${home.dir}/rsa.pem`, "--debug"]),
    ];
    expect(runs[5]!.code).toBe(1);
    expect(runs[5]!.stderr).toMatch(/\n\s+at /);
    expectClean(runs, privateMaterial(home.dir, { name: "leak", kind: "vault" }, "rsa"));
    // The plaintext appears in decrypt's stdout and nowhere else (not in encrypt's trace, not on stderr).
    for (const [i, run] of runs.entries()) {
      expect(run.stderr).not.toContain(PLAINTEXT);
      expect(run.stderr).not.toContain(PLAIN_B64);
      if (i !== 1) expect(run.stdout).not.toContain(PLAINTEXT);
    }
  });

  test("EC: no private member in sign/verify/download output", async () => {
    const signed = await cli(["sign", ...V, "-n", "ec", "-a", "ES384", "--data", "doc", "--debug"]);
    expect(signed.code).toBe(0);
    const runs = [
      signed,
      await cli(["verify", ...V, "-n", "ec", "-a", "ES384", "--data", "doc", "--signature", signed.json().signature, "--debug"]),
      await cli(["download", ...V, "-n", "ec", "-f", `${home.dir}/ec.der`, "-e", "DER", "--debug"]),
      await cli(["encrypt", ...V, "-n", "ec", "-a", "RSA-OAEP", "--value", "AAEC", "--debug"]),
    ];
    expect(runs[3]!.code).toBe(1);
    expectClean(runs, privateMaterial(home.dir, { name: "leak", kind: "vault" }, "ec"));
  });

  test("AES: the symmetric key never appears, in successes or failures", async () => {
    const enc = await cli(["encrypt", ...H, "-n", "aes", "-a", "A256GCM", "--value", PLAIN_B64, "--debug"]);
    expect(enc.code).toBe(0);
    const o = enc.json();
    const wrapped = await cli(["wrap-key", ...H, "-n", "aes", "-a", "A256KW", "--value", "AAECAwQFBgcICQoLDA0ODw==", "--debug"]);
    const runs = [
      enc,
      await cli(["decrypt", ...H, "-n", "aes", "-a", "A256GCM", "--value", o.result, "--iv", o.iv, "--tag", o.tag, "--debug"]),
      await cli(["encrypt", ...H, "-n", "aes", "-a", "A256CBCPAD", "--value", PLAIN_B64, "--debug"]),
      wrapped,
      await cli(["unwrap-key", ...H, "-n", "aes", "-a", "A256KW", "--value", wrapped.json().result, "--debug"]),
      await cli(["sign", ...H, "-n", "aes", "-a", "HS256", "--data", "mac", "--debug"]),
      await cli(["decrypt", ...H, "-n", "aes", "-a", "A256GCM", "--value", o.result, "--iv", o.iv, "--tag", "00".repeat(16), "--debug"]),
      await cli(["download", ...H, "-n", "aes", "-f", `${home.dir}/aes.pem`, "--debug"]),
      await cli(["random", ...H, "--count", "32", "--debug"]),
    ];
    expect(runs[6]!.code).toBe(1);
    expect(runs[7]!.code).toBe(1);
    expectClean(runs, privateMaterial(home.dir, { name: "leakhsm", kind: "managedhsm" }, "aes"));
  });

  test("the scan itself finds a leaked member (so the assertions above can fail)", () => {
    const material = privateMaterial(home.dir, { name: "leakhsm", kind: "managedhsm" }, "aes");
    if (material.family !== "oct") throw new Error("expected oct material");
    const leaked: CliRun = { code: 0, stdout: `"k": "${Buffer.from(material.k, "base64url").toString("base64")}"`, stderr: "", json: () => ({}) as never };
    expect(() => expectClean([leaked], material)).toThrow(/private member k appears/);
  });
});
