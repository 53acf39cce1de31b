import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  FAKE_AZ_DIR,
  KVKEY_BIN,
  LOOPBACK_SUBSCRIPTION,
  MSI_ENDPOINT,
  VAULT_TENANT,
  fakeAzCalls,
  loopbackAzureSupport,
  startLoopbackAzure,
  writeAzProfile,
  type LoopbackAzure,
  type WorldEvent,
} from "../helpers/loopback-azure/index.mjs";
import { installProbes } from "../helpers/loopback-azure/probes.js";
import { requireBuilt } from "../helpers/binary.js";

// kvkey's Azure path end to end, on the loopback "Azure" (test/helpers/loopback-azure): the built binary
// in a network namespace where demo.vault.azure.net is the emulator behind a test CA, with real token
// endpoints (managed identity, IMDS, Entra ID) and a fake `az` that answers as az 2.45 does. Nothing
// leaves the machine: the namespace has only `lo`. Counts of token requests and IMDS connections come
// from the loopback Azure's own log; nothing here is timed.

const support = loopbackAzureSupport();
const SP = { clientId: "44444444-0000-0000-0000-000000000001", secret: "loopback-secret" };
const WORKLOAD = { clientId: "55555555-0000-0000-0000-000000000001", federatedToken: "eyJ.federated.token" };

test.runIf(!support.ok)("Azure-path tests need a network namespace: skipped", () => {
  console.warn(`loopback Azure unavailable (${support.ok ? "" : support.reason}): the Azure-path tests were skipped.`);
});

describe.skipIf(!support.ok)("against the loopback Azure", () => {
  let world: LoopbackAzure;
  beforeAll(async () => {
    requireBuilt();
    world = await startLoopbackAzure({ vaults: ["demo"], imds: "drop", servicePrincipals: [SP, WORKLOAD] });
  }, 60_000);
  afterAll(async () => world?.stop());

  /** A fresh user: kvkey's home, az's config directory (empty: not logged in) and the fake az's log. */
  function user(extra: Record<string, string> = {}) {
    const home = mkdtempSync(join(world.dir, "user-"));
    const env: Record<string, string> = {
      PATH: `${FAKE_AZ_DIR}:${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: home,
      KVKEY_HOME: join(home, ".kvkey"),
      AZURE_CONFIG_DIR: join(home, ".azure"),
      NODE_EXTRA_CA_CERTS: world.caFile,
      KVKEY_CLOUD: "AzureCloud",
      NO_COLOR: "1",
      FAKE_AZ_LOG: join(home, "az-calls.jsonl"),
      ...extra,
    };
    return {
      home,
      env,
      azCalls: () => fakeAzCalls(env.FAKE_AZ_LOG!).filter((c) => c.argv[1] === "get-access-token"),
      kvkey: (args: string[], more: Record<string, string> = {}) => world.kvkey(args, { ...env, ...more }),
    };
  }
  const count = (kind: WorldEvent["kind"], filter: (e: WorldEvent) => boolean = () => true) => world.events(kind).filter(filter).length;

  test("az logged in as a managed identity: az runs once, the next processes reuse its token, IMDS is never asked", async () => {
    const u = user();
    writeAzProfile(u.env.AZURE_CONFIG_DIR!);
    const imdsBefore = count("imds");
    const created = await u.kvkey(["create", "--vault-name", "demo", "-n", "reuse", "--kty", "EC"]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).key.kid).toMatch(/^https:\/\/demo\.vault\.azure\.net\/keys\/reuse\/[0-9a-f]{32}$/);
    const probes = installProbes(u.home, "show");
    const shown = await world.run(process.execPath, [...probes.nodeArgs, KVKEY_BIN, "show", "--vault-name", "demo", "-n", "reuse"], { env: { ...u.env, ...probes.env } });
    expect(shown.code).toBe(0);
    expect((await u.kvkey(["list", "--vault-name", "demo"])).code).toBe(0);
    // One az call for three processes, without --tenant (az refuses it for a managed identity).
    expect(u.azCalls().map((c) => c.argv.join(" "))).toEqual(["account get-access-token --output json --resource https://vault.azure.net"]);
    expect(count("imds")).toBe(imdsBefore);
    // The process ends with its output: no timer fires after the last write.
    expect(probes.timersAfterOutput()).toEqual([]);
  });

  test("a cached token the vault refuses (401) is dropped: the command gets a new one and succeeds, and the next run uses that", async () => {
    const u = user();
    writeAzProfile(u.env.AZURE_CONFIG_DIR!);
    expect((await u.kvkey(["create", "--vault-name", "demo", "-n", "before-rekey"])).code).toBe(0);
    expect(u.azCalls()).toHaveLength(1);
    // The vault's token signing key changes: every token handed out so far is refused from now on.
    await world.rekey();
    const after = await u.kvkey(["create", "--vault-name", "demo", "-n", "after-rekey", "--debug"]);
    expect(after.code).toBe(0);
    expect(after.stderr).toContain("DEBUG: credential: the vault refused the token (401): dropped from kvkey's token cache; asking for a new one");
    expect(u.azCalls()).toHaveLength(2);
    expect((await u.kvkey(["show", "--vault-name", "demo", "-n", "after-rekey"])).code).toBe(0);
    expect(u.azCalls()).toHaveLength(2);
    // The tokens live only in the cache file (0600), never in the --debug trace.
    const cacheFile = join(u.env.KVKEY_HOME!, "azure-tokens.json");
    expect(statSync(cacheFile).mode & 0o777).toBe(0o600);
    const tokens = (JSON.parse(readFileSync(cacheFile, "utf8")) as { tokens: Array<{ token: string }> }).tokens.map((t) => t.token);
    expect(tokens).toHaveLength(1);
    for (const token of tokens) expect(after.stderr).not.toContain(token.split(".")[2]);
  });

  test("a token refused on first use is replaced within the same run", async () => {
    const u = user({ FAKE_AZ_BAD_TOKENS: "1" });
    writeAzProfile(u.env.AZURE_CONFIG_DIR!);
    const created = await u.kvkey(["create", "--vault-name", "demo", "-n", "forged-first"]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(u.azCalls()).toHaveLength(2);
  });

  test("az refuses --tenant for an account kvkey cannot tell is a managed identity: it is asked again without", async () => {
    const u = user({ FAKE_AZ_REFUSE_TENANT: "1" });
    writeAzProfile(u.env.AZURE_CONFIG_DIR!, { kind: "user", tenantId: "66666666-0000-0000-0000-000000000006" });
    const created = await u.kvkey(["create", "--vault-name", "demo", "-n", "tenant-retry"]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(u.azCalls().map((c) => c.argv.includes("--tenant"))).toEqual([true, false]);
  });

  test("nothing signed in: one line says what was tried and why each failed; IMDS is probed once, then remembered", async () => {
    const u = user();
    const imdsBefore = count("imds");
    const probes = installProbes(u.home, "nologin");
    const first = await world.run(process.execPath, [...probes.nodeArgs, KVKEY_BIN, "show", "--vault-name", "demo", "-n", "k"], { env: { ...u.env, ...probes.env } });
    expect(first.code).toBe(1);
    expect(first.stdout).toBe("");
    expect(first.stderr).toBe(
      `ERROR: No Azure credentials found: AzureCliCredential: az is not logged in (no default account in ${u.env.AZURE_CONFIG_DIR}/azureProfile.json); ` +
        "ManagedIdentityCredential: IMDS at http://169.254.169.254 is not reachable (no answer within 1 s). " +
        "Please run 'az login' to setup account, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.\n",
    );
    expect(count("imds")).toBe(imdsBefore + 1);
    // The probe's timer and socket end with it: nothing keeps the process up after the error line.
    expect(probes.timersAfterOutput()).toEqual([]);
    expect(u.azCalls()).toEqual([]);

    const second = await u.kvkey(["show", "--vault-name", "demo", "-n", "k", "--debug"]);
    expect(second.code).toBe(1);
    expect(count("imds")).toBe(imdsBefore + 1);
    const debug = second.stderr.split("\n").filter((l) => l.startsWith("DEBUG: credential: "));
    expect(debug).toEqual([
      expect.stringMatching(/^DEBUG: credential: EnvironmentCredential: skipped: not configured/),
      expect.stringMatching(/^DEBUG: credential: WorkloadIdentityCredential: skipped: not configured/),
      expect.stringMatching(/^DEBUG: credential: AzureCliCredential: skipped: az is not logged in/),
      expect.stringMatching(/^DEBUG: credential: ManagedIdentityCredential: skipped after \d+ ms: IMDS at http:\/\/169\.254\.169\.254 did not answer \d+ (s|min) ago \(no answer within 1 s\), not asked again for 10 min$/),
      "DEBUG: credential: AzureDeveloperCliCredential: skipped: azd is not installed",
      "DEBUG: credential: AzurePowerShellCredential: skipped: PowerShell (pwsh) is not installed",
    ]);
    expect(second.stderr).toMatch(/^ERROR: No Azure credentials found: .*did not answer \d+ (s|min) ago/m);
  });

  test("az's own error reaches the one-line message", async () => {
    const u = user({ FAKE_AZ_FAIL: "AADSTS700082: The refresh token has expired due to inactivity. Please run 'az login' to setup account." });
    writeAzProfile(u.env.AZURE_CONFIG_DIR!, { kind: "user" });
    // Only az: AZURE_TOKEN_CREDENTIALS narrows the chain to it.
    const result = await u.kvkey(["show", "--vault-name", "demo", "-n", "k"], { AZURE_TOKEN_CREDENTIALS: "AzureCliCredential" });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "ERROR: No Azure credentials found: AzureCliCredential: AADSTS700082: The refresh token has expired due to inactivity. Please run 'az login' to setup account. " +
        "Please run 'az login' to setup account, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.\n",
    );
  });

  test("a service principal in the environment signs in at Entra ID once; a wrong secret says what Entra ID said", async () => {
    const u = user({ AZURE_TENANT_ID: VAULT_TENANT, AZURE_CLIENT_ID: SP.clientId, AZURE_CLIENT_SECRET: SP.secret });
    const tokensBefore = count("entra", (e) => e.op === "token");
    expect((await u.kvkey(["create", "--vault-name", "demo", "-n", "sp-key"])).code).toBe(0);
    expect((await u.kvkey(["show", "--vault-name", "demo", "-n", "sp-key"])).code).toBe(0);
    expect(count("entra", (e) => e.op === "token")).toBe(tokensBefore + 1);

    const wrong = user({ AZURE_TENANT_ID: VAULT_TENANT, AZURE_CLIENT_ID: SP.clientId, AZURE_CLIENT_SECRET: "not-the-secret" });
    const refused = await wrong.kvkey(["show", "--vault-name", "demo", "-n", "sp-key"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect(refused.stderr).toMatch(/^ERROR: EnvironmentCredential could not get a token for https:\/\/vault\.azure\.net\/\.default: .*AADSTS7000215: Invalid client secret provided/);
  });

  test("workload identity: the federated token is exchanged at Entra ID", async () => {
    const tokenFile = join(world.dir, "federated-token");
    writeFileSync(tokenFile, WORKLOAD.federatedToken);
    const u = user({ AZURE_TENANT_ID: VAULT_TENANT, AZURE_CLIENT_ID: WORKLOAD.clientId, AZURE_FEDERATED_TOKEN_FILE: tokenFile });
    const before = count("entra", (e) => e.op === "token" && e.how === "assertion");
    const created = await u.kvkey(["create", "--vault-name", "demo", "-n", "workload-key"]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(count("entra", (e) => e.op === "token" && e.how === "assertion")).toBe(before + 1);
  });

  test("Cloud Shell's MSI_ENDPOINT and App Service's IDENTITY_ENDPOINT: used directly, without loading undici", async () => {
    for (const [form, variables] of [
      ["msi-endpoint", { MSI_ENDPOINT }],
      ["app-service", { IDENTITY_ENDPOINT: MSI_ENDPOINT, IDENTITY_HEADER: "loopback-secret-header" }],
    ] as const) {
      const u = user(variables);
      const before = count("managed-identity", (e) => e.form === form);
      const probes = installProbes(u.home, form);
      const created = await world.run(process.execPath, [...probes.nodeArgs, KVKEY_BIN, "create", "--vault-name", "demo", "-n", `mi-${form}`], {
        env: { ...u.env, ...probes.env },
      });
      expect(created.stderr).toBe("");
      expect(created.code).toBe(0);
      expect(count("managed-identity", (e) => e.form === form)).toBe(before + 1);
      expect(probes.modulesLoaded().filter((m) => /undici|webstreams/.test(m)), `${form}: web modules loaded`).toEqual([]);
      expect(probes.timersAfterOutput()).toEqual([]);
    }
  });

  test("dates and az's output and errors hold on the Azure path", async () => {
    const u = user({ MSI_ENDPOINT });
    const created = await u.kvkey(["create", "--vault-name", "demo", "-n", "dated", "--expires", "2030-06-01T00:00:00Z", "--not-before", "2020-01-01T00:00:00Z"]);
    expect(created.code).toBe(0);
    const shown = await u.kvkey(["show", "--id", "https://demo.vault.azure.net/keys/dated"]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout).attributes).toMatchObject({ expires: "2030-06-01T00:00:00+00:00", notBefore: "2020-01-01T00:00:00+00:00" });
    // After 2038 (the SDK's 32-bit date serializer is worked around on every transport, Azure's too).
    expect((await u.kvkey(["set-attributes", "--vault-name", "demo", "-n", "dated", "--expires", "2040-01-01T00:00:00Z", "--not-before", "2038-02-01T00:00:00Z"])).code).toBe(0);
    const later = await u.kvkey(["show", "--vault-name", "demo", "-n", "dated", "--query", "attributes.[notBefore, expires]", "-o", "tsv"]);
    expect(later.stdout).toBe("2038-02-01T00:00:00+00:00\n2040-01-01T00:00:00+00:00\n");
    const missing = await u.kvkey(["show", "--vault-name", "demo", "-n", "no-such-key"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^ERROR: \(KeyNotFound\) A key with \(name\/id\) no-such-key was not found in this key vault\./);
    const listed = await u.kvkey(["list", "--vault-name", "demo", "--query", "[?name=='dated'].kid", "-o", "tsv"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toBe("https://demo.vault.azure.net/keys/dated\n");
    // The crypto commands go through the same credential (the SDK's CryptographyClient).
    expect((await u.kvkey(["create", "--vault-name", "demo", "-n", "signer"])).code).toBe(0);
    const signed = await u.kvkey(["sign", "--vault-name", "demo", "-n", "signer", "-a", "RS256", "--digest", Buffer.alloc(32, 7).toString("base64")]);
    expect(signed.stderr).toBe("");
    expect(JSON.parse(signed.stdout)).toMatchObject({ algorithm: "RS256", keyId: expect.stringMatching(/^https:\/\/demo\.vault\.azure\.net\/keys\/signer\//) });
  });
});

describe.skipIf(!support.ok)("against the loopback Azure with an IMDS (an Azure VM)", () => {
  let world: LoopbackAzure;
  beforeAll(async () => {
    requireBuilt();
    world = await startLoopbackAzure({ vaults: ["vm"], imds: "answer" });
  }, 60_000);
  afterAll(async () => world?.stop());

  test("with nothing else signed in, IMDS is probed and used, and its token reused by the next process", async () => {
    const home = mkdtempSync(join(world.dir, "vm-user-"));
    const env = {
      PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: home,
      KVKEY_HOME: join(home, ".kvkey"),
      AZURE_CONFIG_DIR: join(home, ".azure"),
      NODE_EXTRA_CA_CERTS: world.caFile,
      KVKEY_CLOUD: "AzureCloud",
    };
    const created = await world.kvkey(["create", "--vault-name", "vm", "-n", "k"], env);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    // The probe (no Metadata header), then the token request.
    expect(world.events("imds").map((e) => e.metadata)).toEqual([false, true]);
    expect((await world.kvkey(["show", "--vault-name", "vm", "-n", "k"], env)).code).toBe(0);
    expect(world.events("imds")).toHaveLength(2);
  });
});

// With Debian's real az (apt-get install azure-cli), where installed: kvkey reads az's own files and runs
// az's own `account get-access-token`. Not required in CI (.ci/run does not install az).
const HAS_AZ = support.ok && spawnSync("sh", ["-c", "command -v az"]).status === 0;
const PARTNER_SUBSCRIPTION = "88888888-0000-0000-0000-000000000008";
test.runIf(support.ok && !HAS_AZ)("tests with the real az need azure-cli: skipped", () => {
  console.warn("az is not installed: the tests of kvkey with the real az were skipped.");
});

describe.skipIf(!HAS_AZ)("with the real az on the loopback Azure", () => {
  const USER = { username: "operator@contoso.example", password: "loopback-password", objectId: "77777777-0000-0000-0000-000000000007" };
  let world: LoopbackAzure;
  beforeAll(async () => {
    requireBuilt();
    world = await startLoopbackAzure({ vaults: ["real"], imds: "answer", users: [USER] });
  }, 60_000);
  afterAll(async () => world?.stop());

  /** az's environment (a private config directory, telemetry off, the test CA trusted), and an az on PATH that logs its calls. */
  function azUser() {
    const home = mkdtempSync(join(world.dir, "az-user-"));
    const bin = join(home, "bin");
    mkdirSync(bin);
    const realAz = spawnSync("sh", ["-c", "command -v az"], { encoding: "utf8" }).stdout.trim();
    writeFileSync(join(bin, "az"), `#!/bin/sh\necho "$*" >> ${join(home, "az-calls")}\nexec ${realAz} "$@"\n`, { mode: 0o755 });
    writeFileSync(join(home, "ca-bundle.pem"), world.caPem);
    const env: Record<string, string> = {
      PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: home,
      KVKEY_HOME: join(home, ".kvkey"),
      AZURE_CONFIG_DIR: join(home, ".azure"),
      AZURE_CORE_COLLECT_TELEMETRY: "false",
      REQUESTS_CA_BUNDLE: join(home, "ca-bundle.pem"),
      NODE_EXTRA_CA_CERTS: world.caFile,
      KVKEY_CLOUD: "AzureCloud",
      NO_COLOR: "1",
    };
    const calls = () => {
      try {
        return readFileSync(join(home, "az-calls"), "utf8").split("\n").filter((l) => l.startsWith("account get-access-token"));
      } catch {
        return [];
      }
    };
    return { env, calls };
  }

  test("az login -u (a user): kvkey asks az once, then uses its token cache", async () => {
    const u = azUser();
    const login = await world.run("az", ["login", "-u", USER.username, "-p", USER.password, "--tenant", VAULT_TENANT, "-o", "none"], { env: u.env });
    expect(login.stderr).toBe("");
    expect(login.code).toBe(0);
    const created = await world.kvkey(["create", "--vault-name", "real", "-n", "by-user"], u.env);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect((await world.kvkey(["show", "--vault-name", "real", "-n", "by-user"], u.env)).code).toBe(0);
    expect(u.calls()).toEqual(["account get-access-token --output json --resource https://vault.azure.net"]);
  }, 60_000);

  test("--subscription: the token is got for that subscription's account, as az's key commands get it; an unknown one gets az's error", async () => {
    const u = azUser();
    const login = await world.run("az", ["login", "-u", USER.username, "-p", USER.password, "--tenant", VAULT_TENANT, "-o", "none"], { env: u.env });
    expect(login.code).toBe(0);
    // A second account in az's profile: a subscription az reaches through the VM's managed identity
    // (`az login --identity` on top of the user's login), so the two accounts ask different token
    // endpoints (Entra ID for the user, IMDS for the identity) and the loopback Azure's log tells them apart.
    const profilePath = join(u.env.AZURE_CONFIG_DIR!, "azureProfile.json");
    const profile = JSON.parse(readFileSync(profilePath, "utf8").replace(/^\uFEFF/, "")) as { subscriptions: Array<Record<string, unknown>> };
    expect(profile.subscriptions.map((s) => [s.id, s.isDefault])).toEqual([[LOOPBACK_SUBSCRIPTION, true]]);
    profile.subscriptions.push({
      id: PARTNER_SUBSCRIPTION,
      name: "Partner Subscription",
      state: "Enabled",
      user: { name: "systemAssignedIdentity", type: "servicePrincipal", assignedIdentityInfo: "MSI" },
      isDefault: false,
      tenantId: VAULT_TENANT,
      environmentName: "AzureCloud",
      homeTenantId: VAULT_TENANT,
      managedByTenants: [],
    });
    writeFileSync(profilePath, JSON.stringify(profile));
    const identityTokens = () => world.events("imds").filter((e) => e.metadata === true).length;
    const userTokens = () => world.events("entra").filter((e) => e.op === "token").length;

    const imdsBefore = identityTokens();
    const entraBefore = userTokens();
    const created = await world.kvkey(["create", "--vault-name", "real", "-n", "by-partner", "--subscription", "partner SUBSCRIPTION"], u.env);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(u.calls()).toEqual([`account get-access-token --output json --resource https://vault.azure.net --subscription ${PARTNER_SUBSCRIPTION}`]);
    expect(identityTokens()).toBe(imdsBefore + 1);
    expect(userTokens()).toBe(entraBefore);

    // Without --subscription: the default account (the user), never the identity's cached token.
    expect((await world.kvkey(["show", "--vault-name", "real", "-n", "by-partner"], u.env)).code).toBe(0);
    expect(u.calls()).toHaveLength(2);
    expect(u.calls()[1]).toBe("account get-access-token --output json --resource https://vault.azure.net");
    expect(identityTokens()).toBe(imdsBefore + 1);
    // The partner's token again by its id: from kvkey's token cache.
    expect((await world.kvkey(["show", "--vault-name", "real", "-n", "by-partner", "--subscription", PARTNER_SUBSCRIPTION], u.env)).code).toBe(0);
    expect(u.calls()).toHaveLength(2);

    // A subscription az does not have: az's warning and error, exit 1, before any request or az run.
    const wrong = await world.kvkey(["show", "--vault-name", "real", "-n", "by-partner", "--subscription", "Partner"], u.env);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe("");
    expect(wrong.stderr).toBe("WARNING: Subscription 'Partner' not recognized.\nERROR: Subscription 'Partner' not found. Check the spelling and casing and try again.\n");
    const traced = await world.kvkey(["show", "--vault-name", "real", "-n", "by-partner", "--subscription", "Partner", "--debug"], u.env);
    expect(traced.code).toBe(1);
    expect(traced.stderr).not.toContain("DEBUG: Request:");
    expect(u.calls()).toHaveLength(2);
    // The same words as az's own (its get-access-token raises them from the same Profile.get_subscription).
    const az = await world.run("az", ["account", "get-access-token", "--subscription", "Partner"], { env: u.env });
    expect(az.code).toBe(1);
    expect(az.stderr.trim().split("\n").at(-1)).toBe("ERROR: Subscription 'Partner' not found. Check the spelling and casing and try again.");
  }, 120_000);

  test("az logged in as a managed identity (az 2.45 refuses --tenant for it): kvkey gets its token", async () => {
    const u = azUser();
    writeAzProfile(u.env.AZURE_CONFIG_DIR!);
    const created = await world.kvkey(["create", "--vault-name", "real", "-n", "by-identity"], u.env);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(u.calls()).toEqual(["account get-access-token --output json --resource https://vault.azure.net"]);
  }, 60_000);
});
