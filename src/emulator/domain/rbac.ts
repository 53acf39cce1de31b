import type { VaultKind } from "./vault.js";

// Role-based access control, as the two services define it: the built-in roles with their data
// actions, role assignments over a scope, and the check "does any assignment of this principal, at a
// scope covering the resource, grant this data action". Sources:
// - Key vaults (Azure RBAC, data plane): the built-in roles' JSON definitions in Microsoft Learn's
//   "Azure built-in roles for Security" (articles/role-based-access-control/built-in-roles/security.md
//   in MicrosoftDocs/azure-docs): ids and dataActions verbatim. The data action of each key operation
//   follows Microsoft's access-policy-to-RBAC mapping (Azure/KeyVault-AccessPolicyToRBAC-CompareTool):
//   get/list keys/read, create keys/create/action, ... rotation policies keyrotationpolicies/read|write.
// - Managed HSM local RBAC: "Local RBAC built-in roles for Managed HSM" (Microsoft Learn,
//   articles/key-vault/managed-hsm/built-in-roles.md in MicrosoftDocs/azure-security-docs): the ids and
//   the permitted-operations table; data action names from the administration SDKs' KeyVaultDataAction.
//   One cell of that table is taken from the service instead: the table marks Crypto Auditor with
//   keys/deletedKeys/delete (purge), which contradicts the role's own description ("read (but not use)
//   key attributes"); the service's role list (azure-cli recording test_keyvault_hsm_role.yaml) gives the
//   Auditor keys/deletedKeys/read/action, which is what is used here. `rng/action` is in no role of the
//   table; the emulator grants it with Crypto User (the role for "all key management operations").

export type DataAction = string;

export interface RoleDefinition {
  /** The role definition's GUID (its `name`). */
  name: string;
  roleName: string;
  description: string;
  dataActions: readonly DataAction[];
  notDataActions: readonly DataAction[];
  /** Which kind of container the role belongs to. */
  kind: VaultKind;
}

export interface RoleAssignment {
  /** The assignment's name: a GUID the caller chooses. */
  name: string;
  /** `/`, `/keys` or `/keys/{name}`. */
  scope: string;
  /** The role definition's GUID. */
  roleDefinitionName: string;
  principalId: string;
}

const KV = "Microsoft.KeyVault/vaults";
const MHSM = "Microsoft.KeyVault/managedHsm";

const KEY_VAULT_ROLES: RoleDefinition[] = [
  {
    name: "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    roleName: "Key Vault Administrator",
    description:
      "Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and secrets. Cannot manage key vault resources or manage role assignments. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    dataActions: [`${KV}/*`],
    notDataActions: [],
    kind: "vault",
  },
  {
    name: "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
    roleName: "Key Vault Crypto Officer",
    description:
      "Perform any action on the keys of a key vault, except manage permissions. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    dataActions: [`${KV}/keys/*`, `${KV}/keyrotationpolicies/*`],
    notDataActions: [],
    kind: "vault",
  },
  {
    name: "12338af0-0e69-4776-bea7-57ae8d297424",
    roleName: "Key Vault Crypto User",
    description: "Perform cryptographic operations using keys. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    dataActions: [
      `${KV}/keys/read`,
      `${KV}/keys/update/action`,
      `${KV}/keys/backup/action`,
      `${KV}/keys/encrypt/action`,
      `${KV}/keys/decrypt/action`,
      `${KV}/keys/wrap/action`,
      `${KV}/keys/unwrap/action`,
      `${KV}/keys/sign/action`,
      `${KV}/keys/verify/action`,
    ],
    notDataActions: [],
    kind: "vault",
  },
  {
    name: "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    roleName: "Key Vault Crypto Service Encryption User",
    description:
      "Read metadata of keys and perform wrap/unwrap operations. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    dataActions: [`${KV}/keys/read`, `${KV}/keys/wrap/action`, `${KV}/keys/unwrap/action`],
    notDataActions: [],
    kind: "vault",
  },
  {
    name: "08bbd89e-9f13-488c-ac41-acfcb10c90ab",
    roleName: "Key Vault Crypto Service Release User",
    description: "Release keys. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    dataActions: [`${KV}/keys/release/action`],
    notDataActions: [],
    kind: "vault",
  },
  {
    name: "21090545-7ca7-4776-b22c-e363652d74d2",
    roleName: "Key Vault Reader",
    description:
      "Read metadata of key vaults and its certificates, keys, and secrets. Cannot read sensitive values such as secret contents or key material. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    dataActions: [`${KV}/*/read`, `${KV}/secrets/readMetadata/action`],
    notDataActions: [],
    kind: "vault",
  },
];

const MHSM_ROLE_MANAGEMENT = [
  `${MHSM}/roleAssignments/read/action`,
  `${MHSM}/roleAssignments/write/action`,
  `${MHSM}/roleAssignments/delete/action`,
  `${MHSM}/roleDefinitions/read/action`,
  `${MHSM}/roleDefinitions/write/action`,
  `${MHSM}/roleDefinitions/delete/action`,
];
const MHSM_ROLE_READ = [`${MHSM}/roleAssignments/read/action`, `${MHSM}/roleDefinitions/read/action`];

const MANAGED_HSM_ROLES: RoleDefinition[] = [
  {
    name: "a290e904-7015-4bba-90c8-60543313cdb4",
    roleName: "Managed HSM Administrator",
    description:
      "Grants permissions to perform all operations related to the security domain, full backup and restore, and role management. Not permitted to perform any key management operations.",
    dataActions: [
      `${MHSM}/securitydomain/download/action`,
      `${MHSM}/securitydomain/upload/action`,
      `${MHSM}/securitydomain/upload/read`,
      `${MHSM}/securitydomain/transferkey/read`,
      ...MHSM_ROLE_MANAGEMENT,
      `${MHSM}/backup/start/action`,
      `${MHSM}/backup/status/action`,
      `${MHSM}/restore/start/action`,
      `${MHSM}/restore/status/action`,
    ],
    notDataActions: [],
    kind: "managedhsm",
  },
  {
    name: "515eb02d-2335-4d2d-92f2-b1cbdf9c3778",
    roleName: "Managed HSM Crypto Officer",
    description:
      "Grants permissions to perform all role management, purge or recover deleted keys, and export keys. Not permitted to perform any other key management operations.",
    dataActions: [
      `${MHSM}/keys/deletedKeys/read/action`,
      `${MHSM}/keys/deletedKeys/recover/action`,
      `${MHSM}/keys/deletedKeys/delete`,
      ...MHSM_ROLE_MANAGEMENT,
    ],
    notDataActions: [],
    kind: "managedhsm",
  },
  {
    name: "21dbd100-6940-42c2-9190-5d6cb909625b",
    roleName: "Managed HSM Crypto User",
    description: "Grants permissions to perform all key management operations except purge or recover deleted keys and export keys.",
    dataActions: [
      `${MHSM}/keys/read/action`,
      `${MHSM}/keys/write/action`,
      `${MHSM}/keys/rotate/action`,
      `${MHSM}/keys/create`,
      `${MHSM}/keys/delete`,
      `${MHSM}/keys/backup/action`,
      `${MHSM}/keys/restore/action`,
      `${MHSM}/keys/release/action`,
      `${MHSM}/keys/import/action`,
      `${MHSM}/keys/encrypt/action`,
      `${MHSM}/keys/decrypt/action`,
      `${MHSM}/keys/wrap/action`,
      `${MHSM}/keys/unwrap/action`,
      `${MHSM}/keys/sign/action`,
      `${MHSM}/keys/verify/action`,
      `${MHSM}/rng/action`,
      ...MHSM_ROLE_READ,
    ],
    notDataActions: [],
    kind: "managedhsm",
  },
  {
    name: "4bd23610-cdcf-4971-bdee-bdc562cc28e4",
    roleName: "Managed HSM Policy Administrator",
    description: "Grants permissions to create and delete role assignments.",
    dataActions: [...MHSM_ROLE_MANAGEMENT],
    notDataActions: [],
    kind: "managedhsm",
  },
  {
    name: "2c18b078-7c48-4d3a-af88-5a3a1b3f82b3",
    roleName: "Managed HSM Crypto Auditor",
    description: "Grants read permissions to read (but not use) key attributes.",
    dataActions: [`${MHSM}/keys/read/action`, `${MHSM}/keys/deletedKeys/read/action`, ...MHSM_ROLE_READ],
    notDataActions: [],
    kind: "managedhsm",
  },
  {
    name: "33413926-3206-4cdd-b39a-83574fe37a17",
    roleName: "Managed HSM Crypto Service Encryption User",
    description: "Grants permissions to use a key for service encryption.",
    dataActions: [`${MHSM}/keys/read/action`, `${MHSM}/keys/wrap/action`, `${MHSM}/keys/unwrap/action`],
    notDataActions: [],
    kind: "managedhsm",
  },
  {
    name: "21dbd100-6940-42c2-9190-5d6cb909625c",
    roleName: "Managed HSM Crypto Service Release User",
    description: "Grants permissions to release a key to a trusted execution environment.",
    dataActions: [`${MHSM}/keys/release/action`],
    notDataActions: [],
    kind: "managedhsm",
  },
  {
    name: "7b127d3c-77bd-4e3e-bbe0-dbb8971fa7f8",
    roleName: "Managed HSM Backup",
    description: "Grants permissions to perform single-key or whole-HSM backup.",
    dataActions: [`${MHSM}/keys/backup/action`, `${MHSM}/backup/start/action`, `${MHSM}/backup/status/action`],
    notDataActions: [],
    kind: "managedhsm",
  },
  {
    name: "6efe6056-5259-49d2-8b3d-d3d73544b20b",
    roleName: "Managed HSM Restore",
    description: "Grants permissions to perform single-key or whole-HSM restore.",
    dataActions: [`${MHSM}/keys/restore/action`, `${MHSM}/restore/start/action`, `${MHSM}/restore/status/action`],
    notDataActions: [],
    kind: "managedhsm",
  },
];

/** The built-in roles of a kind of container. */
export function builtInRoles(kind: VaultKind): readonly RoleDefinition[] {
  return kind === "vault" ? KEY_VAULT_ROLES : MANAGED_HSM_ROLES;
}

export const MANAGED_HSM_ADMINISTRATOR = "a290e904-7015-4bba-90c8-60543313cdb4";

/**
 * A role by its GUID, by its full id (`Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/{guid}`,
 * or ARM's `/providers/Microsoft.Authorization/roleDefinitions/{guid}`), or by its name (case-insensitive).
 */
export function findRole(kind: VaultKind, role: string): RoleDefinition | undefined {
  const guid = /roleDefinitions\/([0-9a-fA-F-]{36})\/?$/.exec(role)?.[1] ?? role;
  const wanted = guid.toLowerCase();
  return builtInRoles(kind).find((r) => r.name === wanted || r.roleName.toLowerCase() === role.toLowerCase());
}

/** `Microsoft.KeyVault/vaults/*` matches `Microsoft.KeyVault/vaults/keys/read`; `.../*\/read` matches `.../keys/read`. */
function actionMatches(pattern: string, action: string): boolean {
  if (!pattern.includes("*")) return pattern.toLowerCase() === action.toLowerCase();
  const regex = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
  return regex.test(action);
}

export function roleGrants(role: RoleDefinition, action: DataAction): boolean {
  return role.dataActions.some((p) => actionMatches(p, action)) && !role.notDataActions.some((p) => actionMatches(p, action));
}

/**
 * A scope as the service writes it: `/`, `/keys` or `/keys/{name}` (with or without the leading slash,
 * any case for the literal `keys`). Undefined for anything else.
 */
export function normalizeScope(scope: string): string | undefined {
  const trimmed = scope.trim().replace(/^\/+/, "").replace(/\/+$/, "");
  if (trimmed === "") return "/";
  const parts = trimmed.split("/");
  if (parts[0]!.toLowerCase() !== "keys" || parts.length > 2) return undefined;
  if (parts.length === 1) return "/keys";
  return parts[1] === "" ? undefined : `/keys/${parts[1]}`;
}

/** Whether an assignment at `assigned` reaches a request on `resource` (both normalized). */
export function scopeCovers(assigned: string, resource: string): boolean {
  if (assigned === "/") return true;
  const a = assigned.toLowerCase();
  const r = resource.toLowerCase();
  return r === a || r.startsWith(`${a}/`);
}
