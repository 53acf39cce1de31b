import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { monotonicMs } from "../../shared/monotonic.js";
import { AzSubscriptionError, azProfileStamp } from "./az-profile.js";
import { planCredentialSources, type CredentialSource, type FetchedToken } from "./sources.js";
import { TokenCache, tokenCacheKey, type CachedToken } from "./token-cache.js";

// kvkey's credential for real Azure: the sources of sources.ts tried in order, each token kept in the
// token cache (across runs when the source knows its account), every attempt reported under --debug
// with its time, and one line saying what was tried when nothing worked.

/** Nothing in the chain could get a token. The message lists what was tried and why each failed. */
export class NoCredentialsError extends Error {
  override readonly name = "NoCredentialsError";
}

/** A configured credential (service principal, workload or managed identity) failed to authenticate. */
export class CredentialAuthenticationError extends Error {
  override readonly name = "CredentialAuthenticationError";
}

export interface KvkeyCredentialOptions {
  env: Record<string, string | undefined>;
  /** $KVKEY_HOME: the token cache and the IMDS probe memory live there. */
  home: string;
  debug?: (line: string) => void;
  /** The sources to try (default: planCredentialSources). */
  sources?: CredentialSource[];
  /** The global `--subscription`: az's account for it is used (sources.ts). */
  subscription?: string;
}

const SIGN_IN_HINT = "Please run 'az login' to setup account, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.";

export class KvkeyCredential implements TokenCredential {
  private sources: CredentialSource[] | undefined;
  private planStamp: string | undefined;
  private readonly disk: TokenCache;
  /** Tokens of sources that do not know their account: this process only. */
  private readonly memory = new TokenCache(undefined);
  private readonly checks = new Map<CredentialSource, Promise<string | undefined>>();
  private readonly inFlight = new Map<string, Promise<FetchedToken>>();
  private readonly announced = new Set<string>();
  /** What each token handed out was for, so a refused one can be replaced (replaceRejected). */
  private readonly handedOut = new Map<string, { scope: string; tenantId: string | undefined }>();

  constructor(private readonly options: KvkeyCredentialOptions) {
    this.disk = new TokenCache(options.home);
  }

  /**
   * The token for the scope. The AccessToken handed out says it expires now: the SDK's token cycler
   * then asks again for every request, and this credential (which answers from memory in microseconds)
   * stays the one place that decides whether a token is still good — so a token a vault refused
   * (rejectToken) is never sent again, not even by the request that retries after the 401.
   */
  async getToken(scopes: string | string[], getTokenOptions: GetTokenOptions = {}): Promise<AccessToken> {
    const scope = Array.isArray(scopes) ? scopes[0]! : scopes;
    const tenantId = getTokenOptions.tenantId;
    const claims = getTokenOptions.claims;
    const sources = this.plan();
    const failures: string[] = [];
    for (const source of sources) {
      if (source.unavailable) {
        this.note(`${source.name}: skipped: ${source.unavailable}`, `skip:${source.name}`);
        if (!source.unconfigured) failures.push(`${source.name}: ${source.unavailable}`);
        continue;
      }
      const cache = source.account ? this.disk : this.memory;
      const key = tokenCacheKey(source.account ?? [source.name], tenantId, scope);
      const cached = claims ? undefined : cache.lookup(key);
      if (cached) {
        this.note(`${source.name}: token from ${source.account ? "kvkey's token cache" : "this process"}, ${minutesLeft(cached)}`, `hit:${key}`);
        return this.handOut(cached, scope, tenantId);
      }
      const started = monotonicMs();
      try {
        if (source.check) {
          if (!this.checks.has(source)) this.checks.set(source, source.check());
          const reason = await this.checks.get(source)!;
          if (reason) {
            this.note(`${source.name}: skipped after ${elapsed(started)}: ${reason}`);
            failures.push(`${source.name}: ${reason}`);
            continue;
          }
        }
        // Requests made at once (two vaults, a page and a completion) share one fetch: one az run, not two.
        const flightKey = `${key}:${claims ?? ""}`;
        let flight = this.inFlight.get(flightKey);
        if (!flight) {
          flight = source.fetch(scope, tenantId, claims).finally(() => this.inFlight.delete(flightKey));
          this.inFlight.set(flightKey, flight);
        }
        const token: FetchedToken = await flight;
        this.note(`${source.name}: got a token in ${elapsed(started)}${token.detail ? ` (${token.detail})` : ""}, ${minutesLeft(token)}`);
        cache.store(key, token, source.name);
        this.announced.add(`hit:${key}`);
        return this.handOut(token, scope, tenantId);
      } catch (err) {
        // @azure/identity starts its messages with the credential's name: said once is enough.
        const message = oneLine(err).replace(new RegExp(`^${source.name}:\\s*`), "");
        this.note(`${source.name}: failed after ${elapsed(started)}: ${message}`);
        if (source.explicit && (err as Error).name !== "CredentialUnavailableError") {
          throw new CredentialAuthenticationError(`${source.name} could not get a token for ${scope}: ${message}`);
        }
        failures.push(`${source.name}: ${message}`);
      }
    }
    const tried = failures.length ? `: ${failures.map((f) => f.replace(/\.$/, "")).join("; ")}` : "";
    throw new NoCredentialsError(`No Azure credentials found${tried}. ${SIGN_IN_HINT}`);
  }

  /**
   * Called before the first request to a vault: with `--subscription`, az's error when az's profile has
   * no such subscription (AzSubscriptionError), so the command ends as az's does, before any network
   * call. The subscription applies only when az's login is the credential used: an identity the
   * environment names (service principal, workload or managed identity) comes first and is not chosen
   * by a subscription, which --debug says.
   */
  prepare(): void {
    if (this.options.subscription === undefined) return;
    const first = this.plan().find((s) => !(s.unavailable && s.unconfigured));
    if (first?.refusal !== undefined) throw new AzSubscriptionError(first.refusal);
    if (first && first.name !== "AzureCliCredential") {
      this.note(`--subscription ${this.options.subscription} does not choose ${first.name}'s identity (only az's login has subscriptions)`, "subscription");
    }
  }

  /**
   * The sources, planned once — and again when az's login changes under a long-lived process (`kvkey
   * shell`): a new `az login` or `az account set` rewrites az's profile.
   */
  private plan(): CredentialSource[] {
    if (this.options.sources) return this.options.sources;
    const stamp = azProfileStamp(this.options.env);
    if (!this.sources || stamp !== this.planStamp) {
      this.sources = planCredentialSources(
        this.options.env,
        this.options.home,
        this.options.subscription !== undefined ? { subscription: this.options.subscription } : {},
      );
      this.planStamp = stamp;
      this.checks.clear();
    }
    return this.sources;
  }

  /**
   * A vault answered 401 to a request carrying this token: it is dropped (here and in the token cache),
   * so no request and no later run sends it again.
   */
  rejectToken(token: string): void {
    const dropped = this.disk.reject(token) || this.memory.reject(token);
    if (dropped) {
      this.announced.clear();
      this.note("the vault refused the token (401): dropped from kvkey's token cache; asking for a new one");
    }
  }

  /** Drops a refused token and gets a new one for the same scope and tenant (undefined if that fails). */
  async replaceRejected(token: string): Promise<string | undefined> {
    const context = this.handedOut.get(token);
    this.rejectToken(token);
    if (!context) return undefined;
    try {
      return (await this.getToken(context.scope, context.tenantId ? { tenantId: context.tenantId } : {})).token;
    } catch (err) {
      this.note(`no new token after the 401: ${oneLine(err)}`);
      return undefined;
    }
  }

  private handOut(token: CachedToken, scope: string, tenantId: string | undefined): AccessToken {
    this.handedOut.set(token.token, { scope, tenantId });
    return { token: token.token, expiresOnTimestamp: Date.now(), tokenType: "Bearer" };
  }

  private note(line: string, once?: string): void {
    if (!this.options.debug) return;
    if (once) {
      if (this.announced.has(once)) return;
      this.announced.add(once);
    }
    this.options.debug(`credential: ${line}`);
  }
}

function elapsed(started: number): string {
  return `${Math.round(monotonicMs() - started)} ms`;
}

function minutesLeft(token: CachedToken): string {
  return `valid for ${Math.max(0, Math.round((token.expiresOnTimestamp - Date.now()) / 60_000))} min`;
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // @azure/identity's messages run over several lines (troubleshooting links): the first says what happened.
  return (
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find(Boolean) ?? "unknown error"
  );
}
