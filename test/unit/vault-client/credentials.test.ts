import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { readAzAccount, azRefusesTenant } from "../../../src/vault-client/credentials/az-profile.js";
import { azAccessToken, parseAzToken } from "../../../src/vault-client/credentials/az-cli.js";
import { planCredentialSources, type CredentialSource } from "../../../src/vault-client/credentials/sources.js";
import { REFRESH_MARGIN_MS, TOKEN_CACHE_FILE, TokenCache, tokenCacheKey } from "../../../src/vault-client/credentials/token-cache.js";
import { KvkeyCredential, NoCredentialsError, CredentialAuthenticationError } from "../../../src/vault-client/credentials/chain.js";
import { normalizeError } from "../../../src/cli/error-report.js";
import { AuthenticationError } from "../../../src/cli/errors.js";
import { FAKE_AZ_DIR, VAULT_TENANT, fakeAzCalls, writeAzProfile } from "../../helpers/loopback-azure/index.mjs";

// The Azure credential chain in process: which credentials are tried and in what order, what is kept
// between runs (two KvkeyCredential instances on one home stand for two kvkey processes), and how az is
// asked. az is the fake of test/helpers/loopback-azure/fake-az (az 2.45's output and errors); no test
// here reaches IMDS or the network: sources are planned with injected probes, or given explicitly.

const SCOPE = "https://vault.azure.net/.default";
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kvkey-credentials-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const names = (sources: CredentialSource[]) => sources.map((s) => `${s.name}${s.unavailable ? " (unavailable)" : ""}${s.check ? " (probe)" : ""}`);
const noTools = { onPath: () => false, exists: () => false };

describe("az's profile", () => {
  test("no profile: not logged in", () => {
    expect(readAzAccount({ AZURE_CONFIG_DIR: join(dir, "none") })).toBeUndefined();
  });

  test("a managed-identity login (with az's byte-order mark) is recognised; az refuses --tenant for it", () => {
    writeAzProfile(join(dir, "az"));
    const account = readAzAccount({ AZURE_CONFIG_DIR: join(dir, "az") })!;
    expect(account).toMatchObject({ userName: "systemAssignedIdentity", tenantId: VAULT_TENANT, assignedIdentityInfo: "MSI", cloud: "AzureCloud" });
    expect(azRefusesTenant(account)).toBe(true);
  });

  test("a user login: the default subscription of az's active cloud, as az picks it", () => {
    writeAzProfile(join(dir, "az"), { kind: "user", userName: "alice@contoso.example" });
    const account = readAzAccount({ AZURE_CONFIG_DIR: join(dir, "az") })!;
    expect(account).toMatchObject({ userName: "alice@contoso.example", userType: "user" });
    expect(account.assignedIdentityInfo).toBeUndefined();
    expect(azRefusesTenant(account)).toBe(false);
    // az's active cloud elsewhere (its config file, or AZURE_CLOUD_NAME): this login is not for it.
    writeFileSync(join(dir, "az", "config"), "[core]\noutput = json\n\n[cloud]\nname = AzureChinaCloud\n");
    expect(readAzAccount({ AZURE_CONFIG_DIR: join(dir, "az") })).toBeUndefined();
    expect(readAzAccount({ AZURE_CONFIG_DIR: join(dir, "az"), AZURE_CLOUD_NAME: "AzureCloud" })).toBeDefined();
  });

  test("a Cloud Shell login (a system-assigned identity): az refuses --tenant for it too", () => {
    mkdirSync(join(dir, "az"));
    const profile = {
      subscriptions: [
        {
          id: "s1",
          name: "Cloud Shell subscription",
          tenantId: VAULT_TENANT,
          isDefault: true,
          environmentName: "AzureCloud",
          user: { name: "live.com#op@example.com", type: "user", cloudShellID: true },
        },
      ],
    };
    writeFileSync(join(dir, "az", "azureProfile.json"), JSON.stringify(profile));
    expect(azRefusesTenant(readAzAccount({ AZURE_CONFIG_DIR: join(dir, "az"), ACC_CLOUD: "PROD" })!)).toBe(true);
    // Outside Cloud Shell (az checks ACC_CLOUD) the same account is an ordinary user.
    expect(azRefusesTenant(readAzAccount({ AZURE_CONFIG_DIR: join(dir, "az") })!)).toBe(false);
  });

  test("HOME/.azure when AZURE_CONFIG_DIR is not set; a rewritten profile changes the login stamp", () => {
    writeAzProfile(join(dir, ".azure"), { kind: "user" });
    const first = readAzAccount({ HOME: dir })!;
    utimesSync(join(dir, ".azure", "azureProfile.json"), new Date(), new Date(Date.now() + 5_000));
    expect(readAzAccount({ HOME: dir })!.profileStamp).not.toBe(first.profileStamp);
  });
});

describe("az's token output", () => {
  test("expires_on (az >= 2.54) wins; az 2.45's expiresOn is local time with microseconds", () => {
    expect(parseAzToken(JSON.stringify({ accessToken: "t", expiresOn: "2000-01-01 00:00:00.000000", expires_on: 1_900_000_000 }))).toEqual({
      token: "t",
      expiresOnTimestamp: 1_900_000_000_000,
    });
    expect(parseAzToken(JSON.stringify({ accessToken: "t", expiresOn: "2031-05-01 13:50:47.114324" })).expiresOnTimestamp).toBe(
      new Date(2031, 4, 1, 13, 50, 47, 114).getTime(),
    );
    // After 2038: nothing here is 32-bit.
    expect(parseAzToken(JSON.stringify({ accessToken: "t", expiresOn: "2040-01-01 00:00:00.000000" })).expiresOnTimestamp).toBe(new Date(2040, 0, 1).getTime());
    expect(() => parseAzToken(JSON.stringify({ accessToken: "t", expiresOn: "soon" }))).toThrow(/no usable expiry/);
    expect(() => parseAzToken("not json")).toThrow(/other than JSON/);
  });
});

describe("which credentials are tried", () => {
  test("nothing configured, az not logged in: az is skipped without being run, then IMDS is probed, last", () => {
    const sources = planCredentialSources({ AZURE_CONFIG_DIR: join(dir, "none") }, dir, noTools);
    expect(names(sources)).toEqual([
      "EnvironmentCredential (unavailable)",
      "WorkloadIdentityCredential (unavailable)",
      "AzureCliCredential (unavailable)",
      "ManagedIdentityCredential (probe)",
      "AzureDeveloperCliCredential (unavailable)",
      "AzurePowerShellCredential (unavailable)",
    ]);
    expect(sources[2]!.unavailable).toBe(`az is not logged in (no default account in ${join(dir, "none", "azureProfile.json")})`);
  });

  test("az logged in: az comes before the IMDS probe", () => {
    writeAzProfile(join(dir, "az"), { kind: "user" });
    const sources = planCredentialSources({ AZURE_CONFIG_DIR: join(dir, "az") }, dir, noTools);
    expect(names(sources).slice(2, 4)).toEqual(["AzureCliCredential", "ManagedIdentityCredential (probe)"]);
  });

  test("a managed-identity endpoint in the environment (Cloud Shell's MSI_ENDPOINT, App Service's IDENTITY_ENDPOINT) is used first, without a probe", () => {
    writeAzProfile(join(dir, "az"));
    for (const variable of ["MSI_ENDPOINT", "IDENTITY_ENDPOINT"]) {
      const sources = planCredentialSources({ AZURE_CONFIG_DIR: join(dir, "az"), [variable]: "http://127.0.0.1:50342/oauth2/token" }, dir, noTools);
      expect(names(sources)).toEqual([
        "EnvironmentCredential (unavailable)",
        "WorkloadIdentityCredential (unavailable)",
        "ManagedIdentityCredential",
        "AzureCliCredential",
        "AzureDeveloperCliCredential (unavailable)",
        "AzurePowerShellCredential (unavailable)",
      ]);
    }
  });

  test("a service principal and workload identity from the environment come first, and are explicit", () => {
    const env = { AZURE_TENANT_ID: "t", AZURE_CLIENT_ID: "c", AZURE_CLIENT_SECRET: "s", AZURE_FEDERATED_TOKEN_FILE: "/f", AZURE_CONFIG_DIR: join(dir, "none") };
    const [environment, workload] = planCredentialSources(env, dir, noTools);
    expect(environment).toMatchObject({ name: "EnvironmentCredential", explicit: true });
    expect(environment!.unavailable).toBeUndefined();
    expect(workload).toMatchObject({ name: "WorkloadIdentityCredential", explicit: true });
  });

  test("AZURE_TOKEN_CREDENTIALS narrows the chain as DefaultAzureCredential does", () => {
    const base = { AZURE_CONFIG_DIR: join(dir, "none") };
    expect(names(planCredentialSources({ ...base, AZURE_TOKEN_CREDENTIALS: "dev" }, dir, noTools))).toEqual([
      "AzureCliCredential (unavailable)",
      "AzurePowerShellCredential (unavailable)",
      "AzureDeveloperCliCredential (unavailable)",
    ]);
    expect(names(planCredentialSources({ ...base, AZURE_TOKEN_CREDENTIALS: "prod" }, dir, noTools))).toEqual([
      "EnvironmentCredential (unavailable)",
      "WorkloadIdentityCredential (unavailable)",
      "ManagedIdentityCredential (probe)",
    ]);
    // Named on purpose: used without a probe; az is run even without a profile kvkey can read.
    expect(names(planCredentialSources({ ...base, AZURE_TOKEN_CREDENTIALS: " ManagedIdentityCredential " }, dir, noTools))).toEqual(["ManagedIdentityCredential"]);
    expect(names(planCredentialSources({ ...base, AZURE_TOKEN_CREDENTIALS: "AzureCliCredential" }, dir, noTools))).toEqual(["AzureCliCredential"]);
    expect(() => planCredentialSources({ ...base, AZURE_TOKEN_CREDENTIALS: "magic" }, dir, noTools)).toThrow(
      "Invalid value for AZURE_TOKEN_CREDENTIALS = magic. Valid values are 'prod' or 'dev' or any of these credentials - EnvironmentCredential, WorkloadIdentityCredential, ManagedIdentityCredential, VisualStudioCodeCredential, AzureCliCredential, AzurePowerShellCredential, AzureDeveloperCliCredential.",
    );
  });
});

describe("the token cache", () => {
  const home = () => join(dir, "home");

  test("a token stored by one process is found by the next; the file is 0600 in a 0700 directory", () => {
    const key = tokenCacheKey(["azure-cli", "alice"], VAULT_TENANT, SCOPE);
    new TokenCache(home()).store(key, { token: "tok-1", expiresOnTimestamp: Date.now() + 3_600_000 }, "AzureCliCredential");
    expect(new TokenCache(home()).lookup(key)?.token).toBe("tok-1");
    expect(statSync(join(home(), TOKEN_CACHE_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(home()).mode & 0o777).toBe(0o700);
    // Another account, tenant or scope never sees it.
    expect(new TokenCache(home()).lookup(tokenCacheKey(["azure-cli", "bob"], VAULT_TENANT, SCOPE))).toBeUndefined();
    expect(new TokenCache(home()).lookup(tokenCacheKey(["azure-cli", "alice"], "other-tenant", SCOPE))).toBeUndefined();
    expect(new TokenCache(home()).lookup(tokenCacheKey(["azure-cli", "alice"], VAULT_TENANT, "https://managedhsm.azure.net/.default"))).toBeUndefined();
    // The file names no account: only hashes of what a token is for.
    expect(readFileSync(join(home(), TOKEN_CACHE_FILE), "utf8")).not.toContain("alice");
  });

  test("a token close to expiry is not handed out; expired ones are pruned when the file is written", () => {
    const cache = new TokenCache(home());
    cache.store("soon", { token: "soon", expiresOnTimestamp: Date.now() + REFRESH_MARGIN_MS - 1_000 }, "x");
    cache.store("gone", { token: "gone", expiresOnTimestamp: Date.now() - 1 }, "x");
    expect(cache.lookup("soon")).toBeUndefined();
    expect(readFileSync(join(home(), TOKEN_CACHE_FILE), "utf8")).not.toContain('"gone"');
  });

  test("a refused token is forgotten by this process and in the file", () => {
    const cache = new TokenCache(home());
    cache.store("k", { token: "refused", expiresOnTimestamp: Date.now() + 3_600_000 }, "x");
    expect(cache.reject("refused")).toBe(true);
    expect(cache.lookup("k")).toBeUndefined();
    expect(new TokenCache(home()).lookup("k")).toBeUndefined();
    expect(cache.reject("refused")).toBe(false);
  });

  test("a damaged file counts as empty and is replaced whole", () => {
    mkdirSync(home(), { recursive: true });
    writeFileSync(join(home(), TOKEN_CACHE_FILE), '{"version":1,"tokens":[{"key":');
    const cache = new TokenCache(home());
    expect(cache.lookup("k")).toBeUndefined();
    cache.store("k", { token: "fresh", expiresOnTimestamp: Date.now() + 3_600_000 }, "x");
    expect(new TokenCache(home()).lookup("k")?.token).toBe("fresh");
  });
});

/** A source that hands out numbered tokens and counts its fetches. */
function countingSource(name: string, options: Partial<CredentialSource> & { fail?: Error } = {}): CredentialSource & { fetches: number } {
  const source = {
    name,
    explicit: false,
    account: [name, "account"],
    fetches: 0,
    ...options,
    async fetch() {
      source.fetches += 1;
      if (options.fail) throw options.fail;
      return { token: `${name}-${source.fetches}`, expiresOnTimestamp: Date.now() + 3_600_000, detail: "test" };
    },
  };
  return source;
}

describe("the credential chain", () => {
  const unavailable = (message: string) => Object.assign(new Error(message), { name: "CredentialUnavailableError" });

  test("the first source that answers gives the token; the next process finds it in the cache", async () => {
    const first = [countingSource("A", { unavailable: "not configured", unconfigured: true }), countingSource("B")];
    const token = await new KvkeyCredential({ env: {}, home: dir, sources: first }).getToken(SCOPE, { tenantId: VAULT_TENANT });
    expect(token.token).toBe("B-1");
    // Handed out as expiring now, so the SDK asks this credential again for every request.
    expect(token.expiresOnTimestamp).toBeLessThanOrEqual(Date.now());
    const second = [countingSource("A", { unavailable: "not configured", unconfigured: true }), countingSource("B")];
    expect((await new KvkeyCredential({ env: {}, home: dir, sources: second }).getToken(SCOPE, { tenantId: VAULT_TENANT })).token).toBe("B-1");
    expect(second[1]!.fetches).toBe(0);
  });

  test("a token the vault refused is dropped: the retry and the next process get a new one", async () => {
    const source = countingSource("B");
    const credential = new KvkeyCredential({ env: {}, home: dir, sources: [source] });
    expect((await credential.getToken(SCOPE)).token).toBe("B-1");
    credential.rejectToken("B-1");
    expect((await credential.getToken(SCOPE)).token).toBe("B-2");
    const next = countingSource("B");
    expect((await new KvkeyCredential({ env: {}, home: dir, sources: [next] }).getToken(SCOPE)).token).toBe("B-2");
    // What the pipeline calls on a 401: a new token for the same scope and tenant; none for a token it never handed out.
    expect(await credential.replaceRejected("B-2")).toBe("B-3");
    expect(await credential.replaceRejected("unknown")).toBeUndefined();
  });

  test("requests made at once share one fetch", async () => {
    const source = countingSource("B");
    const credential = new KvkeyCredential({ env: {}, home: dir, sources: [source] });
    const tokens = await Promise.all([credential.getToken(SCOPE), credential.getToken(SCOPE), credential.getToken(SCOPE)]);
    expect(tokens.map((t) => t.token)).toEqual(["B-1", "B-1", "B-1"]);
    expect(source.fetches).toBe(1);
  });

  test("a claims challenge bypasses the cache", async () => {
    const source = countingSource("B");
    const credential = new KvkeyCredential({ env: {}, home: dir, sources: [source] });
    await credential.getToken(SCOPE);
    expect((await credential.getToken(SCOPE, { claims: '{"access_token":{}}' })).token).toBe("B-2");
  });

  test("when nothing works, one line names every credential tried and why it failed; --debug has a line each, with times", async () => {
    const lines: string[] = [];
    const sources = [
      countingSource("EnvironmentCredential", { unavailable: "not configured", unconfigured: true }),
      countingSource("AzureCliCredential", { unavailable: "az is not logged in (no default account in /h/.azure/azureProfile.json)" }),
      countingSource("ManagedIdentityCredential", { check: async () => "IMDS at http://169.254.169.254 is not reachable (ECONNREFUSED)" }),
      countingSource("AzureDeveloperCliCredential", { fail: unavailable("Azure Developer CLI could not be found.\nSee https://aka.ms/troubleshoot for details.") }),
    ];
    const failure = await new KvkeyCredential({ env: {}, home: dir, sources, debug: (l) => lines.push(l) }).getToken(SCOPE).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NoCredentialsError);
    const message =
      "No Azure credentials found: AzureCliCredential: az is not logged in (no default account in /h/.azure/azureProfile.json); " +
      "ManagedIdentityCredential: IMDS at http://169.254.169.254 is not reachable (ECONNREFUSED); " +
      "AzureDeveloperCliCredential: Azure Developer CLI could not be found. " +
      "Please run 'az login' to setup account, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.";
    expect((failure as Error).message).toBe(message);
    const cli = normalizeError(failure);
    expect(cli).toBeInstanceOf(AuthenticationError);
    expect(cli.message).toBe(message);
    expect(lines).toEqual([
      "credential: EnvironmentCredential: skipped: not configured",
      "credential: AzureCliCredential: skipped: az is not logged in (no default account in /h/.azure/azureProfile.json)",
      expect.stringMatching(/^credential: ManagedIdentityCredential: skipped after \d+ ms: IMDS at http:\/\/169\.254\.169\.254 is not reachable \(ECONNREFUSED\)$/),
      expect.stringMatching(/^credential: AzureDeveloperCliCredential: failed after \d+ ms: Azure Developer CLI could not be found\.$/),
    ]);
    expect(sources[2]!.fetches).toBe(0);
  });

  test("an explicitly configured credential that fails to authenticate stops the chain with its own message", async () => {
    const rejected = Object.assign(new Error("ClientSecretCredential authentication failed: AADSTS7000215: Invalid client secret provided."), { name: "AuthenticationError" });
    const after = countingSource("AzureCliCredential");
    const sources = [countingSource("EnvironmentCredential", { explicit: true, fail: rejected }), after];
    const failure = await new KvkeyCredential({ env: {}, home: dir, sources }).getToken(SCOPE).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CredentialAuthenticationError);
    expect(normalizeError(failure).message).toBe(
      `EnvironmentCredential could not get a token for ${SCOPE}: ClientSecretCredential authentication failed: AADSTS7000215: Invalid client secret provided.`,
    );
    expect(after.fetches).toBe(0);
  });

  test("a probe runs once per process, and only when the source is reached", async () => {
    let probes = 0;
    const probed = countingSource("ManagedIdentityCredential", { check: async () => (probes++, "unreachable") });
    const credential = new KvkeyCredential({ env: {}, home: dir, sources: [countingSource("AzureCliCredential"), probed] });
    await credential.getToken(SCOPE);
    expect(probes).toBe(0);
    const alone = new KvkeyCredential({ env: {}, home: dir, sources: [probed] });
    await alone.getToken(SCOPE).catch(() => undefined);
    await alone.getToken(SCOPE).catch(() => undefined);
    expect(probes).toBe(1);
  });
});

describe("az account get-access-token", () => {
  const log = () => join(dir, "az.log");
  const azEnv = (extra: Record<string, string> = {}) => ({
    PATH: `${FAKE_AZ_DIR}:${dirname(process.execPath)}:/usr/bin:/bin`,
    AZURE_CONFIG_DIR: join(dir, "az"),
    FAKE_AZ_LOG: log(),
    FAKE_AZ_STATIC_TOKEN: "az-token",
    ...extra,
  });
  const argvs = () => fakeAzCalls(log()).map((c: { argv: string[] }) => c.argv.join(" "));

  test("a managed-identity login: --tenant is never passed (az refuses it)", async () => {
    writeAzProfile(join(dir, "az"));
    const env = azEnv();
    const token = await azAccessToken({ resource: "https://vault.azure.net", tenantId: "another-tenant", account: readAzAccount(env), env });
    expect(token.token).toBe("az-token");
    expect(argvs()).toEqual(["account get-access-token --output json --resource https://vault.azure.net"]);
  });

  test("a user login: --tenant only for another tenant than the account's", async () => {
    writeAzProfile(join(dir, "az"), { kind: "user" });
    const env = azEnv();
    const account = readAzAccount(env);
    await azAccessToken({ resource: "https://vault.azure.net", tenantId: VAULT_TENANT.toUpperCase(), account, env });
    await azAccessToken({ resource: "https://vault.azure.net", tenantId: "33333333-0000-0000-0000-000000000003", account, env });
    expect(argvs()).toEqual([
      "account get-access-token --output json --resource https://vault.azure.net",
      "account get-access-token --output json --resource https://vault.azure.net --tenant 33333333-0000-0000-0000-000000000003",
    ]);
  });

  test("if az refuses --tenant anyway, it is asked again without it", async () => {
    writeAzProfile(join(dir, "az"), { kind: "user" });
    const env = azEnv({ FAKE_AZ_REFUSE_TENANT: "1", FAKE_AZ_EXPIRES_ON: "1" });
    const token = await azAccessToken({ resource: "https://vault.azure.net", tenantId: "33333333-0000-0000-0000-000000000003", account: readAzAccount(env), env });
    expect(token.args).not.toContain("--tenant");
    expect(argvs()).toHaveLength(2);
  });

  test("a new az login under a long-lived process (kvkey shell) is noticed: the earlier login's token is not used", async () => {
    writeAzProfile(join(dir, "az"), { kind: "user", userName: "alice@contoso.example" });
    // Only az: were it to fail, nothing goes on to probe IMDS from the test machine.
    const env = azEnv({ AZURE_TOKEN_CREDENTIALS: "AzureCliCredential" });
    const credential = new KvkeyCredential({ env, home: join(dir, "home") });
    await credential.getToken(SCOPE, { tenantId: VAULT_TENANT });
    await credential.getToken(SCOPE, { tenantId: VAULT_TENANT });
    expect(argvs()).toHaveLength(1);
    writeAzProfile(join(dir, "az"), { kind: "user", userName: "bob@contoso.example" });
    utimesSync(join(dir, "az", "azureProfile.json"), new Date(), new Date(Date.now() + 5_000));
    await credential.getToken(SCOPE, { tenantId: VAULT_TENANT });
    expect(argvs()).toHaveLength(2);
  });

  test("az's own error, without its ERROR: prefix; az missing from PATH", async () => {
    const env = azEnv();
    await expect(azAccessToken({ resource: "https://vault.azure.net", env })).rejects.toThrow(/^Please run 'az login' to setup account\.$/);
    mkdirSync(join(dir, "empty-bin"));
    const noAz = { ...env, PATH: join(dir, "empty-bin") };
    await expect(azAccessToken({ resource: "https://vault.azure.net", env: noAz })).rejects.toThrow("Azure CLI (az) was not found on PATH.");
  });
});
