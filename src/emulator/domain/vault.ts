// A vault is either a Key Vault or a Managed HSM. The emulator keeps them apart by host name:
// `demo.vault.localhost` and `demo.managedhsm.localhost` are two different containers.

export type VaultKind = "vault" | "managedhsm";

/**
 * A key vault's pricing tier: only Premium holds HSM-protected keys (RSA-HSM, EC-HSM). A Managed HSM has
 * no such choice (every key is an HSM key); its tier is reported as premium.
 */
export type VaultSku = "standard" | "premium";
export const VAULT_SKUS: readonly VaultSku[] = ["standard", "premium"];
/**
 * A container made without a SKU (by its first key, or `emulator vault create` without `--sku`) is
 * Premium: that is what the emulator always was, so no existing setup starts refusing HSM keys. az's own
 * default is standard: test against `--sku standard` to meet what an az-created vault answers.
 */
export const DEFAULT_SKU: VaultSku = "premium";

export interface Vault {
  /** `{name}.{kind}` in lower case: the identity of the container in the store. */
  readonly id: string;
  readonly name: string;
  readonly kind: VaultKind;
  /** Soft-delete retention, 7..90 days (Azure's default is 90). */
  readonly retentionDays: number;
  /** The retention has been set (at creation or by one change); from then on it cannot change, as in Azure. */
  readonly retentionSet?: boolean;
  readonly purgeProtection: boolean;
  /** Unix seconds. */
  readonly created: number;
  readonly sku: VaultSku;
  /**
   * Whether requests are authorized by role assignments (`enableRbacAuthorization` for a key vault, local
   * RBAC for a Managed HSM). Off unless asked for: the emulator's default is a permissive vault.
   */
  readonly rbacAuthorization: boolean;
}

/** Which container a request addresses: decided by the wire layer from the Host header. */
export interface VaultTarget {
  name: string;
  kind: VaultKind;
}

/** The soft-delete settings of a container: what the control plane sets in Azure. */
export interface VaultSettings {
  /** 7..90 days. */
  retentionDays?: number;
  purgeProtection?: boolean;
  sku?: VaultSku;
  rbacAuthorization?: boolean;
}

export const DEFAULT_RETENTION_DAYS = 90;
/** Azure's bounds for soft-delete retention. */
export const MIN_RETENTION_DAYS = 7;
export const MAX_RETENTION_DAYS = 90;

/** Vault and Managed HSM names: the first label of the host, letters, digits and dashes. */
export const VAULT_NAME_PATTERN = /^[0-9a-zA-Z-]{1,24}$/;

export function vaultId(name: string, kind: VaultKind): string {
  return `${name.toLowerCase()}.${kind}`;
}

/**
 * The recovery level the service reports for keys, derived from the container's soft-delete settings:
 * "Customized" when retention is shorter than 90 days, "+Purgeable" unless purge protection is on.
 */
export function recoveryLevel(vault: Pick<Vault, "retentionDays" | "purgeProtection">): string {
  const base = vault.retentionDays < DEFAULT_RETENTION_DAYS ? "CustomizedRecoverable" : "Recoverable";
  return vault.purgeProtection ? base : `${base}+Purgeable`;
}
