import { randomUUID } from "node:crypto";
import { armResourceId } from "../domain/azure-resource.js";
import { normalizeScope } from "../domain/rbac.js";
import type { Vault, VaultKind } from "../domain/vault.js";
import type { AccessControl } from "../service/access-control.js";
import type { AuthMode, TokenAuthority } from "./auth.js";
import { readUnverifiedClaims } from "./auth.js";
import type { Addressed } from "./host.js";
import { failure, type Answer } from "./respond.js";
import type { Route } from "./router.js";
import { escapeControl } from "../../shared/control-chars.js";

// The authorize step: in a container that enforces role-based access, the caller (the token's `oid`)
// needs a role assignment granting the route's data action at a scope covering the resource; otherwise
// the request ends here with the service's 403. Everywhere else it does nothing.
//
// The caller: with `--auth strict` the token was verified by the step before; with `--auth any` a
// token the emulator did not issue is read without checking its signature (any JWT's `oid` counts, as
// the emulator trusts every token in that mode), and a token that is not a JWT, or has no `oid`, is an
// anonymous caller whom no assignment names: RBAC denies it everything.

/** What a route asks of RBAC: the data action and the scope of the resource it acts on. */
export interface RequiredPermission {
  action: string;
  /** `/`, `/keys` or `/keys/{name}`. */
  scope: string;
}

const KV = "Microsoft.KeyVault/vaults";
const MHSM = "Microsoft.KeyVault/managedHsm";

/**
 * The data action of each route, per kind of container. Key vault: Microsoft's access-policy-to-RBAC
 * mapping (get/list -> keys/read, ...; domain/rbac.ts cites it); reading deleted keys is keys/read there
 * too (the mapping has no separate action). Managed HSM: the KeyVaultDataAction names of the
 * administration SDKs (rotation policies are read and written with keys/read/action and keys/write/action).
 */
export function requiredPermission(route: Route, kind: VaultKind): RequiredPermission {
  const hsm = kind === "managedhsm";
  const key = "name" in route ? `/keys/${route.name}` : "/keys";
  const on = (vault: string, managed: string, scope = key): RequiredPermission => ({ action: hsm ? `${MHSM}/${managed}` : `${KV}/${vault}`, scope });
  switch (route.op) {
    case "listKeys":
      return on("keys/read", "keys/read/action");
    case "getKey":
    case "listKeyVersions":
    case "getKeyAttestation":
      return on("keys/read", "keys/read/action");
    case "createKey":
      return on("keys/create/action", "keys/create");
    case "importKey":
      return on("keys/import/action", "keys/import/action");
    case "updateKey":
      return on("keys/update/action", "keys/write/action");
    case "deleteKey":
      return on("keys/delete", "keys/delete");
    case "backupKey":
      return on("keys/backup/action", "keys/backup/action");
    case "restoreKey":
      return on("keys/restore/action", "keys/restore/action");
    case "rotateKey":
      return on("keys/rotate/action", "keys/rotate/action");
    case "getRotationPolicy":
      return on("keyrotationpolicies/read", "keys/read/action");
    case "updateRotationPolicy":
      return on("keyrotationpolicies/write", "keys/write/action");
    case "releaseKey":
      return on("keys/release/action", "keys/release/action");
    case "keyOperation": {
      const verb = route.operation === "wrapkey" ? "wrap" : route.operation === "unwrapkey" ? "unwrap" : route.operation;
      return on(`keys/${verb}/action`, `keys/${verb}/action`);
    }
    case "listDeletedKeys":
    case "getDeletedKey":
      return on("keys/read", "keys/deletedKeys/read/action");
    case "recoverDeletedKey":
      return on("keys/recover/action", "keys/deletedKeys/recover/action");
    case "purgeDeletedKey":
      return on("keys/purge/action", "keys/deletedKeys/delete");
    case "getRandomBytes":
      return on("keys/rng/action", "rng/action", "/");
    case "createRoleAssignment":
      return on("", "roleAssignments/write/action", scopeOf(route.scope));
    case "deleteRoleAssignment":
      return on("", "roleAssignments/delete/action", scopeOf(route.scope));
    case "getRoleAssignment":
    case "listRoleAssignments":
      return on("", "roleAssignments/read/action", scopeOf(route.scope));
    case "getRoleDefinition":
    case "listRoleDefinitions":
      return on("", "roleDefinitions/read/action", scopeOf(route.scope));
  }
}

/** A malformed scope is the operation's to refuse (400); for the decision it is the HSM's root. */
function scopeOf(scope: string): string {
  return normalizeScope(scope) ?? "/";
}

export interface Caller {
  oid?: string;
  appid?: string;
  iss?: string;
}

export function callerOf(token: string | undefined, tokens: TokenAuthority, mode: AuthMode): Caller {
  if (token === undefined) return {};
  const claims: Record<string, unknown> = (tokens.verify(token) as Record<string, unknown> | undefined) ?? (mode === "any" ? readUnverifiedClaims(token) : {});
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const caller: Caller = {};
  const oid = text(claims.oid);
  const appid = text(claims.appid) ?? text(claims.azp);
  const iss = text(claims.iss);
  if (oid) caller.oid = oid;
  if (appid) caller.appid = appid;
  if (iss) caller.iss = iss;
  return caller;
}

/** The step itself: undefined to go on, or the 403. */
export function authorize(
  access: AccessControl | undefined,
  at: Addressed,
  route: Route | undefined,
  caller: () => Caller,
): Answer | undefined {
  // A path that names no operation is answered 404/405 later, as without RBAC.
  if (!access || !route) return undefined;
  const vault = access.enforcing(at.target);
  if (!vault) return undefined;
  const need = requiredPermission(route, vault.kind);
  const who = caller();
  if (access.permits(vault, who.oid, need.action, need.scope)) return undefined;
  return vault.kind === "vault" ? keyVaultForbidden(vault, who, need) : managedHsmForbidden(need);
}

/**
 * Key Vault's RBAC refusal, line for line as the service writes it (bodies users pasted from real
 * vaults, e.g. `GET /keys` answered `Action: 'Microsoft.KeyVault/vaults/keys/read'`, `Resource:` the
 * vault's ARM id in lower case, plus `/keys/{name}` for one key, `DecisionReason: 'DeniedWithNoValidRBAC' `
 * with its trailing space, and `innererror.code` ForbiddenByRbac). The emulator's subscription and
 * resource group are its fixed placeholders (domain/azure-resource.ts), the location "local".
 */
function keyVaultForbidden(vault: Vault, caller: Caller, need: RequiredPermission): Answer {
  const callerText = [caller.appid ? `appid=${caller.appid}` : undefined, `oid=${caller.oid ?? "(none)"}`, caller.iss ? `iss=${caller.iss}` : undefined]
    .filter((part) => part !== undefined)
    .join(";");
  const resource = `${armResourceId(vault).toLowerCase()}${need.scope.startsWith("/keys/") ? need.scope : ""}`;
  const message =
    "Caller is not authorized to perform action on resource.\r\n" +
    "If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n" +
    `Caller: ${escapeControl(callerText)}\r\n` +
    `Action: '${need.action}'\r\n` +
    `Resource: '${escapeControl(resource)}'\r\n` +
    "Assignment: (not found)\r\n" +
    "DenyAssignmentId: null\r\n" +
    "DecisionReason: 'DeniedWithNoValidRBAC' \r\n" +
    `Vault: ${vault.name};location=local\r\n`;
  return failure(403, "Forbidden", message, "ForbiddenByRbac");
}

/**
 * Managed HSM's local RBAC refusal, as az prints it from the service (Azure/azure-cli#32719):
 * `(AccessDenied) Not authorized to access Microsoft.KeyVault/managedHsm/roleAssignments/read/action on / (Activity ID: …)`.
 */
function managedHsmForbidden(need: RequiredPermission): Answer {
  return failure(403, "AccessDenied", `Not authorized to access ${need.action} on ${escapeControl(need.scope)} (Activity ID: ${randomUUID()})`);
}
