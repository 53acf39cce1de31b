import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { wrappingKey } from "../helpers/wrapping-keys.js";

// Issue 22 items 1, 2 and 6 through the real entry point: the commands' flags, output and az's error text.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
beforeEach(() => {
  home = tempDataDir();
  cli = cliIn(home.dir);
});
afterEach(() => home.cleanup());

const PRINCIPAL = "11111111-2222-3333-4444-555555555555";
const KVKEY = "00000000-0000-0000-0000-000000000001";

describe("kvkey emulator vault create --sku", () => {
  test("a Standard vault refuses an HSM key with the service's message, as az prints it; show reports the SKU", async () => {
    expect((await cli(["emulator", "vault", "create", "-n", "std", "--sku", "standard"])).json().sku).toEqual({ family: "A", name: "standard" });
    const refused = await cli(["create", "--vault-name", "std", "-n", "k", "--kty", "RSA-HSM"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.split("\n")[0]).toBe("ERROR: (Forbidden) Hardware key operation not allowed on standard vault");
    expect((await cli(["create", "--vault-name", "std", "-n", "k", "--kty", "RSA"])).code).toBe(0);
    expect((await cli(["emulator", "vault", "show", "-n", "std", "--query", "sku.name", "-o", "tsv"])).stdout.trim()).toBe("standard");
    const bad = await cli(["emulator", "vault", "create", "-n", "h", "--hsm", "--sku", "standard"]);
    expect(bad.code).not.toBe(0);
  });
});

describe("kvkey emulator role", () => {
  test("a key vault with RBAC: 403 printed as az prints it, until a role is assigned to kvkey's principal", async () => {
    await cli(["emulator", "vault", "create", "-n", "locked", "--enable-rbac-authorization"]);
    const denied = await cli(["create", "--vault-name", "locked", "-n", "k"]);
    expect(denied.code).toBe(1);
    const lines = denied.stderr.split("\n");
    expect(lines[0]).toBe("ERROR: (Forbidden) Caller is not authorized to perform action on resource.\r");
    expect(denied.stderr).toContain("Action: 'Microsoft.KeyVault/vaults/keys/create/action'");
    expect(denied.stderr).toContain("Code: Forbidden");
    expect(denied.stderr).toContain('Inner error: {\n    "code": "ForbiddenByRbac"\n}');

    const assigned = await cli([
      "emulator", "role", "assignment", "create", "--vault-name", "locked", "--role", "Key Vault Crypto Officer", "--scope", "/", "--assignee-object-id", KVKEY,
    ]);
    expect(assigned.code).toBe(0);
    expect(assigned.json()).toMatchObject({ roleName: "Key Vault Crypto Officer", principalId: KVKEY, scope: "/", principalName: "Unknown" });
    expect((await cli(["create", "--vault-name", "locked", "-n", "k", "--query", "key.kty", "-o", "tsv"])).stdout.trim()).toBe("RSA");
    const listed = (await cli(["emulator", "role", "assignment", "list", "--vault-name", "locked"])).json();
    expect(listed).toHaveLength(1);
    const removed = await cli(["emulator", "role", "assignment", "delete", "--vault-name", "locked", "--assignee-object-id", KVKEY]);
    expect(removed.json()).toHaveLength(1);
    expect((await cli(["show", "--vault-name", "locked", "-n", "k"])).code).toBe(1);
  });

  test("a Managed HSM: kvkey administers it over the data plane, as az keyvault role does", async () => {
    const hsm = (await cli(["emulator", "vault", "create", "-n", "h1", "--hsm", "--enable-rbac-authorization"])).json();
    expect(hsm).toMatchObject({ enableRbacAuthorization: true, sku: { family: "B", name: "Standard_B1" } });
    const definitions = (await cli(["emulator", "role", "definition", "list", "--hsm-name", "h1", "--query", "[].roleName"])).json();
    expect(definitions).toEqual(expect.arrayContaining(["Managed HSM Administrator", "Managed HSM Crypto User", "Managed HSM Crypto Auditor"]));
    // kvkey's principal is the administrator: it may assign roles, not use keys.
    const admins = (await cli(["emulator", "role", "assignment", "list", "--hsm-name", "h1"])).json();
    expect(admins).toEqual([expect.objectContaining({ principalId: KVKEY, roleName: "Managed HSM Administrator", scope: "/" })]);
    const noKeys = await cli(["create", "--hsm-name", "h1", "-n", "k"]);
    expect(noKeys.code).toBe(1);
    expect(noKeys.stderr.split("\n")[0]).toMatch(/^ERROR: \(AccessDenied\) Not authorized to access Microsoft\.KeyVault\/managedHsm\/keys\/create on \/keys\/k \(Activity ID: /);
    await cli(["emulator", "role", "assignment", "create", "--hsm-name", "h1", "--role", "Managed HSM Crypto User", "--scope", "/keys", "--assignee", KVKEY]);
    expect((await cli(["create", "--hsm-name", "h1", "-n", "k", "--query", "key.kty", "-o", "tsv"])).stdout.trim()).toBe("RSA-HSM");
    const other = await cli([
      "emulator", "role", "assignment", "create", "--hsm-name", "h1", "--role", "21dbd100-6940-42c2-9190-5d6cb909625b", "--scope", "/keys/k", "--assignee-object-id", PRINCIPAL,
    ]);
    expect(other.json()).toMatchObject({ roleName: "Managed HSM Crypto User", scope: "/keys/k", principalId: PRINCIPAL });
    const unknown = await cli(["emulator", "role", "assignment", "create", "--hsm-name", "h1", "--role", "Wizard", "--scope", "/", "--assignee-object-id", PRINCIPAL]);
    expect(unknown.stderr).toMatch(/Unknown role "Wizard"/);
    const deleted = await cli(["emulator", "role", "assignment", "delete", "--hsm-name", "h1", "--assignee-object-id", PRINCIPAL, "--scope", "/keys/k"]);
    expect(deleted.json()).toEqual([expect.objectContaining({ principalId: PRINCIPAL })]);
  });

  test("emulator token mints a token for a principal, accepted by the emulator of the data directory", async () => {
    const token = (await cli(["emulator", "token", "--oid", PRINCIPAL, "--resource", "https://vault.localhost:8443/"])).json();
    expect(token).toMatchObject({ oid: PRINCIPAL, resource: "https://vault.localhost:8443", tokenType: "Bearer" });
    const claims = JSON.parse(Buffer.from(token.accessToken.split(".")[1], "base64url").toString());
    expect(claims).toMatchObject({ oid: PRINCIPAL, aud: "https://vault.localhost:8443" });
    const { createEmulator } = await import("../../src/emulator/index.js");
    const emulator = createEmulator({ dataDir: home.dir });
    const res = await emulator.handle({
      method: "GET",
      url: "https://x.vault.localhost:8443/keys?api-version=7.4",
      headers: { host: "x.vault.localhost:8443", authorization: `Bearer ${token.accessToken}` },
    });
    emulator.close();
    expect(res.status).toBe(404); // authenticated (strict mode): the vault just does not exist
    expect((await cli(["emulator", "token", "--oid", "nope"])).code).not.toBe(0);
  });
});

describe("kvkey emulator security-domain", () => {
  test("download for three wrapping keys, upload with two into another HSM, and the backup restores there", async () => {
    const files: string[] = [];
    for (let i = 0; i < 3; i++) {
      const k = wrappingKey();
      writeFileSync(join(home.dir, `cert_${i}.cer`), k.certificatePem);
      writeFileSync(join(home.dir, `cert_${i}.key`), k.privateKeyPem);
      files.push(`cert_${i}`);
    }
    await cli(["create", "--hsm-name", "src", "-n", "k", "--kty", "EC"]);
    await cli(["backup", "--hsm-name", "src", "-n", "k", "-f", join(home.dir, "k.bak")]);
    const down = await cli(
      ["emulator", "security-domain", "download", "--hsm-name", "src", "--sd-wrapping-keys", ...files.map((f) => `${f}.cer`), "--sd-quorum", "2", "--security-domain-file", "sd.json"],
      { cwd: home.dir },
    );
    expect(down.code).toBe(0);
    expect(down.json()).toMatchObject({ hsm: "src", required: 2, shares: 3, status: "Success" });
    const again = await cli(
      ["emulator", "security-domain", "download", "--hsm-name", "src", "--sd-wrapping-keys", ...files.map((f) => `${f}.cer`), "--sd-quorum", "2", "--security-domain-file", "sd.json"],
      { cwd: home.dir },
    );
    expect(again.stderr).toMatch(/already exists/);

    await cli(["emulator", "vault", "create", "--hsm", "-n", "dst"]);
    expect((await cli(["restore", "--hsm-name", "dst", "-f", "k.bak"], { cwd: home.dir })).stderr).toMatch(/SecurityDomainMismatch/);
    const up = await cli(["emulator", "security-domain", "upload", "--hsm-name", "dst", "--sd-file", "sd.json", "--sd-wrapping-keys", "cert_1.key", "cert_2.key"], { cwd: home.dir });
    expect(up.code).toBe(0);
    expect(up.json().domainId).toBe(down.json().domainId);
    expect((await cli(["restore", "--hsm-name", "dst", "-f", "k.bak"], { cwd: home.dir })).code).toBe(0);
  });
});
