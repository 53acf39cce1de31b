// Domain errors carry Key Vault's own error codes; only the wire layer turns them into HTTP statuses.
// One named constructor per code keeps every message the service prints in this file.

import { escapeControl } from "../../shared/control-chars.js";

// A name, id or host from the request is quoted with its control characters written out (`\x1b`, `\r`,
// `\n`: escapeControl), so a client's percent-encoded ESC or line break never reaches a terminal or a
// log line raw through the emulator's answer. The messages' own line breaks (a 403's) are unaffected.

export type VaultErrorCode =
  | "BadParameter"
  | "KeyNotFound"
  | "VaultNotFound"
  | "Conflict"
  | "Forbidden"
  | "KeyCurveNotSupported"
  | "Unauthorized"
  | "NotFound"
  | "MethodNotAllowed"
  | "RequestBodyTooLarge"
  /** The service's code for a restore blob it cannot read, spaces and all (recorded). */
  | "Malformed backup blob"
  /** ARM's code for a container setting it refuses (never on the data plane: `kvkey emulator vault create`). */
  | "BadRequest";

export class VaultError extends Error {
  override readonly name = "VaultError";
  constructor(
    readonly code: VaultErrorCode,
    message: string,
    /** The service nests a more specific code for some errors (ObjectIsDeletedButRecoverable, ...). */
    readonly innerCode?: string,
  ) {
    super(message);
  }
}

/**
 * A caller's value as text for an error message. Never throws (`String({"toString": 1})` does, and such
 * a member is one JSON.parse away) and never echoes a megabyte back: long text is cut.
 */
export function shown(value: unknown): string {
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "boolean" || value === null) text = String(value);
  else if (Array.isArray(value)) text = "(an array)";
  else text = `(${typeof value === "object" ? "an object" : typeof value})`;
  return escapeControl(text.length > 100 ? `${text.slice(0, 100)}...` : text);
}

const KEY_NOT_FOUND_HINT =
  "If you recently deleted this key you may be able to recover it using the correct recovery command. " +
  "For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182";

export const VaultErrors = {
  keyNotFound(name: string, version?: string): VaultError {
    const id = version ? `${name}/${version}` : name;
    return new VaultError("KeyNotFound", `A key with (name/id) ${escapeControl(id)} was not found in this key vault. ${KEY_NOT_FOUND_HINT}`);
  },
  deletedKeyNotFound(name: string): VaultError {
    return new VaultError("KeyNotFound", `Deleted Key not found: ${escapeControl(name)}`);
  },
  vaultNotFound(host: string): VaultError {
    return new VaultError(
      "VaultNotFound",
      `The vault or managed HSM '${escapeControl(host)}' does not exist in this emulator yet. ` +
        "It is created by the first create, import or restore of a key.",
    );
  },
  /** ARM's exact words (az shows them as "(BadRequest) ..."): purge protection cannot be turned off. */
  purgeProtectionIrreversible(): VaultError {
    return new VaultError(
      "BadRequest",
      'The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection for a vault is an irreversible action.',
    );
  },
  /** ARM's exact words: a soft-delete retention, once set, is fixed. */
  retentionAlreadySet(): VaultError {
    return new VaultError("BadRequest", 'The property "softDeleteRetentionInDays" has been set already and it can\'t be modified.');
  },
  badParameter(message: string, innerCode?: string): VaultError {
    return new VaultError("BadParameter", message, innerCode);
  },
  invalidName(name: string): VaultError {
    return new VaultError(
      "BadParameter",
      `The request URI contains an invalid name: ${escapeControl(name)}. ` +
        "A key name is 1-127 characters of letters, digits and dashes.",
    );
  },
  deletedButRecoverable(name: string): VaultError {
    return new VaultError(
      "Conflict",
      `Key ${escapeControl(name)} is currently in a deleted but recoverable state, and its name cannot be reused; ` +
        "in this state, the key can only be recovered or purged.",
      "ObjectIsDeletedButRecoverable",
    );
  },
  /**
   * A create, import or restore of a name whose key is still being deleted or purged (Azure timing profile).
   * The service's text, as the C++ SDK's live tests expect it; inner code as in the recorded purge answer.
   */
  keyBeingDeleted(name: string): VaultError {
    return new VaultError("Conflict", `Key ${escapeControl(name)} is currently being deleted and cannot be re-created; retry later.`, "ObjectIsBeingDeleted");
  },
  /** Recover or purge of a key still being deleted or purged (recorded verbatim for purge). */
  deletedKeyBeingDeleted(): VaultError {
    return new VaultError("Conflict", "Key is currently being deleted.", "ObjectIsBeingDeleted");
  },
  /**
   * A create, import, restore or delete of a name whose key is still being recovered or restored: the
   * service's text for secrets (Azure SDK for .NET issue 31581), said of a key.
   */
  keyBeingRecovered(name: string): VaultError {
    return new VaultError("Conflict", `Key ${escapeControl(name)} is currently being recovered and cannot be re-created; retry later.`, "ObjectIsBeingRecovered");
  },
  keyAlreadyExists(name: string): VaultError {
    return new VaultError(
      "Conflict",
      `Key ${escapeControl(name)} already exists in this vault; a backup restores only under a name that is not in use.`,
      "ObjectAlreadyExists",
    );
  },
  purgeProtected(name: string): VaultError {
    return new VaultError(
      "Forbidden",
      `Operation "purge" is not allowed on key ${escapeControl(name)}: purge protection is enabled on this vault, ` +
        "so the key is purged only when its scheduled purge date passes.",
      "PurgeProtectionEnabled",
    );
  },
  forbidden(message: string, innerCode?: string): VaultError {
    return new VaultError("Forbidden", message, innerCode);
  },
  /** The key's key_ops does not list the operation (service text, seen in SDK troubleshooting guides). */
  keyOperationForbidden(operation: string): VaultError {
    return new VaultError("Forbidden", `Operation ${operation} is not permitted on this key.`, "KeyOperationForbidden");
  },
  /**
   * An HSM key asked of a Standard key vault. The message is the service's, as quoted in
   * Azure/azure-sdk-for-net#6551 and Azure/azure-sdk-for-js#18267; the status and code were not in those
   * reports: 403 Forbidden is the emulator's choice (the service's other "not allowed" refusals of a sound
   * request are Forbidden, and a 4xx is never retried).
   */
  hardwareKeyOnStandardVault(): VaultError {
    return new VaultError("Forbidden", "Hardware key operation not allowed on standard vault");
  },
  keyDisabled(operation: string): VaultError {
    return new VaultError("Forbidden", `Operation ${operation} is not allowed on a disabled key.`, "KeyDisabled");
  },
  /** Outside the nbf/exp window (wording inferred from the service's disabled/expired-secret messages). */
  keyExpired(operation: string): VaultError {
    return new VaultError("Forbidden", `Operation ${operation} is not allowed on an expired key.`, "KeyExpired");
  },
  keyNotYetValid(operation: string): VaultError {
    return new VaultError("Forbidden", `Operation ${operation} is not allowed on a key that is not yet valid (before its nbf time).`, "KeyNotYetValid");
  },
  /**
   * Stored key material that the emulator's security domain cannot open: the data directory's
   * security-domain.json is not the one the material was sealed under (replaced or copied from another
   * directory), or the sealed row was altered. 409 Conflict: the request is sound but the vault's state
   * is not, so a retry cannot help (the SDKs retry 5xx) and the caller is told what to fix. The message
   * is the emulator's own (the service has no such state); it names no path, since a served emulator's
   * caller may be on another machine.
   */
  securityDomainMismatch(what: string): VaultError {
    return new VaultError(
      "Conflict",
      `The key material of ${what} cannot be opened: it was sealed under a different security domain than the one ` +
        "this emulator's data directory holds (security-domain.json was replaced or copied from another data " +
        "directory), or the stored material was altered. Put back the security-domain.json the key was created " +
        "with; keys created since then are sealed under the current one.",
      "SecurityDomainMismatch",
    );
  },
  /** Role management (Managed HSM local RBAC); the emulator's messages. */
  roleDefinitionNotFound(role: string): VaultError {
    return new VaultError("NotFound", `The role definition '${role}' was not found. List the roles with: kvkey emulator role definition list.`, "RoleDefinitionNotFound");
  },
  roleAssignmentNotFound(name: string): VaultError {
    return new VaultError("NotFound", `The role assignment '${escapeControl(name)}' was not found.`, "RoleAssignmentNotFound");
  },
  roleAssignmentExists(name: string): VaultError {
    return new VaultError("Conflict", `The role assignment '${escapeControl(name)}' already exists.`, "RoleAssignmentExists");
  },
  /** A restore whose blob is not a backup at all (service code and message, recorded verbatim). */
  malformedBackupBlob(): VaultError {
    return new VaultError("Malformed backup blob", "Backup blob contains invalid or corrupt version.");
  },
  curveNotSupported(curve: string): VaultError {
    return new VaultError(
      "KeyCurveNotSupported",
      `The specified key curve is not supported: ${curve}. Supported curves: P-256, P-256K, P-384, P-521.`,
    );
  },
} as const;
