import type { AuthMode, TokenAuthority } from "./auth.js";
import type { WireRequest, WireResponse } from "./wire.js";

// A managed-identity token endpoint in the App Service style (IDENTITY_ENDPOINT + IDENTITY_HEADER,
// api-version 2019-08-01), so an app using DefaultAzureCredential reaches the served emulator with two
// environment variables and no code change. Tokens are this emulator's own, for the resource asked.

export const IDENTITY_PATH = "/msi/token";

export interface IdentityOptions {
  /** The secret clients send as X-IDENTITY-HEADER. */
  header: string;
}

export function isIdentityRequest(url: URL): boolean {
  return url.pathname === IDENTITY_PATH;
}

function json(status: number, body: unknown): WireResponse {
  return { status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }, body: JSON.stringify(body) };
}

export function handleIdentityRequest(
  request: WireRequest,
  url: URL,
  tokens: TokenAuthority,
  options: IdentityOptions,
  mode: AuthMode,
): WireResponse {
  if (request.method.toUpperCase() !== "GET") return json(405, { error: "invalid_request", error_description: "Use GET." });
  const header = request.headers["x-identity-header"];
  // In `any` mode every caller is trusted, as for tokens; in `strict` mode the header must match.
  if (!header || (mode === "strict" && header !== options.header)) {
    return json(401, { error: "unauthorized_client", error_description: "The X-IDENTITY-HEADER is missing or wrong." });
  }
  const resource = url.searchParams.get("resource");
  if (!resource) return json(400, { error: "invalid_request", error_description: "The 'resource' query parameter is required." });
  const clientId = url.searchParams.get("client_id") ?? url.searchParams.get("principal_id") ?? "kvkey-managed-identity";
  const issued = tokens.issue(clientId, resource.replace(/\/\.default$/, "").replace(/\/$/, ""));
  return json(200, {
    access_token: issued.token,
    expires_on: String(Math.floor(issued.expiresOnTimestamp / 1000)),
    resource,
    token_type: "Bearer",
    client_id: clientId,
  });
}
