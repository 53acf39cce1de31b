import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

// Who az is logged in as, read from az's own files without running az (a Python start costs ~0.5 s):
// the account az would use is the default subscription of az's active cloud in azureProfile.json, as
// azure-cli's Profile.get_subscription picks it. kvkey reads these files and never writes them.

export interface AzAccount {
  /** az's configuration directory (AZURE_CONFIG_DIR, default ~/.azure). */
  configDir: string;
  /** az's active cloud (AZURE_CLOUD_NAME, else `[cloud] name` in the config file, else AzureCloud). */
  cloud: string;
  subscriptionId: string;
  tenantId: string;
  /** A user's sign-in name, a service principal's client id, or systemAssignedIdentity / userAssignedIdentity. */
  userName: string;
  userType: string;
  /** `MSI`, `MSIClient-<id>`...: set for managed-identity logins (`az login --identity`). */
  assignedIdentityInfo?: string;
  /** Logged in by Cloud Shell (which is a system-assigned managed identity). */
  cloudShell: boolean;
  /**
   * When azureProfile.json was last written: az rewrites it on `az login`, `az logout` and
   * `az account set`, so tokens kept for an earlier login are not used after a new one.
   */
  profileStamp: string;
}

/** az's configuration directory, as azure-cli's get_config_dir finds it. */
export function azConfigDir(env: Record<string, string | undefined>): string {
  return env.AZURE_CONFIG_DIR || join(env.HOME || homedir(), ".azure");
}

/** az's message when `--subscription` names no account of az's (az's Profile.get_subscription). */
export class AzSubscriptionError extends Error {
  override readonly name = "AzSubscriptionError";
}

/** az's own words (azure-cli's _profile.py), so kvkey's errors read as az's. */
export const AZ_LOGIN_MESSAGE = "Please run 'az login' to setup account.";
export function subscriptionNotFoundMessage(subscription: string): string {
  return `Subscription '${subscription}' not found. Check the spelling and casing and try again.`;
}

/**
 * az's active account, or undefined when az is not logged in (no profile, no subscription for the
 * active cloud, or no default among them): the cases where `az account get-access-token` says
 * "Please run 'az login' to setup account." or asks for `az account set`.
 */
export function readAzAccount(env: Record<string, string | undefined>): AzAccount | undefined {
  const found = findAzAccount(env, undefined);
  return "account" in found ? found.account : undefined;
}

/**
 * The account az uses for `--subscription <id or name>`: the first subscription of az's active cloud
 * whose id or name matches, ignoring case (az's global --subscription action resolves a name to the first
 * such subscription's id, then Profile.get_subscription takes that one). Throws AzSubscriptionError with
 * az's message when az has no subscriptions for the cloud ("Please run 'az login'...") or none matches.
 */
export function readAzSubscriptionAccount(env: Record<string, string | undefined>, subscription: string): AzAccount {
  const found = findAzAccount(env, subscription);
  if ("error" in found) throw new AzSubscriptionError(found.error);
  return found.account;
}

function findAzAccount(env: Record<string, string | undefined>, subscription: string | undefined): { account: AzAccount } | { error: string } {
  const configDir = azConfigDir(env);
  const profilePath = join(configDir, "azureProfile.json");
  const profile = readJson(profilePath) as { subscriptions?: unknown } | undefined;
  const cloud = env.AZURE_CLOUD_NAME || activeCloudFromConfig(configDir) || "AzureCloud";
  // Profile.load_cached_subscriptions: the subscriptions of the active cloud only.
  const candidates = (profile && Array.isArray(profile.subscriptions) ? profile.subscriptions : []).filter(
    (s): s is Record<string, unknown> => typeof s === "object" && s !== null && (s as Record<string, unknown>).environmentName === cloud,
  );
  if (candidates.length === 0) return { error: AZ_LOGIN_MESSAGE };
  const wanted = subscription?.toLowerCase();
  const chosen =
    wanted === undefined
      ? candidates.find((s) => s.isDefault === true)
      : candidates.find((s) => [s.id, s.name].some((v) => typeof v === "string" && v.toLowerCase() === wanted));
  if (!chosen) {
    return { error: subscription === undefined ? "No subscription found. Run 'az account set' to select a subscription." : subscriptionNotFoundMessage(subscription) };
  }
  const user = (typeof chosen.user === "object" && chosen.user !== null ? chosen.user : {}) as Record<string, unknown>;
  if (typeof chosen.id !== "string" || typeof chosen.tenantId !== "string" || typeof user.name !== "string") return { error: AZ_LOGIN_MESSAGE };
  const account: AzAccount = {
    configDir,
    cloud,
    subscriptionId: chosen.id,
    tenantId: chosen.tenantId,
    userName: user.name,
    userType: typeof user.type === "string" ? user.type : "user",
    cloudShell: user.cloudShellID === true && Boolean(env.ACC_CLOUD),
    profileStamp: stamp(profilePath),
  };
  // azure-cli's _try_parse_msi_account_name: older profiles kept the identity kind in the name.
  const info = typeof user.assignedIdentityInfo === "string" ? user.assignedIdentityInfo : typeof chosen.name === "string" ? chosen.name : "";
  if ((user.name === "systemAssignedIdentity" || user.name === "userAssignedIdentity") && /^MSI(Client|Object|Resource)?(-|$)/.test(info)) {
    account.assignedIdentityInfo = info;
  }
  return { account };
}

/**
 * Whether az refuses `--tenant` for this account: az 2.45 answers "Tenant shouldn't be specified for
 * managed identity account" (and the same for Cloud Shell), where the token's tenant is the identity's.
 */
export function azRefusesTenant(account: AzAccount): boolean {
  return account.assignedIdentityInfo !== undefined || account.cloudShell;
}

function activeCloudFromConfig(configDir: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(configDir, "config"), "utf8");
  } catch {
    return undefined;
  }
  // configparser's INI: `[cloud]` then `name = AzureCloud` (or `name: ...`); comments start with # or ;.
  let section = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim().toLowerCase();
      continue;
    }
    const entry = /^([^=:]+)[=:](.*)$/.exec(line);
    if (section === "cloud" && entry && entry[1]!.trim().toLowerCase() === "name") return entry[2]!.trim() || undefined;
  }
  return undefined;
}

/** When az's profile was last written ("" when there is none): a change means another login. */
export function azProfileStamp(env: Record<string, string | undefined>): string {
  return stamp(join(azConfigDir(env), "azureProfile.json"));
}

function stamp(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.mtimeMs}:${stat.size}`;
  } catch {
    return "";
  }
}

/** az writes its JSON files as UTF-8 with a byte-order mark (Python's utf-8-sig). */
function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8").replace(/^\uFEFF/, ""));
  } catch {
    return undefined;
  }
}
