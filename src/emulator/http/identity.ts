import type { AuthMode, TokenAuthority } from "./auth.js";
import type { WireRequest, WireResponse } from "./wire.js";

// A managed-identity token endpoint, so that clients holding no Azure credential reach the served
// emulator with environment variables only. Tokens are this emulator's own, for the resource asked. It
// answers the three request shapes managed-identity clients send:
//
// - App Service, api-version 2019-08-01 (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`, what @azure/identity
//   and the other track-2 SDKs send): `GET ?resource=&api-version=2019-08-01` with `X-IDENTITY-HEADER`.
// - App Service, api-version 2017-09-01 (`MSI_ENDPOINT` + `MSI_SECRET`, what az 2.45's msrestazure sends
//   when APPSETTING_WEBSITE_SITE_NAME is set): `GET {MSI_ENDPOINT}/?resource=&api-version=2017-09-01`
//   with a `secret` header; `expires_on` comes back as App Service wrote it then ("11/05/2021 15:18:31 +00:00").
// - The VM extension form (`MSI_ENDPOINT` alone, what msrestazure sends otherwise, so az with a
//   managed-identity account): `POST` with the form body `resource=...` and `Metadata: true`.
//
// The secret: in `--auth strict` mode the two App Service forms must carry the identity header, and the
// VM form (which has no way to send one) is refused; in `--auth any` mode every caller is trusted.

export const IDENTITY_PATH = "/msi/token";

export interface IdentityOptions {
  /** The secret clients send as X-IDENTITY-HEADER (or `secret`). */
  header: string;
  /** The `oid` of every token issued here; default: the one the request names, else a fresh one. */
  principal?: string;
}

export function isIdentityRequest(url: URL): boolean {
  return url.pathname === IDENTITY_PATH || url.pathname === `${IDENTITY_PATH}/`;
}

function json(status: number, body: unknown): WireResponse {
  return { status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }, body: JSON.stringify(body) };
}

const unauthorized = (what: string) => json(401, { error: "unauthorized_client", error_description: `The ${what} is missing or wrong.` });

export function handleIdentityRequest(
  request: WireRequest,
  url: URL,
  tokens: TokenAuthority,
  options: IdentityOptions,
  mode: AuthMode,
): WireResponse {
  const method = request.method.toUpperCase();
  if (method === "POST") return vmExtensionToken(request, tokens, options, mode);
  if (method !== "GET") return json(405, { error: "invalid_request", error_description: "Use GET (App Service) or POST (VM extension)." });
  const legacy = url.searchParams.get("api-version") === "2017-09-01";
  const header = legacy ? request.headers.secret : request.headers["x-identity-header"];
  // In `any` mode every caller is trusted, as for tokens; in `strict` mode the header must match.
  if (!header || (mode === "strict" && header !== options.header)) return unauthorized(legacy ? "secret header" : "X-IDENTITY-HEADER");
  const resource = url.searchParams.get("resource");
  if (!resource) return json(400, { error: "invalid_request", error_description: "The 'resource' query parameter is required." });
  const q = url.searchParams;
  const clientId = q.get("client_id") ?? q.get("clientid") ?? q.get("principal_id") ?? "kvkey-managed-identity";
  const issued = tokens.issue(clientId, audience(resource), principalOf(options, q.get("principal_id") ?? q.get("object_id")));
  const expiresOn = Math.floor(issued.expiresOnTimestamp / 1000);
  return json(200, {
    access_token: issued.token,
    expires_on: legacy ? appServiceDate(expiresOn) : String(expiresOn),
    resource,
    token_type: "Bearer",
    client_id: clientId,
  });
}

/** msrestazure's `get_msi_token`: `POST {MSI_ENDPOINT}` with `resource=...` (and maybe `client_id`/`object_id`) and `Metadata: true`. */
function vmExtensionToken(request: WireRequest, tokens: TokenAuthority, options: IdentityOptions, mode: AuthMode): WireResponse {
  if (request.headers.metadata?.toLowerCase() !== "true") {
    return json(400, { error: "invalid_request", error_description: "Required metadata header not specified" });
  }
  if (mode === "strict") {
    return json(401, {
      error: "unauthorized_client",
      error_description: "This emulator runs with --auth strict: use the App Service form (MSI_ENDPOINT with MSI_SECRET, or IDENTITY_ENDPOINT with IDENTITY_HEADER), which carries the identity secret.",
    });
  }
  const form = new URLSearchParams(request.body ?? "");
  const resource = form.get("resource");
  if (!resource) return json(400, { error: "invalid_request", error_description: "The 'resource' form field is required." });
  const clientId = form.get("client_id") ?? "kvkey-managed-identity";
  const issued = tokens.issue(clientId, audience(resource), principalOf(options, form.get("object_id")));
  const now = Math.floor(Date.now() / 1000);
  const expiresOn = Math.floor(issued.expiresOnTimestamp / 1000);
  return json(200, {
    access_token: issued.token,
    refresh_token: "",
    expires_in: String(expiresOn - now),
    expires_on: String(expiresOn),
    not_before: String(now),
    resource,
    token_type: "Bearer",
    client_id: clientId,
  });
}

function principalOf(options: IdentityOptions, asked: string | null): string | undefined {
  return options.principal ?? asked ?? undefined;
}

/** `https://vault.localhost:8443/.default` or `.../` -> `https://vault.localhost:8443`: the audience the challenge named. */
function audience(resource: string): string {
  return resource.replace(/\/\.default$/, "").replace(/\/$/, "");
}

/** App Service 2017-09-01's `expires_on`: `MM/DD/YYYY HH:MM:SS +00:00` (UTC). */
function appServiceDate(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +00:00`;
}
