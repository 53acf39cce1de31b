import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { azAccessToken } from "./az-cli.js";
import { AzSubscriptionError, azConfigDir, readAzAccount, readAzSubscriptionAccount, type AzAccount } from "./az-profile.js";
import { imdsHost, probeImds } from "./imds.js";
import type { CachedToken } from "./token-cache.js";

// Which credentials kvkey tries, in order, for a run against Azure. DefaultAzureCredential's members and
// order (environment, workload identity, managed identity, az, azd, PowerShell) with three changes that
// make a command cost what it must and no more:
// - a credential that is not configured is skipped without being built (nothing is loaded or spawned);
// - az is asked before IMDS, and only when az is logged in (its profile says so, no Python started);
//   IMDS is probed only when nothing before it answered, and a failed probe is remembered (imds.ts);
// - a managed-identity endpoint named by the environment (App Service, Cloud Shell's MSI_ENDPOINT,
//   Arc, pod identity) is used directly, with no probe.
// AZURE_TOKEN_CREDENTIALS narrows the list as it does for DefaultAzureCredential.

type Env = Record<string, string | undefined>;

export interface FetchedToken extends CachedToken {
  /** How it was got, for --debug (e.g. the az command line). */
  detail?: string;
}

export interface CredentialSource {
  /** @azure/identity's name for it (AzureCliCredential, ManagedIdentityCredential...). */
  name: string;
  /** Who the token is for; the token cache keys on it. Undefined: not kept across runs. */
  account?: readonly string[];
  /** Set when the source is not tried; says why. */
  unavailable?: string;
  /** Whether `unavailable` only means "not configured" (left out of the one-line error). */
  unconfigured?: boolean;
  /**
   * Configured on purpose (environment variables, AZURE_TOKEN_CREDENTIALS): when it fails to
   * authenticate (not merely unavailable), the chain stops with its error instead of trying others.
   */
  explicit: boolean;
  /**
   * az's error for a `--subscription` az's profile does not have: when this source is the first one
   * configured (nothing the environment names comes before it), the command stops with it before any
   * request, as az does; otherwise it is only why the source was skipped.
   */
  refusal?: string;
  /** Asked just before the first fetch (the IMDS probe): a reason means unavailable. */
  check?(): Promise<string | undefined>;
  fetch(scope: string, tenantId: string | undefined, claims: string | undefined): Promise<FetchedToken>;
}

export interface PlanDependencies {
  /** az's active account, or with `subscription` that subscription's (default: read from az's profile). */
  account?: AzAccount | undefined;
  /** The global `--subscription` (an id or a name): which of az's accounts the az source uses. */
  subscription?: string;
  /** Whether a command is on PATH. */
  onPath?(command: string): boolean;
  /** Whether a file exists (Azure Arc's agent). */
  exists?(path: string): boolean;
}

const VALID_NAMES =
  "EnvironmentCredential, WorkloadIdentityCredential, ManagedIdentityCredential, VisualStudioCodeCredential, AzureCliCredential, AzurePowerShellCredential, AzureDeveloperCliCredential";

/** The credentials to try, in order. Throws DefaultAzureCredential's error for a bad AZURE_TOKEN_CREDENTIALS. */
export function planCredentialSources(env: Env, home: string, deps: PlanDependencies = {}): CredentialSource[] {
  const subscription = deps.subscription;
  let account: AzAccount | undefined;
  let refusal: string | undefined;
  if ("account" in deps) account = deps.account;
  else if (subscription === undefined) account = readAzAccount(env);
  else {
    try {
      account = readAzSubscriptionAccount(env, subscription);
    } catch (err) {
      if (!(err instanceof AzSubscriptionError)) throw err;
      refusal = err.message;
    }
  }
  const azure = { subscription, refusal };
  const onPath = deps.onPath ?? ((command: string) => commandOnPath(command, env));
  const exists = deps.exists ?? existsSync;
  const choice = env.AZURE_TOKEN_CREDENTIALS?.trim().toLowerCase();
  const imds = (): CredentialSource => managedIdentity(env, home, exists, { probe: true });
  switch (choice) {
    case undefined:
    case "":
      return [
        environment(env),
        workloadIdentity(env),
        ...(managedIdentityEndpoint(env, exists) ? [managedIdentity(env, home, exists, { probe: false })] : []),
        azureCli(env, account, { requireLogin: true, ...azure }),
        ...(managedIdentityEndpoint(env, exists) ? [] : [imds()]),
        developerCli(env, onPath("azd") ? undefined : "azd is not installed"),
        powerShell(env, onPath("pwsh") ? undefined : "PowerShell (pwsh) is not installed"),
      ];
    case "dev":
      return [
        azureCli(env, account, { requireLogin: true, ...azure }),
        powerShell(env, onPath("pwsh") ? undefined : "PowerShell (pwsh) is not installed"),
        developerCli(env, onPath("azd") ? undefined : "azd is not installed"),
      ];
    case "prod":
      return [environment(env), workloadIdentity(env), managedIdentity(env, home, exists, { probe: !managedIdentityEndpoint(env, exists) })];
    case "environmentcredential":
      return [{ ...environment(env), explicit: true }];
    case "workloadidentitycredential":
      return [workloadIdentity(env)];
    case "managedidentitycredential":
      // Named on purpose: no probe, as DefaultAzureCredential does for this choice.
      return [{ ...managedIdentity(env, home, exists, { probe: false }), explicit: true }];
    case "azureclicredential":
      return [{ ...azureCli(env, account, { requireLogin: false, ...azure }), explicit: true }];
    case "azurepowershellcredential":
      return [{ ...powerShell(env, undefined), explicit: true }];
    case "azuredeveloperclicredential":
      return [{ ...developerCli(env, undefined), explicit: true }];
    case "visualstudiocodecredential":
      return [visualStudioCode(env)];
    default:
      throw new Error(
        `Invalid value for AZURE_TOKEN_CREDENTIALS = ${env.AZURE_TOKEN_CREDENTIALS}. Valid values are 'prod' or 'dev' or any of these credentials - ${VALID_NAMES}.`,
      );
  }
}

type IdentityModule = typeof import("./identity-sources.js");
type Credential = import("@azure/core-auth").TokenCredential;

/**
 * A fetch through one @azure/identity credential, built on first use (which is when @azure/identity
 * loads). `detail` says, for --debug, what the token was got with.
 */
function viaIdentity(
  make: (identity: IdentityModule) => Promise<Credential>,
  options: { detail?: (tenantId: string | undefined) => string; passTenant?: boolean } = {},
): CredentialSource["fetch"] {
  let credential: Promise<Credential> | undefined;
  return async (scope, tenantId, claims) => {
    const identity = await import("./identity-sources.js");
    credential ??= make(identity);
    const token = await identity.tokenFrom(await credential, scope, options.passTenant === false ? undefined : tenantId, claims);
    return options.detail ? { ...token, detail: options.detail(tenantId) } : token;
  };
}

function scopeResource(scope: string): string {
  return scope.replace(/\/\.default$/, "");
}

function environment(env: Env): CredentialSource {
  const tenant = env.AZURE_TENANT_ID;
  const client = env.AZURE_CLIENT_ID;
  const authority = env.AZURE_AUTHORITY_HOST ?? "";
  let secretKind: readonly string[] | undefined;
  if (env.AZURE_CLIENT_SECRET) secretKind = ["secret", env.AZURE_CLIENT_SECRET];
  else if (env.AZURE_CLIENT_CERTIFICATE_PATH) secretKind = ["certificate", env.AZURE_CLIENT_CERTIFICATE_PATH];
  else if (env.AZURE_USERNAME && env.AZURE_PASSWORD) secretKind = ["user", env.AZURE_USERNAME];
  const name = "EnvironmentCredential";
  if (!tenant || !client || !secretKind) {
    return {
      name,
      explicit: false,
      unconfigured: true,
      unavailable: "not configured (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH are not all set)",
      fetch: notConfigured,
    };
  }
  return {
    name,
    // The key is a hash (token-cache.ts): the secret itself is never written anywhere.
    account: ["environment", authority, tenant, client, ...secretKind],
    explicit: true,
    fetch: viaIdentity((identity) => identity.environmentCredential(env), { detail: (tenantId) => `client ${client}, tenant ${tenantId ?? tenant}` }),
  };
}

function workloadIdentity(env: Env): CredentialSource {
  const name = "WorkloadIdentityCredential";
  const file = env.AZURE_FEDERATED_TOKEN_FILE;
  if (!file || !env.AZURE_CLIENT_ID || !env.AZURE_TENANT_ID) {
    return {
      name,
      explicit: false,
      unconfigured: true,
      unavailable: "not configured (AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID are not all set)",
      fetch: notConfigured,
    };
  }
  return {
    name,
    account: ["workload", env.AZURE_AUTHORITY_HOST ?? "", env.AZURE_TENANT_ID, env.AZURE_CLIENT_ID, file],
    explicit: true,
    fetch: viaIdentity((identity) => identity.workloadIdentityCredential(env), { detail: () => `client ${env.AZURE_CLIENT_ID}, token file ${file}` }),
  };
}

const ARC_AGENT = "/opt/azcmagent/bin/himds";

/** The managed-identity endpoint the environment names (MSAL's order), or undefined for plain IMDS. */
export function managedIdentityEndpoint(env: Env, exists: (path: string) => boolean = existsSync): string | undefined {
  if (env.IDENTITY_ENDPOINT) return env.IDENTITY_ENDPOINT; // App Service, Functions, Service Fabric, Arc
  if (env.MSI_ENDPOINT) return env.MSI_ENDPOINT; // Cloud Shell, Machine Learning
  if (env.AZURE_POD_IDENTITY_AUTHORITY_HOST) return env.AZURE_POD_IDENTITY_AUTHORITY_HOST; // AKS pod identity
  if (process.platform === "linux" && exists(ARC_AGENT)) return `Azure Arc (${ARC_AGENT})`;
  return undefined;
}

function managedIdentity(env: Env, home: string, exists: (path: string) => boolean, options: { probe: boolean }): CredentialSource {
  const endpoint = managedIdentityEndpoint(env, exists) ?? imdsHost(env);
  const client = env.AZURE_CLIENT_ID ? `, client ${env.AZURE_CLIENT_ID}` : "";
  const source: CredentialSource = {
    name: "ManagedIdentityCredential",
    account: ["managed-identity", endpoint, env.AZURE_CLIENT_ID ?? ""],
    // An endpoint the environment names is deliberate; plain IMDS is a guess.
    explicit: managedIdentityEndpoint(env, exists) !== undefined,
    // A managed identity's token is its own tenant's: the challenge's tenant is not passed on.
    fetch: viaIdentity((identity) => identity.managedIdentityCredential(env), { detail: () => `${endpoint}${client}`, passTenant: false }),
  };
  if (options.probe) {
    source.check = async () => {
      const verdict = await probeImds(env, home);
      return verdict.available ? undefined : verdict.reason;
    };
  }
  return source;
}

function azureCli(
  env: Env,
  account: AzAccount | undefined,
  options: { requireLogin: boolean; subscription: string | undefined; refusal: string | undefined },
): CredentialSource {
  const name = "AzureCliCredential";
  if (options.refusal !== undefined) {
    return { name, explicit: false, unavailable: `--subscription ${options.subscription}: ${options.refusal}`, refusal: options.refusal, fetch: notConfigured };
  }
  if (!account && options.requireLogin) {
    return {
      name,
      explicit: false,
      unavailable: `az is not logged in (no default account in ${join(azConfigDir(env), "azureProfile.json")})`,
      fetch: notConfigured,
    };
  }
  // With --subscription, az is asked for that subscription's account, by its id (az's profile has it).
  const subscriptionId = options.subscription !== undefined ? account?.subscriptionId : undefined;
  const source: CredentialSource = {
    name,
    explicit: false,
    async fetch(scope, tenantId) {
      const result = await azAccessToken({ resource: scopeResource(scope), tenantId, account, env, ...(subscriptionId !== undefined ? { subscriptionId } : {}) });
      return { token: result.token, expiresOnTimestamp: result.expiresOnTimestamp, detail: `az ${result.args.join(" ")}` };
    },
  };
  if (account) {
    // The key names the account the token is for (the chosen subscription's user and tenant), so a token
    // of one account is never handed out for another; with --subscription the challenge's tenant is not
    // passed to az, which the last element records.
    source.account = [
      "azure-cli",
      account.configDir,
      account.profileStamp,
      account.cloud,
      account.subscriptionId,
      account.tenantId,
      account.userType,
      account.userName,
      account.assignedIdentityInfo ?? "",
      ...(subscriptionId !== undefined ? ["subscription"] : []),
    ];
  }
  return source;
}

/** A developer tool's login, through @azure/identity (azd, PowerShell, VS Code). */
function toolSource(name: string, make: (identity: IdentityModule) => Promise<Credential>, options: { unavailable?: string; explicit?: boolean } = {}): CredentialSource {
  return {
    name,
    explicit: options.explicit ?? false,
    ...(options.unavailable ? { unavailable: options.unavailable, unconfigured: true } : {}),
    fetch: viaIdentity(make),
  };
}

function developerCli(env: Env, unavailable: string | undefined): CredentialSource {
  return toolSource("AzureDeveloperCliCredential", (identity) => identity.azureDeveloperCliCredential(env), unavailable ? { unavailable } : {});
}

function powerShell(env: Env, unavailable: string | undefined): CredentialSource {
  return toolSource("AzurePowerShellCredential", (identity) => identity.azurePowerShellCredential(env), unavailable ? { unavailable } : {});
}

function visualStudioCode(env: Env): CredentialSource {
  return toolSource("VisualStudioCodeCredential", (identity) => identity.visualStudioCodeCredential(env), { explicit: true });
}

function notConfigured(): Promise<never> {
  return Promise.reject(new Error("not configured"));
}

function commandOnPath(command: string, env: Env): boolean {
  const names = process.platform === "win32" ? [`${command}.exe`, `${command}.cmd`] : [command];
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir && names.some((n) => existsSync(join(dir, n)))) return true;
  }
  return false;
}
