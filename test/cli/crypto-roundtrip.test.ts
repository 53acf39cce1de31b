import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { LOWER_HEX, STD_BASE64 } from "./crypto-helpers.js";

// Every algorithm of issue 4 through the CLI and the embedded emulator: what encrypt/wrap-key/sign
// produce, decrypt/unwrap-key/verify accept, in az's output shapes.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
const V = ["--vault-name", "rt"];
const H = ["--hsm-name", "rthsm"];
const ALL_OPS = ["--ops", "encrypt", "decrypt", "wrapKey", "unwrapKey", "sign", "verify"];

beforeAll(async () => {
  home = tempDataDir();
  cli = cliIn(home.dir);
  const creates = [
    [...V, "-n", "rsa"],
    [...V, "-n", "p256", "--curve", "P-256"],
    [...V, "-n", "p256k", "--curve", "P-256K"],
    [...V, "-n", "p384", "--curve", "P-384"],
    [...V, "-n", "p521", "--curve", "P-521"],
    [...H, "-n", "aes128", "--kty", "oct-HSM", "--size", "128", ...ALL_OPS],
    [...H, "-n", "aes192", "--kty", "oct-HSM", "--size", "192", ...ALL_OPS],
    [...H, "-n", "aes256", "--kty", "oct-HSM", "--size", "256", ...ALL_OPS],
  ];
  for (const args of creates) expect((await cli(["create", ...args, "-o", "none"])).code).toBe(0);
});
afterAll(() => home.cleanup());

async function ok(args: string[]) {
  const run = await cli(args);
  if (run.code !== 0) throw new Error(`kvkey ${args.join(" ")} -> ${run.code}: ${run.stderr}`);
  return run.json();
}

const KID = (container: string, name: string) => new RegExp(`^https://${container.replace(".", "\\.")}\\.localhost/keys/${name}/[0-9a-f]{32}$`);

describe("RSA encrypt/decrypt and wrap-key/unwrap-key", () => {
  test.each(["RSA1_5", "RSA-OAEP", "RSA-OAEP-256"])("%s", async (alg) => {
    const enc = await cli(["encrypt", ...V, "-n", "rsa", "-a", alg, "--value", "attack at dawn", "--data-type", "plaintext"]);
    expect(enc.code).toBe(0);
    expect(enc.stderr).toBe("WARNING: This command is in preview and under development. Reference and support levels: https://aka.ms/CLI_refstatus\n");
    const out = enc.json();
    expect(Object.keys(out)).toEqual(["aad", "algorithm", "iv", "kid", "result", "tag"]);
    expect(out).toMatchObject({ aad: null, algorithm: alg, iv: null, tag: null, kid: expect.stringMatching(KID("rt.vault", "rsa")) });
    expect(out.result).toMatch(STD_BASE64);
    expect(Buffer.from(out.result, "base64")).toHaveLength(256);

    const dec = await ok(["decrypt", ...V, "-n", "rsa", "-a", alg, "--value", out.result, "--data-type", "plaintext"]);
    expect(dec).toEqual({ algorithm: alg, kid: out.kid, result: "attack at dawn" });
    const asBase64 = await ok(["decrypt", ...V, "-n", "rsa", "-a", alg, "--value", out.result]);
    expect(asBase64.result).toBe(Buffer.from("attack at dawn").toString("base64"));

    const dataKey = randomBytes(32);
    const wrapped = await ok(["wrap-key", ...V, "-n", "rsa", "-a", alg, "--value", dataKey.toString("base64")]);
    expect(wrapped).toMatchObject({ algorithm: alg, kid: out.kid, aad: null, iv: null, tag: null });
    const unwrapped = await ok(["unwrap-key", ...V, "-n", "rsa", "-a", alg, "--value", wrapped.result]);
    expect(unwrapped).toEqual({ algorithm: alg, kid: out.kid, result: dataKey.toString("base64") });
  });

  test("--version and --id address one version; the latest is used otherwise", async () => {
    await ok(["create", ...V, "-n", "rsa2"]);
    const v1 = (await ok(["show", ...V, "-n", "rsa2"])).key.kid as string;
    await ok(["create", ...V, "-n", "rsa2"]);
    const enc = await ok(["encrypt", "--id", v1, "-a", "RSA-OAEP-256", "--value", "AAEC"]);
    expect(enc.kid).toBe(v1);
    const byVersion = await ok(["decrypt", ...V, "-n", "rsa2", "-v", v1.split("/").pop()!, "-a", "RSA-OAEP-256", "--value", enc.result]);
    expect(byVersion.result).toBe("AAEC");
    // The latest version holds another key pair: it cannot decrypt the first version's ciphertext.
    const latest = await cli(["decrypt", ...V, "-n", "rsa2", "-a", "RSA-OAEP-256", "--value", enc.result]);
    expect(latest.code).toBe(1);
    expect(latest.stderr).toMatch(/ERROR: \(BadParameter\)/);
  });
});

describe("RSA sign/verify", () => {
  const HASH = { "256": "sha256", "384": "sha384", "512": "sha512" } as const;
  test.each(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"])("%s over a digest given as standard base64", async (alg) => {
    const digest = createHash(HASH[alg.slice(2) as "256"]).update("release 1.0").digest();
    const signed = await cli(["sign", ...V, "-n", "rsa", "-a", alg, "--digest", digest.toString("base64")]);
    expect(signed.code).toBe(0);
    expect(signed.stderr).toBe("");
    const out = signed.json();
    expect(Object.keys(out)).toEqual(["algorithm", "keyId", "signature"]);
    expect(out.keyId).toMatch(KID("rt.vault", "rsa"));
    expect(Buffer.from(out.signature, "base64")).toHaveLength(256);

    const verified = await ok(["verify", ...V, "-n", "rsa", "-a", alg, "--digest", digest.toString("base64"), "--signature", out.signature]);
    expect(verified).toEqual({ algorithm: alg, isValid: true, keyId: "https://rt.vault.localhost/keys/rsa" });
    const other = createHash(HASH[alg.slice(2) as "256"]).update("release 1.1").digest();
    const rejected = await ok(["verify", ...V, "-n", "rsa", "-a", alg, "--digest", other.toString("base64"), "--signature", out.signature]);
    expect(rejected.isValid).toBe(false);
  });
});

describe("EC sign/verify", () => {
  test.each([
    ["ES256", "p256", 64],
    ["ES256K", "p256k", 64],
    ["ES384", "p384", 96],
    ["ES512", "p521", 132],
  ] as const)("%s on %s: raw r||s of %i bytes", async (alg, key, size) => {
    const signed = await ok(["sign", ...V, "-n", key, "-a", alg, "--data", "hello"]);
    expect(Buffer.from(signed.signature, "base64")).toHaveLength(size);
    expect((await ok(["verify", ...V, "-n", key, "-a", alg, "--data", "hello", "--signature", signed.signature])).isValid).toBe(true);
    expect((await ok(["verify", ...V, "-n", key, "-a", alg, "--data", "hellO", "--signature", signed.signature])).isValid).toBe(false);
  });
});

describe("AES in a Managed HSM", () => {
  test.each(["128", "192", "256"])("A%sGCM: service IV and tag in hex, aad honoured", async (bits) => {
    const alg = `A${bits}GCM`;
    const enc = await ok(["encrypt", ...H, "-n", `aes${bits}`, "-a", alg, "--value", "c2VjcmV0IGRhdGE=", "--aad", "0A0B0C"]);
    expect(enc).toMatchObject({ algorithm: alg, aad: "0a0b0c", kid: expect.stringMatching(KID("rthsm.managedhsm", `aes${bits}`)) });
    expect(enc.iv).toMatch(LOWER_HEX);
    expect(enc.iv).toHaveLength(24);
    expect(enc.tag).toMatch(LOWER_HEX);
    expect(enc.tag).toHaveLength(32);
    const base = ["decrypt", ...H, "-n", `aes${bits}`, "-a", alg, "--value", enc.result, "--iv", enc.iv, "--tag", enc.tag];
    expect((await ok([...base, "--aad", enc.aad])).result).toBe("c2VjcmV0IGRhdGE=");
    const wrongAad = await cli([...base, "--aad", "0a0b0d"]);
    expect(wrongAad.code).toBe(1);
    expect(wrongAad.stderr).toMatch(/ERROR: \(BadParameter\)/);
  });

  test.each(["128", "192", "256"])("A%sCBC and A%sCBCPAD: without --iv kvkey sends a random one and prints it", async (bits) => {
    const block = randomBytes(32).toString("base64");
    const cbc = await ok(["encrypt", ...H, "-n", `aes${bits}`, "-a", `A${bits}CBC`, "--value", block]);
    expect(cbc.iv).toMatch(/^[0-9a-f]{32}$/);
    expect(cbc.tag).toBeNull();
    expect(Buffer.from(cbc.result, "base64")).toHaveLength(32);
    expect((await ok(["decrypt", ...H, "-n", `aes${bits}`, "-a", `A${bits}CBC`, "--value", cbc.result, "--iv", cbc.iv])).result).toBe(block);

    const again = await ok(["encrypt", ...H, "-n", `aes${bits}`, "-a", `A${bits}CBC`, "--value", block]);
    expect(again.iv).not.toBe(cbc.iv);

    const pad = await ok(["encrypt", ...H, "-n", `aes${bits}`, "-a", `A${bits}CBCPAD`, "--value", "hello", "--data-type", "plaintext", "--iv", "00112233445566778899aabbccddeeff"]);
    expect(pad.iv).toBe("00112233445566778899aabbccddeeff");
    expect(Buffer.from(pad.result, "base64")).toHaveLength(16);
    const back = await ok(["decrypt", ...H, "-n", `aes${bits}`, "-a", `A${bits}CBCPAD`, "--value", pad.result, "--iv", pad.iv, "--data-type", "plaintext"]);
    expect(back.result).toBe("hello");
  });

  test.each(["128", "192", "256"])("A%sKW, CKM_AES_KEY_WRAP and CKM_AES_KEY_WRAP_PAD wrap and unwrap", async (bits) => {
    const key = `aes${bits}`;
    const dataKey = randomBytes(24).toString("base64");
    for (const alg of [`A${bits}KW`, "CKM_AES_KEY_WRAP"]) {
      const wrapped = await ok(["wrap-key", ...H, "-n", key, "-a", alg, "--value", dataKey]);
      expect(Buffer.from(wrapped.result, "base64")).toHaveLength(32);
      expect((await ok(["unwrap-key", ...H, "-n", key, "-a", alg, "--value", wrapped.result])).result).toBe(dataKey);
    }
    const odd = Buffer.from("seventeen bytes!!").toString("base64");
    const padded = await ok(["wrap-key", ...H, "-n", key, "-a", "CKM_AES_KEY_WRAP_PAD", "--value", odd]);
    expect((await ok(["unwrap-key", ...H, "-n", key, "-a", "CKM_AES_KEY_WRAP_PAD", "--value", padded.result])).result).toBe(odd);
  });

  test.each(["256", "384", "512"])("HS%s signs and verifies (kvkey hashes --data first)", async (bits) => {
    const signed = await ok(["sign", ...H, "-n", "aes256", "-a", `HS${bits}`, "--data", "mac me"]);
    expect(Buffer.from(signed.signature, "base64")).toHaveLength(Number(bits) / 8);
    expect((await ok(["verify", ...H, "-n", "aes256", "-a", `HS${bits}`, "--data", "mac me", "--signature", signed.signature])).isValid).toBe(true);
    expect((await ok(["verify", ...H, "-n", "aes256", "-a", `HS${bits}`, "--data", "mac mE", "--signature", signed.signature])).isValid).toBe(false);
  });
});

describe("random", () => {
  test("bytes from a Managed HSM as standard base64; -o tsv and --query work on it", async () => {
    const run = await cli(["random", ...H, "--count", "48"]);
    expect(run.code).toBe(0);
    expect(Object.keys(run.json())).toEqual(["value"]);
    expect(Buffer.from(run.json().value, "base64")).toHaveLength(48);
    expect(run.json().value).toMatch(STD_BASE64);
    const byId = await cli(["random", "--id", "https://rthsm.managedhsm.localhost", "--count", "3", "--query", "value", "-o", "tsv"]);
    expect(byId.stdout).toMatch(/^[A-Za-z0-9+/]{4}\n$/);
  });

  test("the service decides the count's range and that a vault has no RNG", async () => {
    const tooMany = await cli(["random", ...H, "--count", "129"]);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/^ERROR: \(BadParameter\) The count must be an integer from 1 to 128/);
    const vault = await cli(["random", "--id", "https://rt.vault.localhost", "--count", "8"]);
    expect(vault.code).toBe(1);
    expect(vault.stderr).toMatch(/^ERROR: \(BadParameter\) Random bytes are available from a Managed HSM only/);
  });
});
