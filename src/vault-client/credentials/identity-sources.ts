import type { TokenCredential } from "@azure/core-auth";
import type { CachedToken } from "./token-cache.js";

// The credentials kvkey takes from @azure/identity as they are (service principals, workload identity,
// managed identity, azd, PowerShell), made from kvkey's environment rather than process.env where the
// class allows it. This module is the only one that imports @azure/identity, and it is loaded only when
// one of them has to get a token: a run served from the token cache never loads it.

type Env = Record<string, string | undefined>;

const ALL_TENANTS = ["*"];

/** Any tenant a vault's challenge names is allowed, as az allows any tenant the account can reach. */
function common(env: Env): { additionallyAllowedTenants: string[]; authorityHost?: string } {
  return env.AZURE_AUTHORITY_HOST ? { additionallyAllowedTenants: ALL_TENANTS, authorityHost: env.AZURE_AUTHORITY_HOST } : { additionallyAllowedTenants: ALL_TENANTS };
}

/** EnvironmentCredential's rules: a client secret, else a certificate, else a user name and password. */
export async function environmentCredential(env: Env): Promise<TokenCredential> {
  const identity = await import("@azure/identity");
  const tenant = env.AZURE_TENANT_ID!;
  const client = env.AZURE_CLIENT_ID!;
  if (env.AZURE_CLIENT_SECRET) return new identity.ClientSecretCredential(tenant, client, env.AZURE_CLIENT_SECRET, common(env));
  if (env.AZURE_CLIENT_CERTIFICATE_PATH) {
    const sendChain = ["1", "true"].includes((env.AZURE_CLIENT_SEND_CERTIFICATE_CHAIN ?? "").toLowerCase());
    return new identity.ClientCertificateCredential(
      tenant,
      client,
      { certificatePath: env.AZURE_CLIENT_CERTIFICATE_PATH, ...(env.AZURE_CLIENT_CERTIFICATE_PASSWORD ? { certificatePassword: env.AZURE_CLIENT_CERTIFICATE_PASSWORD } : {}) },
      { ...common(env), sendCertificateChain: sendChain },
    );
  }
  return new identity.UsernamePasswordCredential(tenant, client, env.AZURE_USERNAME!, env.AZURE_PASSWORD!, common(env));
}

export async function workloadIdentityCredential(env: Env): Promise<TokenCredential> {
  const identity = await import("@azure/identity");
  return new identity.WorkloadIdentityCredential({
    ...common(env),
    tenantId: env.AZURE_TENANT_ID!,
    clientId: env.AZURE_CLIENT_ID!,
    tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE!,
  });
}

/**
 * ManagedIdentityCredential (MSAL finds the endpoint: App Service, Cloud Shell, Arc, Service Fabric,
 * Machine Learning, IMDS), for the user-assigned identity AZURE_CLIENT_ID names if any, as
 * DefaultAzureCredential makes it. kvkey probes IMDS itself (imds.ts), so the credential never does.
 */
export async function managedIdentityCredential(env: Env): Promise<TokenCredential> {
  const identity = await import("@azure/identity");
  return new identity.ManagedIdentityCredential({
    ...(env.AZURE_CLIENT_ID ? { clientId: env.AZURE_CLIENT_ID } : {}),
    retryOptions: { maxRetries: 5, retryDelayInMs: 800 },
  });
}

export async function azureDeveloperCliCredential(env: Env): Promise<TokenCredential> {
  const identity = await import("@azure/identity");
  return new identity.AzureDeveloperCliCredential(common(env));
}

export async function azurePowerShellCredential(env: Env): Promise<TokenCredential> {
  const identity = await import("@azure/identity");
  return new identity.AzurePowerShellCredential(common(env));
}

export async function visualStudioCodeCredential(env: Env): Promise<TokenCredential> {
  const identity = await import("@azure/identity");
  return new identity.VisualStudioCodeCredential(common(env));
}

/** One token from an @azure/identity credential, or its error (CredentialUnavailableError or AuthenticationError). */
export async function tokenFrom(credential: TokenCredential, scope: string, tenantId: string | undefined, claims?: string): Promise<CachedToken> {
  const token = await credential.getToken(scope, { ...(tenantId ? { tenantId } : {}), ...(claims ? { claims } : {}) });
  if (!token) throw Object.assign(new Error("the credential returned no token"), { name: "CredentialUnavailableError" });
  return { token: token.token, expiresOnTimestamp: token.expiresOnTimestamp };
}
