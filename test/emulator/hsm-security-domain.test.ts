import { randomBytes } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { combineShares, splitSecret } from "../../src/emulator/crypto/security-domain-transfer.js";
import { API, raw, rejection, testVault, type TestVault } from "../helpers/emulator.js";
import { wrappingKey } from "../helpers/wrapping-keys.js";

// Item 6 of issue 22: one security domain per Managed HSM. A backup restores only into an HSM holding
// the source's domain; download/upload moves a domain between HSMs; key vaults keep the data
// directory's domain.

let vault: TestVault;
afterEach(() => vault?.close());

let keys: Array<{ privateKeyPem: string; certificatePem: string }>;
beforeAll(() => {
  keys = [wrappingKey(), wrappingKey(), wrappingKey()];
});

describe("Shamir's secret sharing over GF(2^8)", () => {
  it("recovers the secret from any quorum of shares, and not from fewer", () => {
    const secret = randomBytes(32);
    const shares = splitSecret(secret, 5, 3);
    for (const pick of [[0, 1, 2], [4, 2, 0], [1, 3, 4]]) {
      expect(combineShares(pick.map((i) => ({ x: i + 1, value: shares[i]! })))).toEqual(secret);
    }
    expect(combineShares([0, 1].map((i) => ({ x: i + 1, value: shares[i]! })))).not.toEqual(secret);
  });
});

describe("a security domain per Managed HSM", () => {
  it("gives each new HSM its own domain: a backup restores into the same HSM, not into another", async () => {
    vault = testVault({ vaultUrl: "https://a.managedhsm.localhost" });
    const a = vault.client;
    const b = vault.clientFor("https://b.managedhsm.localhost");
    await a.createRsaKey("k");
    await b.createRsaKey("other");
    const ida = vault.emulator.securityDomainIdOf({ name: "a", kind: "managedhsm" });
    const idb = vault.emulator.securityDomainIdOf({ name: "b", kind: "managedhsm" });
    expect(ida).not.toBe(idb);
    expect(ida).not.toBe(vault.emulator.securityDomainId);
    // Key vaults keep the data directory's domain.
    expect(vault.emulator.securityDomainIdOf({ name: "kv", kind: "vault" })).toBe(vault.emulator.securityDomainId);

    const blob = (await a.backupKey("k"))!;
    expect(await rejection(b.restoreKeyBackup(blob))).toMatchObject({ statusCode: 400, code: "BadParameter", message: expect.stringMatching(/different security domain/) });
    const res = await raw(vault.emulator, { method: "POST", url: `https://b.managedhsm.localhost/keys/restore?${API}`, body: { value: Buffer.from(blob).toString("base64url") } });
    expect(res.json.error.innererror).toEqual({ code: "SecurityDomainMismatch" });
    // An HSM that does not exist yet would get a new domain: refused, and not created.
    expect(await rejection(vault.clientFor("https://fresh.managedhsm.localhost").restoreKeyBackup(blob))).toMatchObject({ statusCode: 400 });
    expect(vault.emulator.getVault({ name: "fresh", kind: "managedhsm" })).toBeUndefined();

    await (await a.beginDeleteKey("k")).pollUntilDone();
    await a.purgeDeletedKey("k");
    expect((await a.restoreKeyBackup(blob)).name).toBe("k");
  });

  it("download splits the domain among the wrapping keys; upload of a quorum moves it, and the backup follows", async () => {
    vault = testVault({ vaultUrl: "https://src.managedhsm.localhost" });
    const src = vault.client;
    const key = await src.createEcKey("moving", { curve: "P-256" });
    const blob = (await src.backupKey("moving"))!;
    const file = vault.emulator.downloadSecurityDomain({ name: "src", kind: "managedhsm" }, { certificates: keys.map((k) => k.certificatePem), quorum: 2 });
    expect(file).toMatchObject({ format: "kvkey-security-domain", version: 1, hsm: "src", required: 2 });
    expect(file.shares).toHaveLength(3);
    expect(JSON.stringify(file)).not.toContain(Buffer.from(blob).toString("base64").slice(0, 16));

    vault.emulator.configureVault({ name: "dst", kind: "managedhsm" });
    const dst = vault.clientFor("https://dst.managedhsm.localhost");
    expect(await rejection(dst.restoreKeyBackup(blob))).toMatchObject({ statusCode: 400 });

    // One key is not a quorum; the second and third are.
    expect(() => vault.emulator.uploadSecurityDomain({ name: "dst", kind: "managedhsm" }, { file: JSON.stringify(file), wrappingKeys: [keys[0]!] })).toThrow(
      /should not less than 2/,
    );
    const uploaded = vault.emulator.uploadSecurityDomain({ name: "dst", kind: "managedhsm" }, { file: JSON.stringify(file), wrappingKeys: [keys[2]!, keys[1]!] });
    expect(uploaded.domainId).toBe(vault.emulator.securityDomainIdOf({ name: "src", kind: "managedhsm" }));
    const restored = await dst.restoreKeyBackup(blob);
    expect(restored.key!.x).toEqual(key.key!.x);

    // An HSM that holds keys does not take another domain.
    expect(() => vault.emulator.uploadSecurityDomain({ name: "src", kind: "managedhsm" }, { file: JSON.stringify(file), wrappingKeys: keys })).toThrow(/holds keys/);
  });

  it("keeps az's limits on the wrapping keys and the quorum", () => {
    vault = testVault();
    vault.emulator.configureVault({ name: "h", kind: "managedhsm" });
    const target = { name: "h", kind: "managedhsm" } as const;
    const certs = keys.map((k) => k.certificatePem);
    expect(() => vault.emulator.downloadSecurityDomain(target, { certificates: certs.slice(0, 2), quorum: 2 })).toThrow(/\(N\) should be in range \[3, 10\]/);
    expect(() => vault.emulator.downloadSecurityDomain(target, { certificates: certs, quorum: 1 })).toThrow(/\(M\) should be in range \[2, 10\]/);
    expect(() => vault.emulator.downloadSecurityDomain(target, { certificates: certs, quorum: 4 })).toThrow(/cannot exceed/);
    expect(() => vault.emulator.downloadSecurityDomain({ name: "kv", kind: "vault" }, { certificates: certs, quorum: 2 })).toThrow(/managed HSM/);
    expect(() => vault.emulator.downloadSecurityDomain({ name: "nope", kind: "managedhsm" }, { certificates: certs, quorum: 2 })).toThrow(/does not exist/);
  });
});
