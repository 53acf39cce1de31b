import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { ManualClock } from "../../../src/emulator/index.js";
import { testVault, type TestVault } from "../../helpers/emulator.js";
import { b64u, raw } from "./helpers.js";

// The rules the service applies before any cryptography: key_ops, enabled, the nbf/exp window, the
// algorithm against the key, digest sizes and base64url. Raw REST, so the SDK's own client-side checks
// (which use the machine's clock and the fetched key_ops) cannot answer in the emulator's place.

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3600;
let clock: ManualClock;
let vault: TestVault;
let url: string;
const digest256 = b64u(createHash("sha256").update("data").digest());

beforeAll(async () => {
  clock = new ManualClock(T0);
  vault = testVault({ clock });
  url = vault.vaultUrl;
  const now = T0 / 1000;
  await vault.client.createRsaKey("rsa", { keySize: 2048 });
  await vault.client.createRsaKey("sign-only", { keySize: 2048, keyOps: ["sign", "verify"] });
  await vault.client.createRsaKey("off", { keySize: 2048, enabled: false });
  await vault.client.createRsaKey("windowed", { keySize: 2048, notBefore: new Date((now + HOUR) * 1000), expiresOn: new Date((now + 2 * HOUR) * 1000) });
  await vault.client.createEcKey("ec", { curve: "P-256" });
});
afterAll(() => vault.close());

const post = (path: string, body: unknown) => raw(vault.emulator, "POST", `${url}${path}`, body);

describe("key_ops", () => {
  test("an operation the key does not list is 403 Forbidden with the service's message", async () => {
    const res = await post("/keys/sign-only//encrypt", { alg: "RSA-OAEP", value: b64u(randomBytes(8)) });
    expect(res.status).toBe(403);
    expect(res.body.error).toEqual({
      code: "Forbidden",
      message: "Operation encrypt is not permitted on this key.",
      innererror: { code: "KeyOperationForbidden" },
    });
    // The route says "wrapkey"; the message uses the key_ops name.
    const wrap = await post("/keys/sign-only//wrapkey", { alg: "RSA-OAEP", value: b64u(randomBytes(8)) });
    expect(wrap.body.error.message).toBe("Operation wrapKey is not permitted on this key.");
    // And a listed one works on the same key.
    expect((await post("/keys/sign-only//sign", { alg: "RS256", value: digest256 })).status).toBe(200);
  });

  test("removing an operation with an update takes effect at once", async () => {
    await vault.client.createEcKey("ec-ops", { curve: "P-256" });
    expect((await post("/keys/ec-ops//sign", { alg: "ES256", value: digest256 })).status).toBe(200);
    await vault.client.updateKeyProperties("ec-ops", { keyOps: ["verify"] });
    const res = await post("/keys/ec-ops//sign", { alg: "ES256", value: digest256 });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe("Operation sign is not permitted on this key.");
  });
});

describe("disabled keys", () => {
  test.each([
    ["encrypt", { alg: "RSA-OAEP", value: b64u(randomBytes(8)) }],
    ["decrypt", { alg: "RSA-OAEP", value: b64u(randomBytes(256)) }],
    ["sign", { alg: "RS256", value: digest256 }],
    ["verify", { alg: "RS256", digest: digest256, value: b64u(randomBytes(256)) }],
  ] as const)("%s on a disabled key is 403 KeyDisabled", async (op, body) => {
    const res = await post(`/keys/off//${op}`, body);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: "Forbidden", message: `Operation ${op} is not allowed on a disabled key.`, innererror: { code: "KeyDisabled" } });
  });
});

describe("the nbf/exp window, on the emulator's clock", () => {
  test("before nbf and after exp: encrypt, wrap and sign are 403; decrypt, unwrap and verify still work", async () => {
    clock.set(T0); // one hour before nbf
    const early = await post("/keys/windowed//sign", { alg: "RS256", value: digest256 });
    expect(early.status).toBe(403);
    expect(early.body.error.innererror.code).toBe("KeyNotYetValid");

    clock.set(T0 + 1.5 * HOUR * 1000); // inside the window: make material to use later
    const signed = await post("/keys/windowed//sign", { alg: "RS256", value: digest256 });
    expect(signed.status).toBe(200);
    const plaintext = randomBytes(16);
    const encrypted = await post("/keys/windowed//encrypt", { alg: "RSA-OAEP-256", value: b64u(plaintext) });
    const wrapped = await post("/keys/windowed//wrapkey", { alg: "RSA-OAEP", value: b64u(plaintext) });
    expect([encrypted.status, wrapped.status]).toEqual([200, 200]);

    clock.set(T0 + 2 * HOUR * 1000); // exactly exp: expired from that second on
    for (const [op, body] of [
      ["encrypt", { alg: "RSA-OAEP-256", value: b64u(plaintext) }],
      ["wrapkey", { alg: "RSA-OAEP", value: b64u(plaintext) }],
      ["sign", { alg: "RS256", value: digest256 }],
    ] as const) {
      const res = await post(`/keys/windowed//${op}`, body);
      expect(res.status, op).toBe(403);
      expect(res.body.error.code).toBe("Forbidden");
      expect(res.body.error.innererror.code).toBe("KeyExpired");
    }
    // Nothing already protected becomes unreadable.
    const decrypted = await post("/keys/windowed//decrypt", { alg: "RSA-OAEP-256", value: encrypted.body.value });
    expect(decrypted.status).toBe(200);
    expect(decrypted.body.value).toBe(b64u(plaintext));
    const unwrapped = await post("/keys/windowed//unwrapkey", { alg: "RSA-OAEP", value: wrapped.body.value });
    expect(unwrapped.body.value).toBe(b64u(plaintext));
    const verified = await post("/keys/windowed//verify", { alg: "RS256", digest: digest256, value: signed.body.value });
    expect(verified).toEqual({ status: 200, body: { value: true } });

    // Before nbf the same three stay allowed, while encrypt and wrap are refused as sign was.
    clock.set(T0);
    const earlyVerify = await post("/keys/windowed//verify", { alg: "RS256", digest: digest256, value: signed.body.value });
    expect(earlyVerify.body).toEqual({ value: true });
    expect((await post("/keys/windowed//decrypt", { alg: "RSA-OAEP-256", value: encrypted.body.value })).body.value).toBe(b64u(plaintext));
    expect((await post("/keys/windowed//unwrapkey", { alg: "RSA-OAEP", value: wrapped.body.value })).body.value).toBe(b64u(plaintext));
    for (const [op, body] of [
      ["encrypt", { alg: "RSA-OAEP-256", value: b64u(plaintext) }],
      ["wrapkey", { alg: "RSA-OAEP", value: b64u(plaintext) }],
    ] as const) {
      const res = await post(`/keys/windowed//${op}`, body);
      expect(res.status, op).toBe(403);
      expect(res.body.error).toMatchObject({ code: "Forbidden", innererror: { code: "KeyNotYetValid" } });
    }
  });
});

describe("400 BadParameter", () => {
  test.each([
    ["an RSA algorithm on an EC key", "/keys/ec//sign", { alg: "RS256", value: digest256 }],
    ["an EC algorithm on an RSA key", "/keys/rsa//sign", { alg: "ES256", value: digest256 }],
    ["an AES algorithm on an RSA key", "/keys/rsa//encrypt", { alg: "A256GCM", value: b64u(randomBytes(8)) }],
    ["a curve that does not match the algorithm", "/keys/ec//sign", { alg: "ES384", value: b64u(randomBytes(48)) }],
    ["an unknown algorithm", "/keys/rsa//sign", { alg: "RS1024", value: digest256 }],
    ["a signature algorithm on encrypt", "/keys/rsa//encrypt", { alg: "RS256", value: digest256 }],
    ["an RS256 digest of 48 bytes", "/keys/rsa//sign", { alg: "RS256", value: b64u(randomBytes(48)) }],
    ["a PS512 digest of 32 bytes", "/keys/rsa//sign", { alg: "PS512", value: digest256 }],
    ["an ES256 digest of 31 bytes", "/keys/ec//sign", { alg: "ES256", value: b64u(randomBytes(31)) }],
    ["a verify digest of the wrong size", "/keys/ec//verify", { alg: "ES256", digest: b64u(randomBytes(20)), value: b64u(randomBytes(64)) }],
    ["a value that is not base64url", "/keys/rsa//sign", { alg: "RS256", value: "not base64url!" }],
    ["standard base64 with '+' and '/'", "/keys/rsa//encrypt", { alg: "RSA-OAEP", value: "ab+/cd" }],
    ["a missing value", "/keys/rsa//encrypt", { alg: "RSA-OAEP" }],
    ["a missing alg", "/keys/rsa//encrypt", { value: "AAAA" }],
    ["an RSA ciphertext of the wrong size", "/keys/rsa//decrypt", { alg: "RSA-OAEP", value: b64u(randomBytes(255)) }],
  ] as const)("%s", async (_label, path, body) => {
    const res = await post(path, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("BadParameter");
  });

  test("the digest-length message names both sizes", async () => {
    const res = await post("/keys/rsa//sign", { alg: "RS384", value: digest256 });
    expect(res.body.error.message).toBe("The digest for RS384 must be 48 bytes (a SHA384 hash); it is 32 bytes.");
  });

  test("a body that is not JSON is a 400, and a missing key a 404", async () => {
    expect((await post("/keys/rsa//sign", "{nope")).status).toBe(400);
    const missing = await post("/keys/nope//sign", { alg: "RS256", value: digest256 });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("KeyNotFound");
  });
});

describe("addressing", () => {
  test("an explicit version and the latest (empty version, //) both work, and kid is the versioned id", async () => {
    const first = await vault.client.createEcKey("versions", { curve: "P-256" });
    const second = await vault.client.createEcKey("versions", { curve: "P-256" });
    const latest = await post("/keys/versions//sign", { alg: "ES256", value: digest256 });
    expect(latest.body.kid).toBe(second.id);
    const old = await post(`/keys/versions/${first.properties.version}/sign`, { alg: "ES256", value: digest256 });
    expect(old.body.kid).toBe(first.id);
    // A signature by the old version does not verify with the new one.
    const cross = await post("/keys/versions//verify", { alg: "ES256", digest: digest256, value: old.body.value });
    expect(cross.body).toEqual({ value: false });
    const same = await post(`/keys/versions/${first.properties.version}/verify`, { alg: "ES256", digest: digest256, value: old.body.value });
    expect(same.body).toEqual({ value: true });
  });
});

describe("POST /rng", () => {
  const HSM = "https://test.managedhsm.localhost";

  test("returns count random bytes from a Managed HSM, through the SDK too", async () => {
    const res = await raw(vault.emulator, "POST", `${HSM}/rng`, { count: 4 });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["value"]);
    expect(Buffer.from(res.body.value, "base64url").length).toBe(4);
    const bytes = await vault.clientFor(HSM).getRandomBytes(128);
    expect(bytes.length).toBe(128);
  });

  test.each([0, 129, -1, 1.5])("count %s is a 400", async (count) => {
    const res = await raw(vault.emulator, "POST", `${HSM}/rng`, { count });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("BadParameter");
  });

  test("a missing or non-numeric count is a 400", async () => {
    expect((await raw(vault.emulator, "POST", `${HSM}/rng`, {})).status).toBe(400);
    expect((await raw(vault.emulator, "POST", `${HSM}/rng`, { count: "4" })).status).toBe(400);
  });

  test("a key vault answers 400: random bytes are a Managed HSM operation", async () => {
    const res = await raw(vault.emulator, "POST", `${url}/rng`, { count: 4 });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/Managed HSM only/);
    await expect(vault.client.getRandomBytes(4)).rejects.toMatchObject({ statusCode: 400, code: "BadParameter" });
  });
});
