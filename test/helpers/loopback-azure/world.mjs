// The loopback "Azure": runs inside its own network and mount namespaces (index.mjs starts it with
// `unshare --net --mount`), where the only interface is `lo`, so nothing here or in the programs run in
// the namespace can leave the machine. In it:
//   - /etc/hosts (a bind mount, private to the namespace) sends <vault>.vault.azure.net,
//     <hsm>.managedhsm.azure.net and management.azure.com to 127.0.0.1 and login.microsoftonline.com to
//     127.0.0.2; /etc/resolv.conf is empty, so any other name fails at once;
//   - kvkey's served emulator listens on 127.0.0.1:443 with a certificate for *.vault.azure.net from a
//     test CA, in strict token mode: only tokens minted below are accepted;
//   - a managed-identity token endpoint on 127.0.0.1:50342 (az's MSI_ENDPOINT form, Cloud Shell's, and
//     App Service's IDENTITY_ENDPOINT form);
//   - IMDS at 169.254.169.254:80, as the test asks: "drop" (connections are accepted and never answered,
//     like an address that drops packets), "refuse", "answer" (a working IMDS) or "unroutable";
//   - a small Entra ID at login.microsoftonline.com:443: OpenID metadata, instance and user-realm
//     discovery, and the v2.0 token endpoint for client credentials (secret or federated assertion) and
//     for users (password and refresh-token grants, with ID tokens and client_info as MSAL expects), so
//     a real `az login -u` works;
//   - a minimal Azure Resource Manager at management.azure.com:443 (127.0.0.3): the tenant and
//     subscription lists `az login` reads.
// Every token request and IMDS connection is appended to events.jsonl, so tests count them.
// Control: JSON lines on stdin: {"op":"rekey"} restarts the emulator on a new data directory (new token
// signing key: every token handed out before is refused from then on); {"op":"stop"}.
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const config = JSON.parse(process.argv[2]);
const { dir, pki } = config;
const eventsFile = join(dir, "events.jsonl");
const event = (kind, detail = {}) => appendFileSync(eventsFile, JSON.stringify({ t: Date.now(), kind, ...detail }) + "\n");

// ---- the namespace's network and names ---------------------------------------------------------------
execFileSync("ip", ["link", "set", "lo", "up"]);
if (config.imds !== "unroutable") execFileSync("ip", ["addr", "add", "169.254.169.254/32", "dev", "lo"]);
const hosts = [
  "127.0.0.1 localhost",
  "::1 localhost",
  ...config.vaults.map((v) => `127.0.0.1 ${v}.vault.azure.net`),
  ...config.hsms.map((h) => `127.0.0.1 ${h}.managedhsm.azure.net`),
  "127.0.0.3 management.azure.com",
  "127.0.0.2 login.microsoftonline.com",
];
writeFileSync(join(dir, "hosts"), hosts.join("\n") + "\n");
writeFileSync(join(dir, "resolv.conf"), "# loopback Azure: no name server\n");
execFileSync("mount", ["--bind", join(dir, "hosts"), "/etc/hosts"]);
execFileSync("mount", ["--bind", join(dir, "resolv.conf"), "/etc/resolv.conf"]);

// ---- the vault --------------------------------------------------------------------------------------
const { startEmulator } = await import(pathToFileURL(config.distIndex).href);
let generation = 0;
let served;
async function startVault() {
  generation += 1;
  const dataDir = join(dir, `vault-data-${generation}`);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  served = await startEmulator({
    dataDir,
    port: 443,
    host: "127.0.0.1",
    authMode: "strict",
    identityEndpoint: false,
    tls: { caPem: pki.caPem, certPem: pki.certPem, keyPem: pki.keyPem },
  });
}
await startVault();

/** A token the vault accepts, for the resource asked ("https://vault.azure.net/.default" -> its resource). */
function mint(subject, resourceOrScope) {
  const audience = String(resourceOrScope || "https://vault.azure.net")
    .replace(/\/\.default$/, "")
    .replace(/\/$/, "");
  return served.emulator.issueToken(subject, audience);
}

const readBody = (req) =>
  new Promise((resolve) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString()));
  });
const json = (res, status, body) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
};
const listen = (server, port, host) => new Promise((resolve, reject) => server.once("error", reject).listen(port, host, resolve));

// ---- managed identity: MSI_ENDPOINT (az 2.45, Cloud Shell) and App Service forms ----------------------
const MI_CLIENT = "99999999-0000-0000-0000-000000000002";
const tokenEndpoint = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  const body = await readBody(req);
  const form = new URLSearchParams(body);
  const appService = req.headers["x-identity-header"] !== undefined;
  const resource = url.searchParams.get("resource") || form.get("resource") || "";
  const clientId = url.searchParams.get("client_id") || form.get("client_id") || MI_CLIENT;
  event("managed-identity", { form: appService ? "app-service" : "msi-endpoint", method: req.method, resource, clientId });
  if (!appService && req.headers.metadata !== "true") return json(res, 400, { error: "invalid_request", error_description: "Required metadata header not specified" });
  if (!resource) return json(res, 400, { error: "invalid_request", error_description: "resource is required" });
  const issued = mint(`mi:${clientId}`, resource);
  const expiresOn = Math.floor(issued.expiresOnTimestamp / 1000);
  json(res, 200, {
    access_token: issued.token,
    expires_on: String(expiresOn),
    expires_in: String(expiresOn - Math.floor(Date.now() / 1000)),
    not_before: String(Math.floor(Date.now() / 1000)),
    resource,
    token_type: "Bearer",
    client_id: clientId,
  });
});
await listen(tokenEndpoint, 50342, "127.0.0.1");

// ---- IMDS --------------------------------------------------------------------------------------------
const held = new Set();
let imdsServer;
if (config.imds === "drop") {
  imdsServer = net.createServer((socket) => {
    event("imds", { mode: "drop" });
    held.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => held.delete(socket));
  });
} else if (config.imds === "answer") {
  imdsServer = http.createServer(async (req, res) => {
    await readBody(req);
    const url = new URL(req.url, "http://169.254.169.254");
    event("imds", { mode: "answer", path: url.pathname, metadata: req.headers.metadata === "true" });
    if (req.headers.metadata !== "true") return json(res, 400, { error: "invalid_request", error_description: "Required metadata header not specified" });
    const resource = url.searchParams.get("resource");
    if (!resource) return json(res, 400, { error: "invalid_request", error_description: "resource is required" });
    const clientId = url.searchParams.get("client_id") || MI_CLIENT;
    const issued = mint(`imds:${clientId}`, resource);
    const expiresOn = Math.floor(issued.expiresOnTimestamp / 1000);
    json(res, 200, {
      access_token: issued.token,
      client_id: clientId,
      expires_in: String(expiresOn - Math.floor(Date.now() / 1000)),
      expires_on: String(expiresOn),
      ext_expires_in: "86399",
      not_before: String(Math.floor(Date.now() / 1000)),
      resource,
      token_type: "Bearer",
    });
  });
}
if (imdsServer) await listen(imdsServer, 80, "169.254.169.254");

// ---- Entra ID -----------------------------------------------------------------------------------------
const AUTHORITY = "https://login.microsoftonline.com";
const principals = new Map((config.servicePrincipals ?? []).map((p) => [p.clientId, p]));
const users = new Map((config.users ?? []).map((u) => [u.username.toLowerCase(), u]));
const refreshTokens = new Map();
const b64url = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
/** An ID token as Entra ID's v2.0 endpoint issues it (MSAL reads it without checking a signature). */
function idToken(user, tenant, clientId) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: clientId,
    iss: `${AUTHORITY}/${tenant}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    name: user.username.split("@")[0],
    oid: user.objectId,
    preferred_username: user.username,
    sub: `sub-${user.objectId}`,
    tid: tenant,
    ver: "2.0",
  };
  return `${b64url({ alg: "RS256", typ: "JWT", kid: "loopback" })}.${b64url(claims)}.${b64url("loopback-signature")}`;
}
const entra = https.createServer({ cert: pki.certPem, key: pki.keyPem }, async (req, res) => {
  const url = new URL(req.url, AUTHORITY);
  const body = await readBody(req);
  const parts = url.pathname.split("/").filter(Boolean);
  if (req.method === "GET" && url.pathname === "/common/discovery/instance") {
    event("entra", { op: "instance-discovery" });
    const tenantFromEndpoint = /microsoftonline\.com\/([^/]+)\//.exec(url.searchParams.get("authorization_endpoint") ?? "")?.[1] ?? "common";
    return json(res, 200, {
      tenant_discovery_endpoint: `${AUTHORITY}/${tenantFromEndpoint}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: "login.microsoftonline.com", preferred_cache: "login.windows.net", aliases: ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"] }],
    });
  }
  if (req.method === "GET" && parts[0] === "common" && parts[1] === "userrealm") {
    const username = decodeURIComponent(parts[2] ?? "");
    event("entra", { op: "userrealm", username });
    return json(res, 200, {
      ver: "1.0",
      account_type: users.has(username.toLowerCase()) ? "Managed" : "Unknown",
      domain_name: username.split("@")[1] ?? "",
      cloud_instance_name: "microsoftonline.com",
      cloud_audience_urn: "urn:federation:MicrosoftOnline",
    });
  }
  if (req.method === "GET" && parts[1] === "v2.0" && parts[2] === ".well-known") {
    const tenant = parts[0];
    event("entra", { op: "openid-configuration", tenant });
    return json(res, 200, {
      token_endpoint: `${AUTHORITY}/${tenant}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${AUTHORITY}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: `${AUTHORITY}/${tenant}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
      authorization_endpoint: `${AUTHORITY}/${tenant}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${AUTHORITY}/${tenant}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${AUTHORITY}/${tenant}/oauth2/v2.0/logout`,
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "tid", "oid"],
      kerberos_endpoint: `${AUTHORITY}/${tenant}/kerberos`,
      tenant_region_scope: "NA",
      cloud_instance_name: "microsoftonline.com",
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
      rbac_url: "https://pas.windows.net",
    });
  }
  if (req.method === "POST" && parts[1] === "oauth2" && parts[2] === "v2.0" && parts[3] === "token") {
    const tenant = parts[0];
    const form = new URLSearchParams(body);
    const clientId = form.get("client_id");
    const scope = form.get("scope") ?? "";
    const grant = form.get("grant_type");
    const principal = principals.get(clientId);
    const how = form.get("client_secret") ? "secret" : form.get("client_assertion") ? "assertion" : "none";
    event("entra", { op: "token", tenant, clientId, grant, how, scope });
    const refuse = (code, text) =>
      json(res, 401, { error: "invalid_client", error_description: `AADSTS${code}: ${text}\r\nTrace ID: 00000000-0000-0000-0000-000000000000`, error_codes: [code] });
    if (grant === "password" || grant === "refresh_token") {
      let user;
      if (grant === "password") {
        user = users.get((form.get("username") ?? "").toLowerCase());
        if (!user || user.password !== form.get("password")) {
          return json(res, 400, { error: "invalid_grant", error_description: "AADSTS50126: Error validating credentials due to invalid username or password.", error_codes: [50126] });
        }
      } else {
        user = refreshTokens.get(form.get("refresh_token"));
        if (!user) return json(res, 400, { error: "invalid_grant", error_description: "AADSTS700082: The refresh token has expired due to inactivity.", error_codes: [700082] });
      }
      const resourceScope = scope.split(" ").find((s) => s.endsWith("/.default")) ?? "https://management.core.windows.net//.default";
      const issued = mint(`user:${user.objectId}`, resourceScope.replace(/\/\/\.default$/, "/.default"));
      const refresh = `rt-${Math.random().toString(36).slice(2)}-${Date.now()}`;
      refreshTokens.set(refresh, user);
      const expiresIn = Math.floor((issued.expiresOnTimestamp - Date.now()) / 1000);
      return json(res, 200, {
        token_type: "Bearer",
        scope: `${resourceScope.replace(/\.default$/, "user_impersonation")} ${resourceScope}`,
        expires_in: expiresIn,
        ext_expires_in: expiresIn,
        access_token: issued.token,
        refresh_token: refresh,
        id_token: idToken(user, tenant === "organizations" || tenant === "common" ? config.userTenant : tenant, clientId),
        client_info: b64url({ uid: user.objectId, utid: config.userTenant }),
      });
    }
    if (grant !== "client_credentials") return json(res, 400, { error: "unsupported_grant_type", error_description: `AADSTS70003: grant ${grant} is not supported here.` });
    if (!principal) return refuse(700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
    if (how === "secret" && form.get("client_secret") !== principal.secret) return refuse(7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.");
    if (how === "assertion" && principal.federatedToken !== undefined && form.get("client_assertion") !== principal.federatedToken)
      return refuse(700213, "No matching federated identity record found for presented assertion.");
    if (how === "none") return refuse(7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
    const resource = scope.split(" ")[0];
    const issued = mint(`sp:${clientId}`, resource);
    const expiresIn = Math.floor((issued.expiresOnTimestamp - Date.now()) / 1000);
    return json(res, 200, { token_type: "Bearer", expires_in: expiresIn, ext_expires_in: expiresIn, access_token: issued.token });
  }
  event("entra", { op: "unknown", method: req.method, path: url.pathname });
  json(res, 404, { error: "not_found", error_description: `loopback Entra ID does not serve ${req.method} ${url.pathname}` });
});
await listen(entra, 443, "127.0.0.2");

// ---- Azure Resource Manager (what `az login` lists) ------------------------------------------------------
const arm = https.createServer({ cert: pki.certPem, key: pki.keyPem }, async (req, res) => {
  await readBody(req);
  const url = new URL(req.url, "https://management.azure.com");
  const path = url.pathname.replace(/\/+$/, "");
  event("arm", { method: req.method, path });
  const tenant = config.userTenant;
  if (path === "/tenants") {
    return json(res, 200, { value: [{ id: `/tenants/${tenant}`, tenantId: tenant, countryCode: "US", displayName: "Loopback", domains: ["contoso.example"], tenantCategory: "Home", defaultDomain: "contoso.example", tenantType: "AAD" }] });
  }
  if (path === "/subscriptions") {
    const id = config.subscriptionId;
    return json(res, 200, {
      value: [
        {
          id: `/subscriptions/${id}`,
          authorizationSource: "RoleBased",
          managedByTenants: [],
          subscriptionId: id,
          tenantId: tenant,
          displayName: "Loopback subscription",
          state: "Enabled",
          subscriptionPolicies: { locationPlacementId: "Public_2014-09-01", quotaId: "PayAsYouGo_2014-09-01", spendingLimit: "Off" },
        },
      ],
      count: { type: "Total", value: 1 },
    });
  }
  json(res, 404, { error: { code: "NotFound", message: `loopback ARM does not serve ${req.method} ${path}` } });
});
await listen(arm, 443, "127.0.0.3");

// ---- control -------------------------------------------------------------------------------------------
async function stop() {
  for (const socket of held) socket.destroy();
  await Promise.allSettled([
    served.close(),
    new Promise((r) => tokenEndpoint.close(r)),
    new Promise((r) => entra.close(r)),
    new Promise((r) => arm.close(r)),
    imdsServer ? new Promise((r) => imdsServer.close(r)) : undefined,
  ]);
  // Also when whoever started this is gone (its end of stdin closed): nothing is left behind in /tmp.
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
const say = (message) => process.stdout.write(JSON.stringify(message) + "\n");
createInterface({ input: process.stdin }).on("line", async (line) => {
  const command = JSON.parse(line);
  try {
    if (command.op === "rekey") {
      await served.close();
      await startVault();
      event("rekey", { generation });
      say({ ok: true, op: "rekey", generation });
    } else if (command.op === "stop") {
      await stop();
    } else {
      say({ ok: false, op: command.op, error: "unknown op" });
    }
  } catch (err) {
    say({ ok: false, op: command.op, error: String(err) });
  }
});
process.stdin.on("end", () => void stop());
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => void stop());
say({ ready: true, pid: process.pid, vaultTenant: "00000000-0000-0000-0000-00000000cafe" });
