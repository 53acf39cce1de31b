import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { AzSubscriptionError, readAzAccount, readAzSubscriptionAccount } from "../../../src/vault-client/credentials/az-profile.js";
import { planCredentialSources } from "../../../src/vault-client/credentials/sources.js";
import { KvkeyCredential } from "../../../src/vault-client/credentials/chain.js";
import { normalizeError } from "../../../src/cli/error-report.js";
import { FAKE_AZ_DIR, fakeAzCalls } from "../../helpers/loopback-azure/index.mjs";

// The global --subscription on the Azure path: az's account for that subscription (its user and tenant),
// found in az's azureProfile.json by id or by name ignoring case, as azure-cli's Profile.get_subscription
// and its --subscription action find it; az's own errors otherwise. az is the fake of
// test/helpers/loopback-azure/fake-az, which selects the account the same way.

const SCOPE = "https://vault.azure.net/.default";
const HOME_TENANT = "aaaaaaaa-0000-0000-0000-00000000000a";
const OTHER_TENANT = "bbbbbbbb-0000-0000-0000-00000000000b";
const SUB_HOME = "11111111-0000-0000-0000-000000000001";
const SUB_OTHER = "22222222-0000-0000-0000-000000000002";
const SUB_CHINA = "33333333-0000-0000-0000-000000000003";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kvkey-subscription-"));
  mkdirSync(join(dir, "az"));
  const sub = (id: string, name: string, tenantId: string, user: string, extra: Record<string, unknown> = {}) => ({
    id,
    name,
    state: "Enabled",
    user: { name: user, type: "user" },
    isDefault: false,
    tenantId,
    environmentName: "AzureCloud",
    homeTenantId: tenantId,
    managedByTenants: [],
    ...extra,
  });
  const profile = {
    subscriptions: [
      sub(SUB_HOME, "Home Subscription", HOME_TENANT, "alice@contoso.example", { isDefault: true }),
      sub(SUB_OTHER, "Partner Subscription", OTHER_TENANT, "alice@fabrikam.example"),
      // Same name as the first, but in another cloud: az's active cloud only.
      sub(SUB_CHINA, "Partner Subscription", OTHER_TENANT, "carol@contoso.example", { environmentName: "AzureChinaCloud" }),
      // A second subscription of that name in the active cloud: az's action takes the first match.
      sub("44444444-0000-0000-0000-000000000004", "partner subscription", HOME_TENANT, "dave@contoso.example"),
    ],
  };
  writeFileSync(join(dir, "az", "azureProfile.json"), "\uFEFF" + JSON.stringify(profile));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const azEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: `${FAKE_AZ_DIR}:${dirname(process.execPath)}:/usr/bin:/bin`,
  AZURE_CONFIG_DIR: join(dir, "az"),
  FAKE_AZ_LOG: join(dir, "az.log"),
  FAKE_AZ_STATIC_TOKEN: "az-token",
  ...extra,
});
const argvs = () => fakeAzCalls(join(dir, "az.log")).map((c: { argv: string[] }) => c.argv.join(" "));

describe("az's profile: the account of a subscription", () => {
  test("by id, in any case", () => {
    const account = readAzSubscriptionAccount(azEnv(), SUB_OTHER.toUpperCase());
    expect(account).toMatchObject({ subscriptionId: SUB_OTHER, tenantId: OTHER_TENANT, userName: "alice@fabrikam.example", userType: "user" });
    // Without --subscription: the default one, as before.
    expect(readAzAccount(azEnv())).toMatchObject({ subscriptionId: SUB_HOME, tenantId: HOME_TENANT });
  });

  test("by name, ignoring case; the first of the active cloud's that match", () => {
    expect(readAzSubscriptionAccount(azEnv(), "PARTNER subscription")).toMatchObject({ subscriptionId: SUB_OTHER, userName: "alice@fabrikam.example" });
    expect(readAzSubscriptionAccount(azEnv(), "home subscription").subscriptionId).toBe(SUB_HOME);
    // In the other cloud, only its own subscriptions count.
    expect(readAzSubscriptionAccount(azEnv({ AZURE_CLOUD_NAME: "AzureChinaCloud" }), "Partner Subscription")).toMatchObject({ subscriptionId: SUB_CHINA, userName: "carol@contoso.example" });
  });

  test("not found: az's error; no login at all: az's login message", () => {
    expect(() => readAzSubscriptionAccount(azEnv(), "Partner")).toThrow(new AzSubscriptionError("Subscription 'Partner' not found. Check the spelling and casing and try again."));
    // A subscription of another cloud is not found in the active one.
    expect(() => readAzSubscriptionAccount(azEnv(), SUB_CHINA)).toThrow("Subscription '33333333-0000-0000-0000-000000000003' not found.");
    expect(() => readAzSubscriptionAccount({ AZURE_CONFIG_DIR: join(dir, "none") }, SUB_HOME)).toThrow(new AzSubscriptionError("Please run 'az login' to setup account."));
  });
});

describe("--subscription in the credential chain", () => {
  test("az is asked for that subscription's account (--subscription <id>, never --tenant); the token cache keeps accounts apart", async () => {
    const env = azEnv({ AZURE_TOKEN_CREDENTIALS: "AzureCliCredential" });
    const home = join(dir, "home");
    const partner = new KvkeyCredential({ env, home, subscription: "partner SUBSCRIPTION" });
    partner.prepare();
    // The vault's challenge names the home tenant: with --subscription, az's key commands use the
    // subscription's tenant anyway (and az refuses --subscription with --tenant).
    await partner.getToken(SCOPE, { tenantId: HOME_TENANT });
    expect(argvs()).toEqual([`account get-access-token --output json --resource https://vault.azure.net --subscription ${SUB_OTHER}`]);
    // Another process, same subscription by id: from kvkey's token cache.
    await new KvkeyCredential({ env, home, subscription: SUB_OTHER }).getToken(SCOPE, { tenantId: HOME_TENANT });
    expect(argvs()).toHaveLength(1);
    // Without --subscription (the default account, another user and tenant): never the partner's token.
    await new KvkeyCredential({ env, home }).getToken(SCOPE, { tenantId: HOME_TENANT });
    await new KvkeyCredential({ env, home, subscription: "Home Subscription" }).getToken(SCOPE, { tenantId: HOME_TENANT });
    expect(argvs()).toEqual([
      `account get-access-token --output json --resource https://vault.azure.net --subscription ${SUB_OTHER}`,
      "account get-access-token --output json --resource https://vault.azure.net",
      `account get-access-token --output json --resource https://vault.azure.net --subscription ${SUB_HOME}`,
    ]);
  });

  test("an unknown subscription: az's error before anything is asked, exit 1", () => {
    const credential = new KvkeyCredential({ env: azEnv(), home: join(dir, "home"), subscription: "nope" });
    let failure: unknown;
    try {
      credential.prepare();
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(AzSubscriptionError);
    const cli = normalizeError(failure);
    expect(cli.message).toBe("Subscription 'nope' not found. Check the spelling and casing and try again.");
    expect(cli.exitCode).toBe(1);
    expect(argvs()).toEqual([]);
  });

  test("az not logged in: az's login message (no falling back to IMDS for a subscription az does not know)", () => {
    const credential = new KvkeyCredential({ env: { AZURE_CONFIG_DIR: join(dir, "none"), PATH: "" }, home: join(dir, "home"), subscription: SUB_HOME });
    expect(() => credential.prepare()).toThrow(new AzSubscriptionError("Please run 'az login' to setup account."));
  });

  test("an identity the environment names comes first and is not chosen by a subscription: no error, --debug says so", () => {
    const lines: string[] = [];
    const env = { ...azEnv(), AZURE_TENANT_ID: HOME_TENANT, AZURE_CLIENT_ID: "55555555-0000-0000-0000-000000000005", AZURE_CLIENT_SECRET: "s" };
    const credential = new KvkeyCredential({ env, home: join(dir, "home"), subscription: "nope", debug: (l) => lines.push(l) });
    credential.prepare();
    expect(lines).toEqual(["credential: --subscription nope does not choose EnvironmentCredential's identity (only az's login has subscriptions)"]);
    // az stays in the chain behind it, skipped with az's reason.
    const az = planCredentialSources(env, join(dir, "home"), { subscription: "nope", onPath: () => false, exists: () => false }).find((s) => s.name === "AzureCliCredential")!;
    expect(az.unavailable).toBe("--subscription nope: Subscription 'nope' not found. Check the spelling and casing and try again.");
  });
});
