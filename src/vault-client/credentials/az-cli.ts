import { execFile } from "node:child_process";
import { azRefusesTenant, type AzAccount } from "./az-profile.js";
import type { CachedToken } from "./token-cache.js";

// A token from az's own login: `az account get-access-token`, as @azure/identity's AzureCliCredential
// runs it, with two differences that make every az login work:
// - `--tenant` is left out where it changes nothing (the account's own tenant) and where az refuses it
//   (managed-identity and Cloud Shell accounts: "Tenant shouldn't be specified for managed identity
//   account"); if az refuses it anyway, the call is made again without it;
// - az runs without a shell, so nothing in the arguments is interpreted.

/** az starts Python and may refresh a token over the network: generous, but never forever. */
const AZ_TIMEOUT_MS = 60_000;
const TENANT_REFUSED = /Tenant shouldn't be specified/i;
/** A tenant is a GUID or a domain name; anything else is not passed to az. */
const TENANT_PATTERN = /^[0-9A-Za-z.-]+$/;
/** A subscription id is a GUID; anything else (a hand-edited profile) is not passed to az. */
const SUBSCRIPTION_PATTERN = /^[0-9A-Za-z-]+$/;

/** Raised when az cannot give a token; the message is az's own (its `ERROR:` line) or says why not. */
export class AzCliError extends Error {
  override readonly name = "CredentialUnavailableError";
}

export interface AzTokenRequest {
  /** The resource (the scope without `/.default`). */
  resource: string;
  tenantId?: string;
  /** az's active account, when known (azureProfile.json); with `subscriptionId`, that subscription's account. */
  account?: AzAccount;
  /**
   * `--subscription` was given: az is asked for that subscription's account (`--subscription <id>`), as
   * az's own key commands get their credential (Profile.get_login_credentials(subscription_id)). The
   * token is then for that account's tenant: az refuses `--subscription` with `--tenant` ("Please specify
   * only one of subscription and tenant, not both"), and az's key commands ignore the tenant a vault's
   * challenge names (its CredentialAdaptor drops tenant_id).
   */
  subscriptionId?: string;
  env: Record<string, string | undefined>;
}

export interface AzTokenResult extends CachedToken {
  /** The arguments az ran with, for --debug. */
  args: string[];
}

export async function azAccessToken(request: AzTokenRequest): Promise<AzTokenResult> {
  const base = ["account", "get-access-token", "--output", "json", "--resource", request.resource];
  const tenant = request.tenantId;
  if (request.subscriptionId !== undefined) {
    if (!SUBSCRIPTION_PATTERN.test(request.subscriptionId)) throw new AzCliError(`az's profile holds a subscription id kvkey will not pass to az: ${JSON.stringify(request.subscriptionId)}.`);
    base.push("--subscription", request.subscriptionId);
  }
  const passTenant =
    request.subscriptionId === undefined &&
    tenant !== undefined &&
    TENANT_PATTERN.test(tenant) &&
    !(request.account && (azRefusesTenant(request.account) || request.account.tenantId.toLowerCase() === tenant.toLowerCase()));
  let args = passTenant ? [...base, "--tenant", tenant] : base;
  let run = await runAz(args, request.env);
  if (run.code !== 0 && passTenant && TENANT_REFUSED.test(run.stderr)) {
    args = base;
    run = await runAz(args, request.env);
  }
  if (run.notFound) throw new AzCliError("Azure CLI (az) was not found on PATH.");
  if (run.code !== 0) throw new AzCliError(azErrorLine(run.stderr) ?? `az exited with ${run.code ?? run.signal}`);
  return { ...parseAzToken(run.stdout), args };
}

/**
 * az's JSON: `accessToken`, and the expiry as `expires_on` (seconds since the epoch, az >= 2.54) or only
 * `expiresOn`, a local time without zone ("2024-05-01 13:50:47.114324", what az 2.45 prints).
 */
export function parseAzToken(stdout: string): CachedToken {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    throw new AzCliError("az account get-access-token printed something other than JSON.");
  }
  if (typeof parsed.accessToken !== "string" || parsed.accessToken === "") throw new AzCliError("az account get-access-token gave no accessToken.");
  const epoch = Number(parsed.expires_on);
  let expiresOnTimestamp = Number.isFinite(epoch) && epoch > 0 ? epoch * 1000 : NaN;
  if (Number.isNaN(expiresOnTimestamp) && typeof parsed.expiresOn === "string") expiresOnTimestamp = parseLocalTime(parsed.expiresOn);
  if (Number.isNaN(expiresOnTimestamp)) throw new AzCliError(`az account get-access-token gave no usable expiry (expiresOn ${JSON.stringify(parsed.expiresOn)}).`);
  return { token: parsed.accessToken, expiresOnTimestamp };
}

/** "YYYY-MM-DD HH:MM:SS[.ffffff]" in the local time zone, as Python's datetime.fromtimestamp prints it. */
function parseLocalTime(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!m) return NaN;
  const ms = m[7] ? Math.floor(Number(m[7].padEnd(6, "0")) / 1000) : 0;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms).getTime();
}

/** az's message without its `ERROR: ` prefix: the first ERROR line, else the first non-empty line. */
function azErrorLine(stderr: string): string | undefined {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const error = lines.find((l) => l.startsWith("ERROR:")) ?? lines.find((l) => !l.startsWith("WARNING:")) ?? lines[0];
  return error?.replace(/^ERROR:\s*/, "");
}

interface AzRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  notFound: boolean;
}

function runAz(args: string[], env: Record<string, string | undefined>): Promise<AzRun> {
  // az on Windows is az.cmd, which Node runs only through a shell; the arguments are URLs, tenant ids
  // and subscription ids checked above, so the shell has nothing to interpret.
  const windows = process.platform === "win32";
  return new Promise((resolve) => {
    execFile(
      windows ? "az.cmd" : "az",
      args,
      // A fixed working directory: az (Python) must not pick up modules or config from wherever kvkey runs.
      { env: env as NodeJS.ProcessEnv, cwd: windows ? (env.SystemRoot ?? "C:\\Windows") : "/", timeout: AZ_TIMEOUT_MS, windowsHide: true, shell: windows, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        const err = error as (NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals; killed?: boolean }) | null;
        const notFound = err?.code === "ENOENT" || (windows && /is not recognized/.test(stderr));
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        const timedOut = err?.killed === true && err.signal !== undefined;
        resolve({
          code,
          signal: err?.signal ?? null,
          stdout,
          stderr: timedOut ? `az account get-access-token did not finish within ${AZ_TIMEOUT_MS / 1000} s.` : stderr,
          notFound,
        });
      },
    );
  });
}
