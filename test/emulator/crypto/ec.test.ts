import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHash, generateKeyPairSync, randomBytes, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import type { KeyCurveName } from "@azure/keyvault-keys";
import { testVault, type TestVault } from "../../helpers/emulator.js";
import { opensslVerifies, publicKeyOf, rawToDer, scratch, unb64u } from "./helpers.js";

// ECDSA over a caller's digest on all four curves. Emulator signatures are raw r||s; node:crypto
// checks them as IEEE P1363 and the openssl CLI as DER (converted by the test, not the emulator).

let vault: TestVault;
let files: ReturnType<typeof scratch>;

beforeAll(() => {
  vault = testVault();
  files = scratch();
});
afterAll(() => {
  files.cleanup();
  vault.close();
});

const CASES: { alg: "ES256" | "ES256K" | "ES384" | "ES512"; curve: KeyCurveName; hash: string; half: number }[] = [
  { alg: "ES256", curve: "P-256", hash: "sha256", half: 32 },
  { alg: "ES256K", curve: "P-256K", hash: "sha256", half: 32 },
  { alg: "ES384", curve: "P-384", hash: "sha384", half: 48 },
  { alg: "ES512", curve: "P-521", hash: "sha512", half: 66 },
];

describe.each(CASES)("$alg on $curve", ({ alg, curve, hash, half }) => {
  const name = `ec-${alg.toLowerCase()}`;

  test("the emulator's raw r||s signature verifies with node:crypto (ieee-p1363) and openssl (DER)", async () => {
    const key = await vault.client.createEcKey(name, { curve });
    const client = vault.client.getCryptographyClient(name);
    const publicKey = publicKeyOf(key);
    const pem = files.path(`${name}.pem`, publicKey.export({ type: "spki", format: "pem" }) as string);

    const data = randomBytes(64);
    const digest = createHash(hash).update(data).digest();
    const signed = await client.sign(alg, digest);
    const signature = Buffer.from(signed.result);
    expect(signature.length).toBe(2 * half);
    expect(signed.keyID).toBe(key.id);

    expect(nodeVerify(hash, data, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)).toBe(true);
    expect(nodeVerify(hash, Buffer.concat([data, Buffer.from("x")]), { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)).toBe(false);

    const dataFile = files.path(`${name}.data`, data);
    const sigFile = files.path(`${name}.sig`, rawToDer(signature));
    expect(opensslVerifies(["dgst", `-${hash}`, "-verify", pem, "-signature", sigFile, dataFile])).toBe(true);
    const otherFile = files.path(`${name}.other`, Buffer.concat([data, Buffer.from("x")]));
    expect(opensslVerifies(["dgst", `-${hash}`, "-verify", pem, "-signature", sigFile, otherFile])).toBe(false);

    // And the emulator verifies its own signature, and rejects it for another digest.
    expect((await client.verify(alg, digest, signature)).result).toBe(true);
    const other = createHash(hash).update("other").digest();
    expect((await client.verify(alg, other, signature)).result).toBe(false);
  });

  test("signatures from node:crypto with the same key verify in the emulator, high-S ones included", async () => {
    const nodeCurve = curve === "P-256K" ? "secp256k1" : curve;
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: nodeCurve });
    const jwk = privateKey.export({ format: "jwk" });
    const imported = await vault.client.importKey(`${name}-known`, {
      kty: "EC", crv: curve, x: unb64u(jwk.x!), y: unb64u(jwk.y!), d: unb64u(jwk.d!), keyOps: ["sign", "verify"],
    });
    const client = vault.client.getCryptographyClient(imported.name);
    // OpenSSL does not normalise s, so about half of these have s > n/2: ten signatures make it all
    // but certain that both halves are exercised.
    for (let i = 0; i < 10; i++) {
      const data = randomBytes(32);
      const signature = nodeSign(hash, data, { key: privateKey, dsaEncoding: "ieee-p1363" });
      const digest = createHash(hash).update(data).digest();
      expect((await client.verify(alg, digest, signature)).result).toBe(true);
    }
  });
});

test("signatures differ from run to run (hedged nonces), yet all verify", async () => {
  await vault.client.createEcKey("ec-hedged", { curve: "P-256" });
  const client = vault.client.getCryptographyClient("ec-hedged");
  const digest = createHash("sha256").update("same").digest();
  const a = Buffer.from((await client.sign("ES256", digest)).result);
  const b = Buffer.from((await client.sign("ES256", digest)).result);
  expect(a.equals(b)).toBe(false);
  expect((await client.verify("ES256", digest, a)).result).toBe(true);
  expect((await client.verify("ES256", digest, b)).result).toBe(true);
});

test("a malformed signature (wrong length) verifies false rather than failing", async () => {
  await vault.client.createEcKey("ec-short", { curve: "P-384" });
  const client = vault.client.getCryptographyClient("ec-short");
  const digest = createHash("sha384").update("x").digest();
  expect((await client.verify("ES384", digest, randomBytes(95))).result).toBe(false);
});
