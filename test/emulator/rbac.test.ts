import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { AccessToken } from "@azure/core-auth";
import { KeyClient } from "@azure/keyvault-keys";
import { createEmulator, type Emulator } from "../../src/emulator/index.js";
import { audienceOf, embeddedConnection } from "../../src/vault-client/embedded.js";
import { API, raw, rejection } from "../helpers/emulator.js";

// Item 2 of issue 22: role-based access, off by default, per vault. Driven by the real
// @azure/keyvault-keys SDK (the 403s it sees) and by raw HTTP (the exact bodies).

const ALICE = "11111111-aaaa-4aaa-8aaa-000000000001";
const BOB = "22222222-bbbb-4bbb-8bbb-000000000002";
const ADMIN = "33333333-cccc-4ccc-8ccc-000000000003";
const ROLE_ID = "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/";

let emulator: Emulator;
afterEach(() => emulator?.close());

function open(): Emulator {
  emulator = createEmulator({ inMemory: true });
  return emulator;
}

/** A KeyClient whose tokens carry this principal's oid. */
function clientAs(oid: string, vaultUrl: string): KeyClient {
  const { httpClient } = embeddedConnection(emulator);
  const credential = { getToken: async (scopes: string | string[]): Promise<AccessToken> => emulator.issueToken("app", audienceOf(scopes), oid) };
  return new KeyClient(vaultUrl, credential, { httpClient, retryOptions: { maxRetries: 0 } });
}

function tokenAs(oid: string, resource = "https://vault.localhost"): string {
  return emulator.issueToken("app", resource, oid).token;
}

describe("a key vault with RBAC authorization", () => {
  it("answers 403 ForbiddenByRbac with the service's message to a caller with no role, through the SDK", async () => {
    open().configureVault({ name: "rbac", kind: "vault", rbacAuthorization: true });
    const alice = clientAs(ALICE, "https://rbac.vault.localhost");
    const err = await rejection(alice.createRsaKey("k"));
    expect(err).toMatchObject({ name: "RestError", statusCode: 403, code: "Forbidden" });
    expect(err.message).toMatch(/^Caller is not authorized to perform action on resource\./);
    // The SDK's deserialiser names it innerError; the wire's innererror is checked in the raw tests below.
    expect(err.details.error).toMatchObject({ code: "Forbidden", innerError: { code: "ForbiddenByRbac" } });
    expect(err.details.error.message).toContain("Action: 'Microsoft.KeyVault/vaults/keys/create/action'");
  });

  it("writes the body line for line: Caller, Action, Resource, Assignment, DecisionReason, Vault", async () => {
    open().configureVault({ name: "Rbac", kind: "vault", rbacAuthorization: true });
    emulator.roles.create({ name: "rbac", kind: "vault" }, { scope: "/", role: "Key Vault Crypto Officer", principalId: ADMIN });
    await clientAs(ADMIN, "https://rbac.vault.localhost").createEcKey("Signer");

    const list = await raw(emulator, { method: "GET", url: `https://rbac.vault.localhost/keys?${API}`, token: tokenAs(ALICE) });
    expect(list.status).toBe(403);
    expect(Object.keys(list.json.error)).toEqual(["code", "message", "innererror"]);
    expect(list.json.error.code).toBe("Forbidden");
    expect(list.json.error.innererror).toEqual({ code: "ForbiddenByRbac" });
    expect(list.json.error.message).toBe(
      "Caller is not authorized to perform action on resource.\r\n" +
        "If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n" +
        `Caller: oid=${ALICE};iss=https://login.microsoftonline.com/00000000-0000-0000-0000-00000000cafe/v2.0\r\n` +
        "Action: 'Microsoft.KeyVault/vaults/keys/read'\r\n" +
        "Resource: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/kvkey-local/providers/microsoft.keyvault/vaults/rbac'\r\n" +
        "Assignment: (not found)\r\n" +
        "DenyAssignmentId: null\r\n" +
        "DecisionReason: 'DeniedWithNoValidRBAC' \r\n" +
        "Vault: rbac;location=local\r\n",
    );

    // One key: the resource names it, the action is the operation's.
    const sign = await raw(emulator, {
      method: "POST",
      url: `https://rbac.vault.localhost/keys/Signer//sign?${API}`,
      token: tokenAs(ALICE),
      body: { alg: "ES256", value: Buffer.alloc(32).toString("base64url") },
    });
    expect(sign.status).toBe(403);
    expect(sign.json.error.message).toContain("Action: 'Microsoft.KeyVault/vaults/keys/sign/action'\r\n");
    expect(sign.json.error.message).toContain("/providers/microsoft.keyvault/vaults/rbac/keys/Signer'\r\n");
  });

  it("lets each built-in role do what its data actions say, and no more", async () => {
    open().configureVault({ name: "roles", kind: "vault", rbacAuthorization: true });
    const vault = { name: "roles", kind: "vault" } as const;
    const url = "https://roles.vault.localhost";
    emulator.roles.create(vault, { scope: "/", role: "Key Vault Crypto Officer", principalId: ADMIN });
    const admin = clientAs(ADMIN, url);
    await admin.createRsaKey("k1");
    await admin.createRsaKey("k2");

    // Reader: reads, lists; no crypto.
    emulator.roles.create(vault, { scope: "/", role: "Key Vault Reader", principalId: ALICE });
    const alice = clientAs(ALICE, url);
    expect((await alice.getKey("k1")).name).toBe("k1");
    const names: string[] = [];
    for await (const p of alice.listPropertiesOfKeys()) names.push(p.name);
    expect(names.sort()).toEqual(["k1", "k2"]);
    expect(await rejection(alice.createRsaKey("k3"))).toMatchObject({ statusCode: 403, code: "Forbidden" });
    const crypto = alice.getCryptographyClient("k1");
    expect(await rejection(crypto.sign("RS256", Buffer.alloc(32)))).toMatchObject({ statusCode: 403 });

    // Crypto User on one key only: signs with k1; k2 and listing stay closed.
    emulator.roles.create(vault, { scope: "/keys/k1", role: "12338af0-0e69-4776-bea7-57ae8d297424", principalId: BOB });
    const bob = clientAs(BOB, url);
    const signed = await bob.getCryptographyClient("k1").sign("RS256", Buffer.alloc(32, 1));
    expect(signed.result.length).toBe(256);
    expect(await rejection(bob.getKey("k2"))).toMatchObject({ statusCode: 403 });
    expect(await rejection(bob.listPropertiesOfKeys().next())).toMatchObject({ statusCode: 403 });
    expect(await rejection(bob.beginDeleteKey("k1"))).toMatchObject({ statusCode: 403 });

    // Removing the assignment takes effect at the next request.
    const assignment = emulator.roles.list(vault, { principalId: BOB })[0]!;
    emulator.roles.delete(vault, assignment.name);
    expect(await rejection(bob.getKey("k1"))).toMatchObject({ statusCode: 403 });
  });

  it("reads the caller from any JWT's oid in --auth any mode; a token that is not a JWT is nobody", async () => {
    emulator = createEmulator({ inMemory: true, authMode: "any" });
    emulator.configureVault({ name: "anyauth", kind: "vault", rbacAuthorization: true });
    emulator.roles.create({ name: "anyauth", kind: "vault" }, { scope: "/", role: "Key Vault Administrator", principalId: ALICE });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const foreign = `${b64({ alg: "RS256" })}.${b64({ oid: ALICE, aud: "https://vault.azure.net" })}.c2ln`;
    const created = await raw(emulator, { method: "POST", url: `https://anyauth.vault.localhost/keys/k/create?${API}`, token: foreign, body: { kty: "EC" } });
    expect(created.status).toBe(200);
    const opaque = await raw(emulator, { method: "GET", url: `https://anyauth.vault.localhost/keys/k?${API}`, token: "not-a-jwt" });
    expect(opaque.status).toBe(403);
    expect(opaque.json.error.message).toContain("Caller: oid=(none)\r\n");
  });

  it("changes nothing for a vault without RBAC, whoever calls", async () => {
    open();
    const stranger = clientAs(BOB, "https://open.vault.localhost");
    expect((await stranger.createEcKey("k")).name).toBe("k");
    expect(emulator.getVault({ name: "open", kind: "vault" })).toMatchObject({ rbacAuthorization: false, sku: "premium" });
  });
});

describe("Managed HSM local RBAC", () => {
  const HSM = "https://hsm1.managedhsm.localhost";
  const hsmToken = (oid: string) => tokenAs(oid, "https://managedhsm.localhost");

  it("serves role definitions and assignments on the HSM's data plane, in the service's shapes", async () => {
    open().configureVault({ name: "hsm1", kind: "managedhsm", rbacAuthorization: true, administrators: [ADMIN] });

    const definitions = await raw(emulator, { method: "GET", url: `${HSM}/providers/Microsoft.Authorization/roleDefinitions?${API}`, token: hsmToken(ADMIN) });
    expect(definitions.status).toBe(200);
    const byName = new Map<string, any>(definitions.json.value.map((d: any) => [d.properties.roleName, d]));
    expect([...byName.keys()]).toEqual(
      expect.arrayContaining([
        "Managed HSM Administrator",
        "Managed HSM Crypto Officer",
        "Managed HSM Crypto User",
        "Managed HSM Crypto Auditor",
        "Managed HSM Crypto Service Encryption User",
        "Managed HSM Crypto Service Release User",
      ]),
    );
    expect(byName.get("Managed HSM Crypto User")).toMatchObject({
      id: `${ROLE_ID}21dbd100-6940-42c2-9190-5d6cb909625b`,
      name: "21dbd100-6940-42c2-9190-5d6cb909625b",
      type: "Microsoft.Authorization/roleDefinitions",
      properties: { assignableScopes: ["/"], permissions: [{ dataActions: expect.arrayContaining(["Microsoft.KeyVault/managedHsm/keys/sign/action"]) }] },
    });

    const name = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const created = await raw(emulator, {
      method: "PUT",
      url: `${HSM}///providers/Microsoft.Authorization/roleAssignments/${name}?${API}`,
      token: hsmToken(ADMIN),
      body: { properties: { roleDefinitionId: `${ROLE_ID}21dbd100-6940-42c2-9190-5d6cb909625b`, principalId: ALICE } },
    });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: `/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      properties: { principalId: ALICE, roleDefinitionId: `${ROLE_ID}21dbd100-6940-42c2-9190-5d6cb909625b`, scope: "/" },
      type: "Microsoft.Authorization/roleAssignments",
    });
    const listed = await raw(emulator, { method: "GET", url: `${HSM}/providers/Microsoft.Authorization/roleAssignments?${API}`, token: hsmToken(ADMIN) });
    expect(listed.json.value.map((a: any) => a.properties.principalId).sort()).toEqual([ALICE, ADMIN].sort());
    const again = await raw(emulator, {
      method: "PUT",
      url: `${HSM}/providers/Microsoft.Authorization/roleAssignments/${name}?${API}`,
      token: hsmToken(ADMIN),
      body: { properties: { roleDefinitionId: `${ROLE_ID}21dbd100-6940-42c2-9190-5d6cb909625b`, principalId: ALICE } },
    });
    expect(again.status).toBe(409);

    // Alice (Crypto User) works with keys; the administrator may not; a stranger gets AccessDenied.
    const alice = clientAs(ALICE, HSM);
    const key = await alice.createRsaKey("k");
    expect(key.keyType).toBe("RSA-HSM");
    expect(await rejection(clientAs(ADMIN, HSM).getKey("k"))).toMatchObject({ statusCode: 403, code: "AccessDenied" });
    const denied = await raw(emulator, { method: "POST", url: `${HSM}/keys/k2/create?${API}`, token: hsmToken(BOB), body: { kty: "RSA-HSM" } });
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe("AccessDenied");
    expect(denied.json.error.message).toMatch(
      /^Not authorized to access Microsoft\.KeyVault\/managedHsm\/keys\/create on \/keys\/k2 \(Activity ID: [0-9a-f-]{36}\)$/,
    );
    // Bob cannot grant himself a role either.
    const selfGrant = await raw(emulator, {
      method: "PUT",
      url: `${HSM}/providers/Microsoft.Authorization/roleAssignments/1b4e28ba-2fa1-41d2-883f-0016d3cca427?${API}`,
      token: hsmToken(BOB),
      body: { properties: { roleDefinitionId: `${ROLE_ID}21dbd100-6940-42c2-9190-5d6cb909625b`, principalId: BOB } },
    });
    expect(selfGrant.status).toBe(403);
    expect(selfGrant.json.error.message).toContain("Microsoft.KeyVault/managedHsm/roleAssignments/write/action on /");

    // The delete poller: Crypto User may not read deleted keys; the SDK takes that 403 as done.
    const poller = await alice.beginDeleteKey("k");
    await poller.pollUntilDone();
    expect(await rejection(alice.getDeletedKey("k"))).toMatchObject({ statusCode: 403 });

    const removed = await raw(emulator, { method: "DELETE", url: `${HSM}/providers/Microsoft.Authorization/roleAssignments/${name}?${API}`, token: hsmToken(ADMIN) });
    expect(removed.status).toBe(200);
    expect(removed.json.name).toBe(name);
  });

  it("scopes a role to one key with /keys/{name}", async () => {
    open().configureVault({ name: "hsm1", kind: "managedhsm", rbacAuthorization: true, administrators: [ADMIN] });
    emulator.roles.create({ name: "hsm1", kind: "managedhsm" }, { scope: "/", role: "Managed HSM Crypto User", principalId: ADMIN });
    const admin = clientAs(ADMIN, HSM);
    await admin.createEcKey("mine");
    await admin.createEcKey("theirs");
    emulator.roles.create({ name: "hsm1", kind: "managedhsm" }, { scope: "keys/mine", role: "Managed HSM Crypto Service Encryption User", principalId: ALICE });
    const alice = clientAs(ALICE, HSM);
    expect((await alice.getKey("mine")).name).toBe("mine");
    expect(await rejection(alice.getKey("theirs"))).toMatchObject({ statusCode: 403, code: "AccessDenied" });
  });

  it("key vault hosts do not serve the role assignment API (they are ARM's there)", async () => {
    open().configureVault({ name: "kv", kind: "vault" });
    const res = await raw(emulator, { method: "GET", url: `https://kv.vault.localhost/providers/Microsoft.Authorization/roleAssignments?${API}` });
    expect(res.status).toBe(404);
  });
});

describe("vault SKUs", () => {
  it("a Standard vault refuses RSA-HSM and EC-HSM keys (create, import, restore) and keeps software keys", async () => {
    open().configureVault({ name: "std", kind: "vault", sku: "standard" });
    const client = clientAs(ALICE, "https://std.vault.localhost");
    for (const attempt of [client.createRsaKey("h", { hsm: true }), client.createEcKey("e", { hsm: true }), client.createKey("r", "RSA-HSM")]) {
      const err = await rejection(attempt);
      expect(err).toMatchObject({ statusCode: 403, code: "Forbidden", message: "Hardware key operation not allowed on standard vault" });
    }
    expect((await client.createRsaKey("soft")).keyType).toBe("RSA");
    const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
    const imported = await raw(emulator, { method: "PUT", url: `https://std.vault.localhost/keys/imp?${API}`, body: { key: jwk, Hsm: true } });
    expect(imported.status).toBe(403);
    expect(imported.json.error).toMatchObject({ code: "Forbidden", message: "Hardware key operation not allowed on standard vault" });

    // A backup of an HSM key from a Premium vault does not restore into the Standard one.
    const premium = clientAs(ALICE, "https://prem.vault.localhost");
    await premium.createRsaKey("hk", { hsm: true });
    const blob = (await premium.backupKey("hk"))!;
    expect(await rejection(client.restoreKeyBackup(blob))).toMatchObject({ statusCode: 403, message: "Hardware key operation not allowed on standard vault" });
  });

  it("a vault made without a SKU is Premium (today's behaviour) and takes HSM keys", async () => {
    open();
    const client = clientAs(ALICE, "https://implicit.vault.localhost");
    expect((await client.createRsaKey("h", { hsm: true })).keyType).toBe("RSA-HSM");
    expect(emulator.getVault({ name: "implicit", kind: "vault" })!.sku).toBe("premium");
    expect(emulator.configureVault({ name: "made", kind: "vault" }).sku).toBe("premium");
    expect(() => emulator.configureVault({ name: "h", kind: "managedhsm", sku: "standard" })).toThrow(/no standard tier/);
  });
});
