// Key Vault's AuditEvent names for the data-plane operations (`operationName`, "ObjectVerb"), as Azure's
// Key Vault logging reference lists them (learn.microsoft.com/azure/key-vault/general/logging, operation
// names table). Release, attestation, random bytes and Managed HSM role management are not in that
// table: their names here are the emulator's own (docs/monitoring.md says so). Shared: the emulator writes them (keyed by its route
// names, emulator/http/audit-record.ts), `kvkey emulator logs --operation` checks against them.

export const OPERATION_NAMES = {
  createKey: "KeyCreate",
  importKey: "KeyImport",
  getKey: "KeyGet",
  updateKey: "KeyUpdate",
  deleteKey: "KeyDelete",
  listKeys: "KeyList",
  listKeyVersions: "KeyListVersions",
  listDeletedKeys: "KeyListDeleted",
  getDeletedKey: "KeyGetDeleted",
  recoverDeletedKey: "KeyRecover",
  purgeDeletedKey: "KeyPurge",
  backupKey: "KeyBackup",
  restoreKey: "KeyRestore",
  rotateKey: "KeyRotate",
  getRotationPolicy: "KeyRotationPolicyGet",
  updateRotationPolicy: "KeyRotationPolicySet",
  releaseKey: "KeyRelease",
  getKeyAttestation: "KeyGetAttestation",
  getRandomBytes: "GetRandomBytes",
  // Managed HSM local RBAC: the emulator's names, in the same Object+Verb form.
  createRoleAssignment: "RoleAssignmentCreate",
  getRoleAssignment: "RoleAssignmentGet",
  deleteRoleAssignment: "RoleAssignmentDelete",
  listRoleAssignments: "RoleAssignmentList",
  getRoleDefinition: "RoleDefinitionGet",
  listRoleDefinitions: "RoleDefinitionList",
} as const;

export const CRYPTO_OPERATION_NAMES = {
  encrypt: "KeyEncrypt",
  decrypt: "KeyDecrypt",
  wrapkey: "KeyWrap",
  unwrapkey: "KeyUnwrap",
  sign: "KeySign",
  verify: "KeyVerify",
} as const;

/** Published by the service itself (no request): logged "regardless if an Event Grid subscription exists". */
export const NOTIFICATION_OPERATIONS = {
  nearExpiry: "KeyNearExpiryEventGridNotification",
  expired: "KeyExpiredEventGridNotification",
} as const;

/** A request whose path names no Key Vault operation (a 404/405 from the router). */
export const UNKNOWN_OPERATION = "Unknown";

/** Every operation name the log can hold, for `--operation` validation and completion. */
export const ALL_OPERATION_NAMES: readonly string[] = [
  ...Object.values(OPERATION_NAMES),
  ...Object.values(CRYPTO_OPERATION_NAMES),
  ...Object.values(NOTIFICATION_OPERATIONS),
  UNKNOWN_OPERATION,
].sort();
