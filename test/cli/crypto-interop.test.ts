import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createCipheriv, createHash, createHmac, createPrivateKey, createPublicKey, constants, privateDecrypt, publicEncrypt, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { openssl, opensslVerifies, rawToDer, scratch } from "../emulator/crypto/helpers.js";
import { importOctKey, privateMaterial } from "./crypto-helpers.js";

// Independent agreement: what kvkey and the emulator produce, standard implementations (the openssl
// CLI, node:crypto) accept, and the other way round — using only the public key `kvkey download`
// wrote, or AES keys imported with bytes the test knows.

let home: { dir: string; cleanup: () => void };
let files: ReturnType<typeof scratch>;
let cli: ReturnType<typeof cliIn>;
const V = ["--vault-name", "io"];
const H = ["--hsm-name", "iohsm"];
const K128 = Buffer.from("000102030405060708090a0b0c0d0e0f", "hex");
const K192 = Buffer.from("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "hex");
const K256 = Buffer.from("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "hex");
const AES_OPS = ["encrypt", "decrypt", "wrapKey", "unwrapKey", "sign", "verify"];

beforeAll(async () => {
  home = tempDataDir();
  files = scratch();
  cli = cliIn(home.dir);
  for (const args of [["-n", "rsa"], ["-n", "p256", "--curve", "P-256"], ["-n", "p256k", "--curve", "P-256K"], ["-n", "p384", "--curve", "P-384"], ["-n", "p521", "--curve", "P-521"]]) {
    expect((await cli(["create", ...V, ...args, "-o", "none"])).code).toBe(0);
  }
  await importOctKey(home.dir, "iohsm", "k128", K128, AES_OPS);
  await importOctKey(home.dir, "iohsm", "k192", K192, AES_OPS);
  await importOctKey(home.dir, "iohsm", "k256", K256, AES_OPS);
});
afterAll(() => {
  files.cleanup();
  home.cleanup();
});

async function ok(args: string[]) {
  const run = await cli(args);
  if (run.code !== 0) throw new Error(`kvkey ${args.join(" ")} -> ${run.code}: ${run.stderr}`);
  return run.json();
}

/** `kvkey download` in both encodings, once per key (download refuses to overwrite). */
const downloaded = new Map<string, { pem: string; der: string }>();
async function download(key: string): Promise<{ pem: string; der: string }> {
  const done = downloaded.get(key);
  if (done) return done;
  const pem = files.path(`${key}.pub.pem`);
  const der = files.path(`${key}.pub.der`);
  const runs = [await cli(["download", ...V, "-n", key, "-f", pem]), await cli(["download", ...V, "-n", key, "-f", der, "-e", "DER"])];
  for (const run of runs) expect(run).toMatchObject({ code: 0, stdout: "", stderr: "" });
  downloaded.set(key, { pem, der });
  return { pem, der };
}

describe("download", () => {
  test("writes the SubjectPublicKeyInfo that show describes, as PEM or DER", async () => {
    const { pem, der } = await download("rsa");
    const text = readFileSync(pem, "utf8");
    expect(text).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
    const fromDer = createPublicKey({ key: readFileSync(der), format: "der", type: "spki" });
    expect(fromDer.export({ format: "jwk" })).toEqual(createPublicKey(text).export({ format: "jwk" }));
    const shown = (await ok(["show", ...V, "-n", "rsa"])).key;
    expect(Buffer.from(fromDer.export({ format: "jwk" }).n!, "base64url").toString("base64")).toBe(shown.n);
    // openssl reads both files as public keys.
    expect(openssl(["pkey", "-pubin", "-in", pem, "-noout", "-text"]).toString()).toMatch(/Public-Key: \(2048 bit\)/);
    expect(openssl(["pkey", "-pubin", "-inform", "DER", "-in", der, "-noout", "-text"]).toString()).toMatch(/Public-Key: \(2048 bit\)/);
  });

  test.each([
    ["p256", "prime256v1"],
    ["p256k", "secp256k1"],
    ["p384", "secp384r1"],
    ["p521", "secp521r1"],
  ])("EC %s downloads as a %s public key", async (key, curve) => {
    const { pem, der } = await download(key);
    expect(openssl(["pkey", "-pubin", "-in", pem, "-noout", "-text"]).toString()).toContain(`ASN1 OID: ${curve}`);
    expect(openssl(["pkey", "-pubin", "-inform", "DER", "-in", der, "-noout", "-text"]).toString()).toContain(`ASN1 OID: ${curve}`);
  });
});

describe("signatures from the emulator verify with openssl and the downloaded key", () => {
  const data = randomBytes(1000);
  test.each(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"])("%s (PEM and DER key)", async (alg) => {
    const input = files.path(`rsa-${alg}.bin`, data);
    const { pem, der } = await download("rsa");
    const signed = await ok(["sign", ...V, "-n", "rsa", "-a", alg, "--file", input]);
    const sig = files.path(`rsa-${alg}.sig`, Buffer.from(signed.signature, "base64"));
    const hash = `-sha${alg.slice(2)}`;
    const pss = alg.startsWith("PS") ? ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"] : [];
    expect(opensslVerifies(["dgst", hash, ...pss, "-verify", pem, "-signature", sig, input])).toBe(true);
    expect(opensslVerifies(["dgst", hash, ...pss, "-keyform", "DER", "-verify", der, "-signature", sig, input])).toBe(true);
    const other = files.path(`rsa-${alg}.other`, Buffer.concat([data, Buffer.from([0])]));
    expect(opensslVerifies(["dgst", hash, ...pss, "-verify", pem, "-signature", sig, other])).toBe(false);
  });

  test.each([
    ["ES256", "p256", "-sha256"],
    ["ES256K", "p256k", "-sha256"],
    ["ES384", "p384", "-sha384"],
    ["ES512", "p521", "-sha512"],
  ])("%s (raw r||s converted to DER for openssl)", async (alg, key, hash) => {
    const { pem, der } = await download(key);
    const input = files.path(`${key}.bin`, data);
    const signed = await ok(["sign", ...V, "-n", key, "-a", alg, "--file", input]);
    const sig = files.path(`${key}.sig`, rawToDer(Buffer.from(signed.signature, "base64")));
    expect(opensslVerifies(["dgst", hash, "-verify", pem, "-signature", sig, input])).toBe(true);
    expect(opensslVerifies(["dgst", hash, "-keyform", "DER", "-verify", der, "-signature", sig, input])).toBe(true);
  });

  test("openssl's own ECDSA and PSS signatures verify through kvkey", async () => {
    // The reverse direction needs a private key the test holds, so sign with the emulator's material.
    const material = privateMaterial(home.dir, { name: "io", kind: "vault" }, "rsa");
    if (material.family !== "RSA") throw new Error("expected RSA material");
    const { family: _f, ...jwk } = material;
    const priv = files.path("rsa.key.pem", createPrivateKey({ key: { kty: "RSA", ...jwk }, format: "jwk" }).export({ type: "pkcs8", format: "pem" }));
    const input = files.path("ossl.bin", data);
    const sig = openssl(["dgst", "-sha384", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest", "-sign", priv, input]);
    const digest = createHash("sha384").update(data).digest("base64");
    expect((await ok(["verify", ...V, "-n", "rsa", "-a", "PS384", "--digest", digest, "--signature", sig.toString("base64")])).isValid).toBe(true);
  });
});

describe("ciphertexts made with the downloaded public key decrypt through kvkey", () => {
  test.each([
    ["RSA1_5", ["-pkeyopt", "rsa_padding_mode:pkcs1"]],
    ["RSA-OAEP", ["-pkeyopt", "rsa_padding_mode:oaep"]],
    ["RSA-OAEP-256", ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"]],
  ])("openssl pkeyutl -encrypt %s", async (alg, opts) => {
    const { pem } = await download("rsa");
    const plaintext = randomBytes(40);
    const ciphertext = openssl(["pkeyutl", "-encrypt", "-pubin", "-inkey", pem, ...opts], plaintext);
    expect((await ok(["decrypt", ...V, "-n", "rsa", "-a", alg, "--value", ciphertext.toString("base64")])).result).toBe(plaintext.toString("base64"));
    expect((await ok(["unwrap-key", ...V, "-n", "rsa", "-a", alg, "--value", ciphertext.toString("base64")])).result).toBe(plaintext.toString("base64"));
  });

  test("node:crypto publicEncrypt with the DER key (OAEP with SHA-256)", async () => {
    const der = files.path("node.pub.der");
    expect((await cli(["download", ...V, "-n", "rsa", "-f", der, "--encoding", "der"])).code).toBe(0);
    const key = createPublicKey({ key: readFileSync(der), format: "der", type: "spki" });
    const ciphertext = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, Buffer.from("from node"));
    const run = await ok(["decrypt", ...V, "-n", "rsa", "-a", "RSA-OAEP-256", "--value", ciphertext.toString("base64"), "--data-type", "plaintext"]);
    expect(run.result).toBe("from node");
  });

  test("and the vault's RSA ciphertexts decrypt with an independent implementation", async () => {
    const material = privateMaterial(home.dir, { name: "io", kind: "vault" }, "rsa");
    if (material.family !== "RSA") throw new Error("expected RSA material");
    const { family: _f, ...jwk } = material;
    const priv = createPrivateKey({ key: { kty: "RSA", ...jwk }, format: "jwk" });
    for (const [alg, oaepHash] of [["RSA-OAEP", "sha1"], ["RSA-OAEP-256", "sha256"]] as const) {
      const enc = await ok(["encrypt", ...V, "-n", "rsa", "-a", alg, "--value", "c2VjcmV0"]);
      const plain = privateDecrypt({ key: priv, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, Buffer.from(enc.result, "base64"));
      expect(plain.toString()).toBe("secret");
    }
    // Node 20 refuses PKCS#1 v1.5 decryption; the openssl CLI (3.0) still does it.
    const keyFile = files.path("rsa15.key.pem", priv.export({ type: "pkcs8", format: "pem" }));
    const enc = await ok(["encrypt", ...V, "-n", "rsa", "-a", "RSA1_5", "--value", "c2VjcmV0"]);
    const plain = openssl(["pkeyutl", "-decrypt", "-inkey", keyFile, "-pkeyopt", "rsa_padding_mode:pkcs1"], Buffer.from(enc.result, "base64"));
    expect(plain.toString()).toBe("secret");
  });
});

describe("AES results match node:crypto and openssl for keys with known bytes", () => {
  const cases = [
    ["128", "k128", K128],
    ["192", "k192", K192],
    ["256", "k256", K256],
  ] as const;

  test.each(cases)("A%sGCM both ways", async (bits, name, k) => {
    const aad = Buffer.from("header");
    const enc = await ok(["encrypt", ...H, "-n", name, "-a", `A${bits}GCM`, "--value", "Z2NtIHRleHQ=", "--aad", aad.toString("hex")]);
    const cipher = createCipheriv(`aes-${bits}-gcm`, k, Buffer.from(enc.iv, "hex")).setAAD(aad);
    const expected = Buffer.concat([cipher.update(Buffer.from("gcm text")), cipher.final()]);
    expect(enc.result).toBe(expected.toString("base64"));
    expect(enc.tag).toBe(cipher.getAuthTag().toString("hex"));

    const iv = randomBytes(12);
    const mine = createCipheriv(`aes-${bits}-gcm`, k, iv);
    const ct = Buffer.concat([mine.update("made by node"), mine.final()]);
    const dec = await ok(["decrypt", ...H, "-n", name, "-a", `A${bits}GCM`, "--value", ct.toString("base64"), "--iv", iv.toString("hex"), "--tag", mine.getAuthTag().toString("hex"), "--data-type", "plaintext"]);
    expect(dec.result).toBe("made by node");
  });

  test.each(cases)("A%sCBC and CBCPAD (key %s) equal openssl enc", async (bits, name, k) => {
    const iv = randomBytes(16);
    const block = randomBytes(48);
    const cbc = await ok(["encrypt", ...H, "-n", name, "-a", `A${bits}CBC`, "--value", block.toString("base64"), "--iv", iv.toString("hex")]);
    const ref = openssl(["enc", `-aes-${bits}-cbc`, "-K", k.toString("hex"), "-iv", iv.toString("hex"), "-nopad"], block);
    expect(cbc.result).toBe(ref.toString("base64"));

    const text = Buffer.from("PKCS#7 padded text");
    const pad = await ok(["encrypt", ...H, "-n", name, "-a", `A${bits}CBCPAD`, "--value", text.toString("base64"), "--iv", iv.toString("hex")]);
    const refPad = openssl(["enc", `-aes-${bits}-cbc`, "-K", k.toString("hex"), "-iv", iv.toString("hex")], text);
    expect(pad.result).toBe(refPad.toString("base64"));
    const back = await ok(["decrypt", ...H, "-n", name, "-a", `A${bits}CBCPAD`, "--value", refPad.toString("base64"), "--iv", iv.toString("hex"), "--data-type", "plaintext"]);
    expect(back.result).toBe("PKCS#7 padded text");
  });

  test.each(cases)("A%sKW, CKM_AES_KEY_WRAP (RFC 3394) and CKM_AES_KEY_WRAP_PAD (RFC 5649) equal node's id-aes-wrap", async (bits, name, k) => {
    const dataKey = randomBytes(32);
    const kw = createCipheriv(`id-aes${bits}-wrap`, k, Buffer.from("A6A6A6A6A6A6A6A6", "hex"));
    const expected = Buffer.concat([kw.update(dataKey), kw.final()]).toString("base64");
    expect((await ok(["wrap-key", ...H, "-n", name, "-a", `A${bits}KW`, "--value", dataKey.toString("base64")])).result).toBe(expected);
    expect((await ok(["wrap-key", ...H, "-n", name, "-a", "CKM_AES_KEY_WRAP", "--value", dataKey.toString("base64")])).result).toBe(expected);

    const odd = randomBytes(21);
    const kwp = createCipheriv(`id-aes${bits}-wrap-pad`, k, Buffer.from("A65959A6", "hex"));
    const padded = Buffer.concat([kwp.update(odd), kwp.final()]);
    expect((await ok(["wrap-key", ...H, "-n", name, "-a", "CKM_AES_KEY_WRAP_PAD", "--value", odd.toString("base64")])).result).toBe(padded.toString("base64"));
    expect((await ok(["unwrap-key", ...H, "-n", name, "-a", "CKM_AES_KEY_WRAP_PAD", "--value", padded.toString("base64")])).result).toBe(odd.toString("base64"));
  });

  test("HS256/384/512 equal HMAC over the digest", async () => {
    for (const [alg, hash] of [["HS256", "sha256"], ["HS384", "sha384"], ["HS512", "sha512"]] as const) {
      const digest = createHash(hash).update("mac input").digest();
      const expected = createHmac(hash, K256).update(digest).digest("base64");
      expect((await ok(["sign", ...H, "-n", "k256", "-a", alg, "--data", "mac input"])).signature).toBe(expected);
      expect((await ok(["sign", ...H, "-n", "k256", "-a", alg, "--digest", digest.toString("base64")])).signature).toBe(expected);
    }
  });
});
