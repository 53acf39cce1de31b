import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JsonWebKey, KeyClient } from "@azure/keyvault-keys";
import { ManualClock } from "../../src/emulator/index.js";
import { testVault, type TestVault } from "../helpers/emulator.js";

// Update, soft delete, recover, purge, scheduled purge, backup/restore and import, through the real
// KeyClient. Time is a ManualClock so dates are exact and retention can be made to pass.

const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1, 12, 0, 0);

async function rejection(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e,
  );
}

async function expectRestError(promise: Promise<unknown>, statusCode: number, code: string, message?: string): Promise<void> {
  const err = await rejection(promise);
  expect(err).toMatchObject({ name: "RestError", statusCode, code });
  if (message) expect(err.message).toContain(message);
}

/** A node-generated private key as the SDK's JsonWebKey (binary members as bytes). */
function sdkJwk(kind: "rsa" | "ec"): { jwk: JsonWebKey; d: Buffer } {
  const { privateKey } =
    kind === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ec", { namedCurve: "secp384r1" });
  const exported = privateKey.export({ format: "jwk" }) as Record<string, string>;
  const jwk: Record<string, unknown> = { kty: kind === "rsa" ? "RSA" : "EC" };
  for (const [name, value] of Object.entries(exported)) {
    if (name === "kty") continue;
    jwk[name] = name === "crv" ? value : Buffer.from(value, "base64url");
  }
  return { jwk: jwk as JsonWebKey, d: Buffer.from(exported.d!, "base64url") };
}

let clock: ManualClock;
let vault: TestVault;
let client: KeyClient;

beforeEach(() => {
  clock = new ManualClock(START);
  vault = testVault({ vaultUrl: "https://life.vault.localhost", clock });
  client = vault.client;
});
afterEach(() => vault.close());

describe("update", () => {
  it("changes enabled, nbf, exp, tags and key_ops of the latest version", async () => {
    const created = await client.createEcKey("upd", { curve: "P-256", tags: { a: "1" } });
    expect(created.properties.createdOn).toEqual(new Date(START));
    clock.advance(60_000);
    const nbf = new Date(Date.UTC(2026, 1, 1));
    const exp = new Date(Date.UTC(2027, 1, 1));
    const updated = await client.updateKeyProperties("upd", {
      enabled: false,
      notBefore: nbf,
      expiresOn: exp,
      tags: { env: "test", team: "kv" },
      keyOps: ["sign"],
    });
    expect(updated.id).toBe(created.id);
    expect(updated.properties).toMatchObject({ enabled: false, notBefore: nbf, expiresOn: exp, tags: { env: "test", team: "kv" } });
    expect(updated.keyOperations).toEqual(["sign"]);
    expect(updated.properties.updatedOn).toEqual(new Date(START + 60_000));
    expect(updated.properties.createdOn).toEqual(new Date(START));

    const read = await client.getKey("upd");
    expect(read.properties).toMatchObject({ enabled: false, notBefore: nbf, expiresOn: exp, tags: { env: "test", team: "kv" } });
    expect(read.keyOperations).toEqual(["sign"]);
  });

  it("updates one version by id and leaves the others alone", async () => {
    const first = await client.createEcKey("two", { curve: "P-256" });
    const second = await client.createEcKey("two", { curve: "P-256" });
    await client.updateKeyProperties("two", first.properties.version!, { enabled: false, tags: { old: "yes" } });
    expect((await client.getKey("two", { version: first.properties.version! })).properties).toMatchObject({ enabled: false, tags: { old: "yes" } });
    const latest = await client.getKey("two");
    expect(latest.id).toBe(second.id);
    expect(latest.properties.enabled).toBe(true);
    expect(latest.properties.tags).toBeUndefined();
  });

  it("applies the release policy rules AKV.SKR.1004 and AKV.SKR.1005", async () => {
    const policy = { encodedPolicy: Buffer.from(JSON.stringify({ anyOf: [{ allOf: [{ claim: "x", equals: "y" }], authority: "https://attest.localhost" }], version: "1.0.0" })) };
    await expectRestError(client.createRsaKey("exp-no-policy", { exportable: true, hsm: true }), 400, "BadParameter", "AKV.SKR.1004");
    await expectRestError(client.createRsaKey("policy-not-exp", { releasePolicy: policy, hsm: true }), 400, "BadParameter", "AKV.SKR.1005");

    const plain = await client.createEcKey("plain", { curve: "P-256" });
    await expectRestError(client.updateKeyProperties("plain", { releasePolicy: policy }), 400, "BadParameter", "AKV.SKR.1005");
    expect((await client.getKey("plain")).properties.releasePolicy).toBeUndefined();
    expect(plain.properties.exportable).toBe(false);

    const exportable = await client.createEcKey("skr", { curve: "P-256", hsm: true, exportable: true, releasePolicy: policy });
    expect(exportable.properties.exportable).toBe(true);
    expect(Buffer.from(exportable.properties.releasePolicy!.encodedPolicy!)).toEqual(policy.encodedPolicy);

    const replaced = Buffer.from(JSON.stringify({ anyOf: [], version: "1.0.0" }));
    const updated = await client.updateKeyProperties("skr", { releasePolicy: { encodedPolicy: replaced, immutable: true } });
    expect(Buffer.from(updated.properties.releasePolicy!.encodedPolicy!)).toEqual(replaced);
    expect(updated.properties.releasePolicy?.immutable).toBe(true);
    await expectRestError(client.updateKeyProperties("skr", { releasePolicy: policy }), 400, "BadParameter", "AKV.SKR.1020");
  });

  it("reports KeyNotFound when updating an unknown key", async () => {
    await client.createEcKey("exists", { curve: "P-256" });
    await expectRestError(client.updateKeyProperties("missing", { enabled: false }), 404, "KeyNotFound");
  });
});

describe("delete, recover, purge", () => {
  it("soft-deletes at once with recoveryId, dates +90 days, recoverableDays and recoveryLevel", async () => {
    await client.createEcKey("gone", { curve: "P-256" });
    await client.createEcKey("gone", { curve: "P-256" });
    clock.advance(5_000);
    vault.exchanges.length = 0;
    const poller = await client.beginDeleteKey("gone");
    const deleted = await poller.pollUntilDone();
    // The SDK polls GET /deletedkeys (every 2 s) until it answers 200: the deleted key is visible at once,
    // so the first poll finds it (counted, not timed: a busy machine makes no difference).
    expect(vault.exchanges.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`)).toEqual(["DELETE /keys/gone 200", "GET /deletedkeys/gone 200"]);

    const deletedOn = new Date(START + 5_000);
    expect(deleted.name).toBe("gone");
    expect(deleted.properties.recoveryId).toBe("https://life.vault.localhost/deletedkeys/gone");
    expect(deleted.properties.deletedOn).toEqual(deletedOn);
    expect(deleted.properties.scheduledPurgeDate).toEqual(new Date(START + 5_000 + 90 * DAY_MS));
    expect(deleted.properties.recoverableDays).toBe(90);
    expect(deleted.properties.recoveryLevel).toBe("Recoverable+Purgeable");

    await expectRestError(client.getKey("gone"), 404, "KeyNotFound");
    const fetched = await client.getDeletedKey("gone");
    expect(fetched.properties.recoveryId).toBe(deleted.properties.recoveryId);
    expect(fetched.properties.deletedOn).toEqual(deletedOn);
    expect(fetched.key?.d).toBeUndefined();

    const listed = [];
    for await (const d of client.listDeletedKeys()) listed.push(d);
    expect(listed.map((d) => d.name)).toEqual(["gone"]);
    expect(listed[0]!.properties.scheduledPurgeDate).toEqual(new Date(START + 5_000 + 90 * DAY_MS));
    const active = [];
    for await (const p of client.listPropertiesOfKeys()) active.push(p.name);
    expect(active).toEqual([]);
  });

  it("refuses to reuse a deleted name with 409 Conflict, and recovers every version at once", async () => {
    const v1 = await client.createEcKey("back", { curve: "P-256" });
    const v2 = await client.createEcKey("back", { curve: "P-256" });
    await (await client.beginDeleteKey("back")).pollUntilDone();
    await expectRestError(client.createEcKey("back", { curve: "P-256" }), 409, "Conflict");

    vault.exchanges.length = 0;
    const recovered = await (await client.beginRecoverDeletedKey("back")).pollUntilDone();
    // Likewise the recover poller's first GET after the recover finds the key: no second poll, 2 s later
    // (the SDK looks for the key once before it asks to recover it).
    expect(vault.exchanges.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`)).toEqual([
      "GET /keys/back/ 404",
      "POST /deletedkeys/back/recover 200",
      "GET /keys/back/ 200",
    ]);
    expect(recovered.id).toBe(v2.id);

    expect((await client.getKey("back")).id).toBe(v2.id);
    expect((await client.getKey("back", { version: v1.properties.version! })).id).toBe(v1.id);
    await expectRestError(client.getDeletedKey("back"), 404, "KeyNotFound");
  });

  it("purges a deleted key for good, after which the name is free", async () => {
    await client.createEcKey("purge-me", { curve: "P-256" });
    await expectRestError(client.purgeDeletedKey("purge-me"), 404, "KeyNotFound");
    await (await client.beginDeleteKey("purge-me")).pollUntilDone();
    await client.purgeDeletedKey("purge-me");
    await expectRestError(client.getDeletedKey("purge-me"), 404, "KeyNotFound");
    await expectRestError(client.getKey("purge-me"), 404, "KeyNotFound");
    const again = await client.createEcKey("purge-me", { curve: "P-256" });
    const versions = [];
    for await (const v of client.listPropertiesOfKeyVersions("purge-me")) versions.push(v.version);
    expect(versions).toEqual([again.properties.version]);
  });

  it("refuses purge under purge protection with 403 Forbidden", async () => {
    vault.emulator.configureVault({ name: "life", kind: "vault", purgeProtection: true });
    await client.createEcKey("protected", { curve: "P-256" });
    const deleted = await (await client.beginDeleteKey("protected")).pollUntilDone();
    expect(deleted.properties.recoveryLevel).toBe("Recoverable");
    await expectRestError(client.purgeDeletedKey("protected"), 403, "Forbidden");
    expect((await client.getDeletedKey("protected")).name).toBe("protected");
  });

  it("purges a deleted key by itself once the clock passes scheduledPurgeDate", async () => {
    const settings = vault.emulator.configureVault({ name: "life", kind: "vault", retentionDays: 7, purgeProtection: true });
    expect(settings).toMatchObject({ retentionDays: 7, purgeProtection: true });
    await client.createEcKey("short", { curve: "P-256" });
    const deleted = await (await client.beginDeleteKey("short")).pollUntilDone();
    expect(deleted.properties.recoverableDays).toBe(7);
    expect(deleted.properties.recoveryLevel).toBe("CustomizedRecoverable");
    const purgeAt = START + 7 * DAY_MS;
    expect(deleted.properties.scheduledPurgeDate).toEqual(new Date(purgeAt));

    clock.set(purgeAt - 1_000);
    expect((await client.getDeletedKey("short")).name).toBe("short");
    await expectRestError(client.createEcKey("short", { curve: "P-256" }), 409, "Conflict");

    clock.set(purgeAt + 1_000);
    await expectRestError(client.getDeletedKey("short"), 404, "KeyNotFound");
    const listed = [];
    for await (const d of client.listDeletedKeys()) listed.push(d.name);
    expect(listed).toEqual([]);
    // The name is free again, purge protection or not.
    expect((await client.createEcKey("short", { curve: "P-256" })).name).toBe("short");
  });

  it("reports the retention in every key's attributes", async () => {
    vault.emulator.configureVault({ name: "life", kind: "vault", retentionDays: 30 });
    const key = await client.createEcKey("k", { curve: "P-256" });
    expect(key.properties.recoverableDays).toBe(30);
    expect(key.properties.recoveryLevel).toBe("CustomizedRecoverable+Purgeable");
  });

  it("rejects invalid vault settings", () => {
    expect(() => vault.emulator.configureVault({ name: "life", kind: "vault", retentionDays: 6 })).toThrow(/7 to 90/);
    expect(() => vault.emulator.configureVault({ name: "life", kind: "vault", retentionDays: 91 })).toThrow(/7 to 90/);
    expect(() => vault.emulator.configureVault({ name: "no.dots", kind: "vault" })).toThrow(/not valid/);
  });
});

describe("backup and restore", () => {
  it("restores every version with its version id, attributes and tags", async () => {
    const v1 = await client.createEcKey("bk", { curve: "P-256", tags: { n: "1" } });
    const v2 = await client.createRsaKey("bk", { keySize: 2048 });
    const v3 = await client.createEcKey("bk", { curve: "P-384" });
    await client.updateKeyProperties("bk", v1.properties.version!, { enabled: false });
    const blob = await client.backupKey("bk");
    expect(blob).toBeInstanceOf(Uint8Array);
    expect(blob!.length).toBeGreaterThan(100);

    await expectRestError(client.restoreKeyBackup(blob!), 409, "Conflict");
    await (await client.beginDeleteKey("bk")).pollUntilDone();
    await expectRestError(client.restoreKeyBackup(blob!), 409, "Conflict");
    await client.purgeDeletedKey("bk");

    const restored = await client.restoreKeyBackup(blob!);
    expect(restored.id).toBe(v3.id);
    const versions = [];
    for await (const v of client.listPropertiesOfKeyVersions("bk")) versions.push(v.version);
    expect(versions).toEqual([v1, v2, v3].map((v) => v.properties.version));

    const old = await client.getKey("bk", { version: v1.properties.version! });
    expect(old.properties).toMatchObject({ enabled: false, tags: { n: "1" } });
    expect(Buffer.from(old.key!.x!)).toEqual(Buffer.from(v1.key!.x!));
    const rsa = await client.getKey("bk", { version: v2.properties.version! });
    expect(rsa.keyType).toBe("RSA");
    expect(Buffer.from(rsa.key!.n!)).toEqual(Buffer.from(v2.key!.n!));
  });

  it("restores into another vault of the same emulator, but not into a Managed HSM", async () => {
    await client.createEcKey("mv", { curve: "P-256" });
    const blob = (await client.backupKey("mv"))!;
    const other = vault.clientFor("https://other.vault.localhost");
    expect((await other.restoreKeyBackup(blob)).id).toMatch(/^https:\/\/other\.vault\.localhost\/keys\/mv\//);
    await expectRestError(vault.clientFor("https://life.managedhsm.localhost").restoreKeyBackup(blob), 400, "BadParameter");
  });

  it("reports KeyNotFound when backing up an unknown or deleted key", async () => {
    await client.createEcKey("x", { curve: "P-256" });
    await expectRestError(client.backupKey("nope"), 404, "KeyNotFound");
    await (await client.beginDeleteKey("x")).pollUntilDone();
    await expectRestError(client.backupKey("x"), 404, "KeyNotFound");
  });
});

describe("import", () => {
  it("imports an RSA private key, keeps its public half and never returns the private members", async () => {
    const { jwk } = sdkJwk("rsa");
    const imported = await client.importKey("imp-rsa", jwk, { tags: { source: "test" } });
    expect(imported.keyType).toBe("RSA");
    expect(Buffer.from(imported.key!.n!)).toEqual(Buffer.from(jwk.n!));
    expect(Buffer.from(imported.key!.e!)).toEqual(Buffer.from(jwk.e!));
    expect(imported.properties.tags).toEqual({ source: "test" });
    const read = await client.getKey("imp-rsa");
    for (const member of ["d", "p", "q", "dp", "dq", "qi"] as const) expect(read.key?.[member]).toBeUndefined();
  });

  it("imports an EC private key, as EC-HSM when hardware protection is asked for", async () => {
    const { jwk } = sdkJwk("ec");
    const imported = await client.importKey("imp-ec", jwk, { hardwareProtected: true });
    expect(imported.keyType).toBe("EC-HSM");
    expect(imported.key?.crv).toBe("P-384");
    expect(Buffer.from(imported.key!.x!)).toEqual(Buffer.from(jwk.x!));
    expect(imported.key?.d).toBeUndefined();
  });

  it("refuses public-only keys", async () => {
    const rsa = sdkJwk("rsa").jwk;
    await expectRestError(client.importKey("pub-rsa", { kty: "RSA", n: rsa.n, e: rsa.e }), 400, "BadParameter", "private");
    const ec = sdkJwk("ec").jwk;
    await expectRestError(client.importKey("pub-ec", { kty: "EC", crv: ec.crv, x: ec.x, y: ec.y }), 400, "BadParameter", "private");
  });

  it("refuses a key whose members do not belong together", async () => {
    // node:crypto would load both: it trusts the given EC point and signs RSA with the CRT members only.
    const a = sdkJwk("ec").jwk;
    const b = sdkJwk("ec").jwk;
    await expectRestError(client.importKey("mixed-ec", { ...a, d: b.d }), 400, "BadParameter");
    const r = sdkJwk("rsa").jwk;
    const s = sdkJwk("rsa").jwk;
    await expectRestError(client.importKey("mixed-rsa", { ...r, d: s.d }), 400, "BadParameter");
    await expectRestError(client.importKey("mixed-rsa", { ...r, qi: s.qi }), 400, "BadParameter");
    // Nothing was stored: not even the vault, which a successful import would have created.
    await expectRestError(client.getKey("mixed-ec"), 404, "VaultNotFound");
  });

  it("imports a new version over an existing key", async () => {
    const first = await client.createEcKey("imp-v", { curve: "P-384" });
    const imported = await client.importKey("imp-v", sdkJwk("ec").jwk);
    expect(imported.properties.version).not.toBe(first.properties.version);
    expect((await client.getKey("imp-v")).id).toBe(imported.id);
  });
});
