import type { TokenCredential, GetTokenOptions, AccessToken } from "@azure/core-auth";

/** Raised when no credential source works, so the CLI can tell the user how to sign in. */
export class NoCredentialsError extends Error {
  override readonly name = "NoCredentialsError";
}

/**
 * DefaultAzureCredential, so an existing `az login` (or environment / managed identity credentials)
 * just works. Its failure when nothing is signed in is a long aggregate message; it is replaced by one
 * line saying what to do.
 */
export async function azureCredential(env: Record<string, string | undefined>): Promise<TokenCredential> {
  const identity = await import("@azure/identity");
  const options: { tenantId?: string; additionallyAllowedTenants: string[] } = { additionallyAllowedTenants: ["*"] };
  if (env.AZURE_TENANT_ID) options.tenantId = env.AZURE_TENANT_ID;
  const inner = new identity.DefaultAzureCredential(options);
  return {
    async getToken(scopes: string | string[], getTokenOptions?: GetTokenOptions): Promise<AccessToken | null> {
      try {
        return await inner.getToken(scopes, getTokenOptions);
      } catch (err) {
        const name = (err as Error).name;
        if (name === "AggregateAuthenticationError" || name === "CredentialUnavailableError") {
          throw new NoCredentialsError(
            "No Azure credentials found. Please run 'az login' to setup account, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.",
          );
        }
        throw err;
      }
    },
  };
}
