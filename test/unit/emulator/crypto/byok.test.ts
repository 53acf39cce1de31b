import { describe, expect, test } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { VaultError } from "../../../../src/emulator/domain/errors.js";
import type { KeyVersion } from "../../../../src/emulator/domain/key.js";
import { materialFromNodeJwk, type PrivateMaterial } from "../../../../src/emulator/crypto/material.js";
import { assertUsableKek, materialFromTransferBlob, parseTransferBlob } from "../../../../src/emulator/crypto/byok.js";

// The parts of the BYOK import that need no vault: reading the blob, the container rule for header.kid,
// and the key exchange key's rules, in the order the service applies them.

const blob = (header: Record<string, unknown>, ciphertext: unknown = "AAAA") =>
  Buffer.from(JSON.stringify({ schema_version: "1.0.0", header, ciphertext, generator: "test" })).toString("base64url");

function code(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(VaultError);
    return { code: (err as VaultError).code, message: (err as VaultError).message };
  }
  throw new Error("expected a VaultError");
}

function kekVersion(changes: Partial<KeyVersion> = {}): KeyVersion {
  return {
    name: "kek",
    version: "0".repeat(32),
    kty: "RSA-HSM",
    keyOps: ["import"],
    attributes: { enabled: true, created: 0, updated: 0, exportable: false },
    managed: false,
    publicJwk: { kty: "RSA-HSM" },
    ...changes,
  };
}

describe("parseTransferBlob", () => {
  test("reads the kid's host, name and optional version (a port does not matter)", () => {
    const parsed = parseTransferBlob(blob({ kid: "https://Demo.vault.localhost:8443/keys/kek/abc", alg: "dir", enc: "RSA_AES_KEY_WRAP_384" }));
    expect(parsed).toMatchObject({ kekHost: "demo.vault.localhost", kekName: "kek", kekVersion: "abc", enc: "RSA_AES_KEY_WRAP_384" });
    expect(parsed.ciphertext).toEqual(Buffer.from("AAAA", "base64url"));
    expect(parseTransferBlob(blob({ kid: "https://demo.vault.localhost/keys/kek", alg: "dir", enc: "CKM_RSA_AES_KEY_WRAP" })).kekVersion).toBeUndefined();
  });

  test("key_hsm itself must be base64url", () => {
    expect(code(() => parseTransferBlob(42)).message).toBe("The JSON Web Key member 'key_hsm' must be a base64url string.");
    expect(code(() => parseTransferBlob("a+b/")).message).toBe("The JSON Web Key member 'key_hsm' must be a base64url string.");
    expect(code(() => parseTransferBlob("")).message).toBe("The JSON Web Key member 'key_hsm' must be a non-empty base64url string.");
  });
});

describe("the key exchange key's rules", () => {
  const now = 1_000_000;
  test.each([
    ["disabled", { attributes: { enabled: false, created: 0, updated: 0, exportable: false } }, "Forbidden", "Operation import is not allowed on a disabled key."],
    ["no import op", { keyOps: ["wrapKey" as const] }, "Forbidden", "Operation import is not permitted on this key."],
    ["not yet valid", { attributes: { enabled: true, created: 0, updated: 0, exportable: false, notBefore: now + 1 } }, "Forbidden", "Operation import is not allowed on a key that is not yet valid (before its nbf time)."],
    ["expired", { attributes: { enabled: true, created: 0, updated: 0, exportable: false, expires: now } }, "Forbidden", "Operation import is not allowed on an expired key."],
    ["software RSA", { kty: "RSA" as const }, "BadParameter", "The key exchange key K is of type RSA; a key exchange key must be an RSA-HSM key."],
    ["extra ops", { keyOps: ["import" as const, "decrypt" as const] }, "BadParameter", "The key exchange key K has key_ops [import, decrypt]; a key exchange key must have key_ops exactly [import]."],
  ])("%s", (_case, changes, expectedCode, message) => {
    expect(code(() => assertUsableKek(kekVersion(changes as Partial<KeyVersion>), "K", now))).toEqual({ code: expectedCode, message });
  });

  test("a usable KEK passes", () => {
    expect(() => assertUsableKek(kekVersion(), "K", now)).not.toThrow();
  });
});

describe("materialFromTransferBlob: the container rule for header.kid", () => {
  const material = materialFromNodeJwk(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }));
  const lookups: string[] = [];
  const lookup = (name: string, version: string | undefined) => {
    lookups.push(`${name}/${version}`);
    return { key: kekVersion(), material: material as PrivateMaterial };
  };

  test.each([
    ["https://other.vault.localhost/keys/kek/v", { name: "demo", kind: "vault" as const }, "is not in this key vault (demo)"],
    ["https://demo.managedhsm.localhost/keys/kek/v", { name: "demo", kind: "vault" as const }, "is not in this key vault (demo)"],
    ["https://demo.vault.azure.net/keys/kek/v", { name: "demo", kind: "managedhsm" as const }, "is not in this managed HSM (demo)"],
  ])("%s is refused for %o", (kid, container, message) => {
    const jwk = { kty: "RSA-HSM", key_hsm: blob({ kid, alg: "dir", enc: "CKM_RSA_AES_KEY_WRAP" }) };
    const err = code(() => materialFromTransferBlob(jwk, "RSA-HSM", container, lookup, 0));
    expect(err.code).toBe("BadParameter");
    expect(err.message).toContain(message);
  });

  test("the same container under another spelling, and a host that names no container (the served default), reach the lookup", () => {
    lookups.length = 0;
    for (const kid of ["https://DEMO.vault.localhost:8443/keys/kek/v1", "https://127.0.0.1:8443/keys/kek/v2", "https://localhost/keys/kek"]) {
      const jwk = { kty: "RSA-HSM", key_hsm: blob({ kid, alg: "dir", enc: "CKM_RSA_AES_KEY_WRAP" }) };
      // The ciphertext is too short for the KEK: the lookup happened, then the unwrap refused.
      expect(code(() => materialFromTransferBlob(jwk, "RSA-HSM", { name: "demo", kind: "vault" }, lookup, 0)).message).toMatch(/the ciphertext is 3 bytes/);
    }
    expect(lookups).toEqual(["kek/v1", "kek/v2", "kek/undefined"]);
  });
});
