import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startEmulator, type ServedEmulator } from "../../src/emulator/server.js";
import { tempDataDir } from "../helpers/emulator.js";
import { AZ_SHIM, AZ_VENDORED_T1, prepareAzPython, writeManagedIdentityProfile } from "../helpers/az-python.mjs";

// Item 8 of issue 22: the managed-identity endpoint answers what az 2.45's msrestazure sends — the VM
// extension form (POST, `resource=` form body, `Metadata: true`) and App Service 2017-09-01 (GET with a
// `secret` header) — so real az with a custom cloud and a managed-identity account works against the
// served emulator with no other server. The wire shapes are tested always; real az when it is installed.

const PRINCIPAL = "44444444-dddd-4ddd-8ddd-000000000004";
const cleanups: Array<() => void | Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function serve(authMode: "any" | "strict", extra: { identityPrincipal?: string } = {}): Promise<{ served: ServedEmulator; home: string }> {
  const home = tempDataDir();
  const served = await startEmulator({ dataDir: home.dir, port: 0, authMode, ...extra });
  cleanups.push(() => home.cleanup(), () => served.close());
  return { served, home: home.dir };
}

interface Reply {
  status: number;
  json: any;
}

function call(served: ServedEmulator, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: served.port, servername: "localhost", method, path, headers: { host: `localhost:${served.port}`, ...headers }, ca: served.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, json: text ? JSON.parse(text) : undefined });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());

describe("the managed-identity endpoint, as msrestazure calls it", () => {
  test("VM extension form: POST resource=... with Metadata: true", async () => {
    const { served } = await serve("any", { identityPrincipal: PRINCIPAL });
    const form = "resource=" + encodeURIComponent(`https://vault.localhost:${served.port}`);
    const ok = await call(served, "POST", "/msi/token", { "content-type": "application/x-www-form-urlencoded", metadata: "true" }, form);
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.json).sort()).toEqual(["access_token", "client_id", "expires_in", "expires_on", "not_before", "refresh_token", "resource", "token_type"]);
    expect(ok.json).toMatchObject({ token_type: "Bearer", resource: `https://vault.localhost:${served.port}`, refresh_token: "" });
    expect(Number(ok.json.expires_on)).toBeGreaterThan(Date.now() / 1000);
    expect(claimsOf(ok.json.access_token)).toMatchObject({ oid: PRINCIPAL, aud: `https://vault.localhost:${served.port}` });

    const noMetadata = await call(served, "POST", "/msi/token", { "content-type": "application/x-www-form-urlencoded" }, form);
    expect(noMetadata.status).toBe(400);
    const noResource = await call(served, "POST", "/msi/token", { metadata: "true" }, "");
    expect(noResource.status).toBe(400);
  });

  test("App Service 2017-09-01: GET {MSI_ENDPOINT}/?resource=&api-version=2017-09-01 with the secret header", async () => {
    const { served } = await serve("strict");
    const secret = served.emulator.identityHeader;
    const path = `/msi/token/?resource=https://vault.localhost:${served.port}&api-version=2017-09-01`;
    const ok = await call(served, "GET", path, { secret });
    expect(ok.status).toBe(200);
    expect(ok.json.token_type).toBe("Bearer");
    // App Service wrote expires_on as a date then; az's _normalize_expires_on reads both forms.
    expect(ok.json.expires_on).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2} \+00:00$/);
    expect(Math.abs(Date.parse(ok.json.expires_on.replace(" +00:00", "Z").replace(/(\d+)\/(\d+)\/(\d+) /, "$3-$1-$2T")) / 1000 - claimsOf(ok.json.access_token).exp)).toBe(0);
    expect((await call(served, "GET", path, { secret: "wrong" })).status).toBe(401);
    expect((await call(served, "GET", path, {})).status).toBe(401);
    // The VM form has no secret to send: refused in strict mode, with what to use instead.
    const vm = await call(served, "POST", "/msi/token", { metadata: "true" }, `resource=https://vault.localhost:${served.port}`);
    expect(vm.status).toBe(401);
    expect(vm.json.error_description).toMatch(/App Service form/);
    // The 2019-08-01 form is unchanged.
    const modern = await call(served, "GET", `/msi/token?resource=https://vault.localhost:${served.port}&api-version=2019-08-01`, { "x-identity-header": secret });
    expect(modern.status).toBe(200);
    expect(modern.json.expires_on).toMatch(/^\d+$/);
  });
});

// ---- real az 2.45 ---------------------------------------------------------------------------------

const AZ = "/usr/bin/az";
const haveAz = existsSync(AZ) && existsSync(AZ_SHIM) && existsSync(AZ_VENDORED_T1);
const run = promisify(execFile);

describe.skipIf(!haveAz)("real az against the served emulator", () => {
  let served: ServedEmulator;
  let env: Record<string, string>;

  beforeAll(async () => {
    ({ served } = await serve("any", { identityPrincipal: PRINCIPAL }));
    const dir = tempDataDir("kvkey-az-");
    cleanups.push(() => dir.cleanup());
    // setup-az.sh's work in a private directory (az-python.mjs), and a custom cloud whose Key Vault
    // suffix carries the port, and a managed-identity account.
    const { shim, bundle } = prepareAzPython(dir.dir, served.caPem);
    const config = join(dir.dir, "azure");
    mkdirSync(config);
    env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir.dir,
      AZURE_CONFIG_DIR: config,
      AZURE_CORE_COLLECT_TELEMETRY: "false",
      AZURE_CORE_ONLY_SHOW_ERRORS: "true",
      PYTHONPATH: shim,
      REQUESTS_CA_BUNDLE: bundle,
      MSI_ENDPOINT: `${served.url}/msi/token`,
    };
    await az(["cloud", "register", "-n", "KvkeyLocal", "--endpoint-resource-manager", "https://127.0.0.1:9/", "--endpoint-active-directory", "https://login.microsoftonline.com", "--endpoint-active-directory-resource-id", "https://management.core.windows.net/", "--endpoint-active-directory-graph-resource-id", "https://graph.windows.net/", "--suffix-keyvault-dns", `.vault.localhost:${served.port}`]);
    await az(["cloud", "set", "-n", "KvkeyLocal"]);
    writeManagedIdentityProfile(config, "KvkeyLocal");
  }, 120_000);

  async function az(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(AZ, args, { env: { ...env, ...extraEnv }, timeout: 120_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
  }

  test("az keyvault key create/show through the MSI_ENDPOINT form; an RBAC vault answers az with ForbiddenByRbac", async () => {
    const created = await az(["keyvault", "key", "create", "--vault-name", "azdemo", "-n", "k1", "--kty", "EC", "--curve", "P-256", "-o", "json"]);
    expect(created.stderr).toBe("");
    expect(JSON.parse(created.stdout).key.kid).toMatch(new RegExp(`^https://azdemo\\.vault\\.localhost:${served.port}/keys/k1/`));

    // App Service 2017-09-01 form, with the secret.
    const shown = await az(["keyvault", "key", "show", "--vault-name", "azdemo", "-n", "k1", "--query", "key.kty", "-o", "tsv"], {
      APPSETTING_WEBSITE_SITE_NAME: "kvkey-test",
      MSI_SECRET: served.emulator.identityHeader,
    });
    expect(shown.stdout.trim()).toBe("EC");

    served.emulator.configureVault({ name: "azlocked", kind: "vault", rbacAuthorization: true });
    const denied = await az(["keyvault", "key", "create", "--vault-name", "azlocked", "-n", "k"]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("(Forbidden) Caller is not authorized to perform action on resource.");
    expect(denied.stderr).toContain(`oid=${PRINCIPAL}`);
    expect(denied.stderr).toContain("ForbiddenByRbac");
    served.emulator.roles.create({ name: "azlocked", kind: "vault" }, { scope: "/", role: "Key Vault Crypto Officer", principalId: PRINCIPAL });
    const allowed = await az(["keyvault", "key", "create", "--vault-name", "azlocked", "-n", "k", "--query", "key.kty", "-o", "tsv"]);
    expect(allowed.stdout.trim()).toBe("RSA");
  }, 240_000);
});
