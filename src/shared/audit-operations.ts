import type { Route } from "../http/router.js";

// Key Vault's AuditEvent names for the data-plane operations (`operationName`, "ObjectVerb"), as Azure's
// Key Vault logging reference lists them (learn.microsoft.com/azure/key-vault/general/logging, operation
// names table). Release, attestation and random bytes are not in that table: their names here are the
// emulator's own (docs/monitoring.md says so).

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
} as const satisfies Record<Exclude<Route["op"], "keyOperation">, string>;

const CRYPTO_NAMES = {
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

export function operationName(route: Route): string {
  return route.op === "keyOperation" ? CRYPTO_NAMES[route.operation] : OPERATION_NAMES[route.op];
}

/** Every operation name the log can hold, for `--operation` validation and completion. */
export const ALL_OPERATION_NAMES: readonly string[] = [
  ...Object.values(OPERATION_NAMES),
  ...Object.values(CRYPTO_NAMES),
  ...Object.values(NOTIFICATION_OPERATIONS),
  UNKNOWN_OPERATION,
].sort();

// `resultSignature` is the HTTP reason phrase ("OK", "Bad Request", "Not Found", "Forbidden" in recorded
// AuditEvent records); 413 uses .NET's phrase, the service being .NET.
const REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Request Entity Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? String(status);
}
