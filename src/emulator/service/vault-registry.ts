import type { Clock } from "../domain/clock.js";
import { VaultErrors } from "../domain/errors.js";
import {
  DEFAULT_SKU,
  DEFAULT_RETENTION_DAYS,
  MAX_RETENTION_DAYS,
  MIN_RETENTION_DAYS,
  VAULT_NAME_PATTERN,
  VAULT_SKUS,
  vaultId,
  type Vault,
  type VaultSettings,
  type VaultTarget,
} from "../domain/vault.js";
import type { KeyStore } from "../store/key-store.js";
import { toUnixSeconds } from "../../shared/time.js";

// The containers of one data directory: key vaults and Managed HSMs, found by the target the wire layer
// read from the Host header. A container comes into being with the first key brought into it (create,
// import, restore) or when it is configured; reads never create one.

export class VaultRegistry {
  constructor(
    private readonly store: KeyStore,
    private readonly clock: Clock,
    /** A new Managed HSM's own security domain, sealed for its row (vault-domains.ts); none: HSMs share the data directory's. */
    private readonly newHsmDomain?: (vaultId: string) => Buffer,
  ) {}

  /** Vaults created since the caller last looked; the CLI tells the user once when it happens. */
  readonly created: Vault[] = [];

  get(target: VaultTarget): Vault | undefined {
    return this.store.getVault(vaultId(target.name, target.kind));
  }

  /** Reads need the container to exist; they never create it. `host` is the caller's, for the message. */
  existing(target: VaultTarget, host: string): Vault {
    const vault = this.get(target);
    if (!vault) throw VaultErrors.vaultNotFound(host);
    return vault;
  }

  /** Writes that bring keys in (create, import, restore) create the container on first use. Call inside a write. */
  forWrite(target: VaultTarget): Vault {
    const id = vaultId(target.name, target.kind);
    const existing = this.store.getVault(id);
    if (existing) return existing;
    const vault: Vault = {
      id,
      name: target.name.toLowerCase(),
      kind: target.kind,
      retentionDays: DEFAULT_RETENTION_DAYS,
      purgeProtection: false,
      created: toUnixSeconds(this.clock.now()),
      sku: DEFAULT_SKU,
      rbacAuthorization: false,
    };
    this.store.insertVault(vault);
    // Every Managed HSM gets its own security domain when it comes into being, as in Azure: a key backup
    // restores only into an HSM holding the same domain (`emulator security-domain download|upload`).
    if (vault.kind === "managedhsm" && this.newHsmDomain) this.store.setVaultSecurityDomain(id, this.newHsmDomain(id));
    this.created.push(vault);
    return vault;
  }

  list(): Vault[] {
    return this.store.read(() => this.store.listVaults());
  }

  /**
   * Deletes a container and all its keys at once (what deleting and purging the vault in ARM comes to).
   * Returns the deleted vault, for the caller to forget what it remembers of it.
   */
  delete(target: VaultTarget): Vault | undefined {
    return this.store.write(() => {
      const vault = this.get(target);
      if (vault) this.store.deleteVault(vault.id);
      return vault;
    });
  }

  /**
   * Sets a container's soft-delete retention, purge protection, SKU and RBAC authorization, creating the
   * container if needed. In Azure these are control-plane properties (no data-plane route sets them), so
   * this is reached only programmatically. Unlike Azure it may also turn purge protection off again: it
   * is a test harness knob. Keys already deleted keep the scheduled purge date they were given; keys
   * already in a vault moved to Standard stay, but no new HSM key comes in.
   */
  configure(target: VaultTarget, settings: VaultSettings, inSameWrite?: (vault: Vault) => void): Vault {
    if (!VAULT_NAME_PATTERN.test(target.name)) {
      throw VaultErrors.badParameter(`The vault name '${target.name}' is not valid: use 1-24 letters, digits and dashes.`);
    }
    const days = settings.retentionDays;
    if (days !== undefined && (!Number.isInteger(days) || days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS)) {
      throw VaultErrors.badParameter(
        `The soft-delete retention must be a whole number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}; ${days} is not.`,
      );
    }
    if (settings.sku !== undefined && !VAULT_SKUS.includes(settings.sku)) {
      throw VaultErrors.badParameter(`The SKU '${String(settings.sku)}' is not valid: use standard or premium.`);
    }
    if (settings.sku === "standard" && target.kind === "managedhsm") {
      throw VaultErrors.badParameter("A managed HSM has no standard tier: every key in it is an HSM key.");
    }
    return this.store.write(() => {
      const current = this.forWrite(target);
      // ARM's rules: purge protection, once on, stays on; the retention is set once (at creation, or by
      // one change of the default a container made by its first key has), then fixed. Keys already
      // deleted keep the retention they were deleted under (their scheduledPurgeDate and recoverableDays).
      if (settings.purgeProtection === false && current.purgeProtection) throw VaultErrors.purgeProtectionIrreversible();
      if (days !== undefined && current.retentionSet && days !== current.retentionDays) throw VaultErrors.retentionAlreadySet();
      const next: Vault = {
        ...current,
        retentionDays: days ?? current.retentionDays,
        retentionSet: current.retentionSet === true || days !== undefined,
        purgeProtection: settings.purgeProtection ?? current.purgeProtection,
        sku: settings.sku ?? current.sku,
        rbacAuthorization: settings.rbacAuthorization ?? current.rbacAuthorization,
      };
      this.store.updateVaultSettings(next);
      inSameWrite?.(next);
      return next;
    });
  }
}
