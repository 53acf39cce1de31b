import { VaultErrors } from "./errors.js";
import { KEY_NAME_PATTERN, type KeyOperation, type KeyType, type ReleasePolicy } from "./key.js";
import type { Vault, VaultKind } from "./vault.js";

// The service's rules for a key's name, operations, tags and release settings: what create, import
// and update check before anything is stored, and what the wire layer checks while it reads a body.

const MAX_TAGS = 15;

/** The content type a release policy gets when the caller names none. */
export const DEFAULT_RELEASE_POLICY_CONTENT_TYPE = "application/json; charset=utf-8";

export function assertKeyName(name: string): void {
  if (!KEY_NAME_PATTERN.test(name)) throw VaultErrors.invalidName(name);
}

export function isImportableType(kty: string): kty is KeyType {
  return ["EC", "EC-HSM", "RSA", "RSA-HSM", "oct", "oct-HSM"].includes(kty);
}

/**
 * A Managed HSM keeps every key in its HSM: plain RSA/EC/oct requests come back as -HSM keys (as the
 * service does). A key vault has no symmetric keys.
 */
export function effectiveKeyType(kty: KeyType, kind: VaultKind): KeyType {
  if (kind === "managedhsm") return kty.endsWith("-HSM") ? kty : (`${kty}-HSM` as KeyType);
  if (kty === "oct" || kty === "oct-HSM") {
    throw VaultErrors.badParameter(`The key type ${kty} is not supported in a key vault; symmetric keys are available in Managed HSM only.`);
  }
  return kty;
}

/**
 * A Standard key vault holds software keys only: an RSA-HSM or EC-HSM key (created, imported, rotated
 * or restored) is refused, as the service refuses it.
 */
export function assertKeyTypeAllowed(vault: Pick<Vault, "kind" | "sku">, kty: KeyType): void {
  if (vault.kind === "vault" && vault.sku === "standard" && kty.endsWith("-HSM")) throw VaultErrors.hardwareKeyOnStandardVault();
}

export function validateKeyOps(value: unknown): KeyOperation[] {
  const valid = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export"];
  if (!Array.isArray(value) || value.some((op) => typeof op !== "string" || !valid.includes(op))) {
    throw VaultErrors.badParameter(`Invalid key operation in key_ops. Valid operations: ${valid.join(", ")}.`);
  }
  return [...new Set(value as KeyOperation[])];
}

export function validateTags(tags: Record<string, string> | undefined): Record<string, string> | undefined {
  if (tags === undefined) return undefined;
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) throw VaultErrors.badParameter(`A key can carry at most ${MAX_TAGS} tags; ${entries.length} were given.`);
  for (const [name, value] of entries) {
    if (name.length === 0 || name.length > 512) throw VaultErrors.badParameter(`Tag names must be 1-512 characters; '${name.slice(0, 40)}' is not.`);
    if (typeof value !== "string" || value.length > 256) {
      throw VaultErrors.badParameter(`The value of tag '${name}' must be a string of at most 256 characters.`);
    }
  }
  return tags;
}

export function assertReleasePolicyRules(exportable: boolean, policy: ReleasePolicy | undefined): void {
  // The service's messages, verbatim from recorded answers.
  if (exportable && !policy) throw VaultErrors.badParameter("AKV.SKR.1004: Exportable keys must have release policy.");
  if (!exportable && policy) throw VaultErrors.badParameter("AKV.SKR.1005: Non-exportable keys must not have release policy.");
}

/** Secure key release needs an HSM key: a vault refuses exportable software keys (AKV.SKR.1006; the message is the emulator's). */
export function assertExportableIsHsm(kty: KeyType, exportable: boolean | undefined): void {
  if (exportable && !kty.endsWith("-HSM")) {
    throw VaultErrors.badParameter(`AKV.SKR.1006: Exportable keys must be HSM-protected; a ${kty} key cannot be exportable (use ${kty}-HSM).`);
  }
}
