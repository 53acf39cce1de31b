import type { Vault } from "../domain/vault.js";
import type { DeletionInfo, KeyVersion } from "../domain/key.js";

/** A key's row: its stored name (the case it was created with) and soft-delete state. */
export interface KeyRecord {
  name: string;
  deletion?: DeletionInfo;
  rotationPolicy?: string;
}

export interface KeyListEntry {
  latest: KeyVersion;
  deletion?: DeletionInfo;
}

/** Everything a backup carries for one version: the public record plus the sealed material. */
export interface StoredVersion {
  version: KeyVersion;
  /** Sealed under the security domain, bound to (vault, name, version). */
  material: Buffer;
}

/**
 * Persistence for vaults and keys. Methods are synchronous (better-sqlite3); the service groups them
 * with `write`/`read` so every state change is one transaction.
 */
export interface KeyStore {
  /** Runs fn in one write transaction, taken immediately so concurrent writers queue instead of deadlocking. */
  write<T>(fn: () => T): T;
  read<T>(fn: () => T): T;

  getVault(id: string): Vault | undefined;
  /** A new container; without a SKU it is Premium, without RBAC permissive (domain/vault.ts). */
  insertVault(vault: Omit<Vault, "sku" | "rbacAuthorization"> & Partial<Pick<Vault, "sku" | "rbacAuthorization">>): void;
  /** Changes a vault's settings (retention, purge protection, SKU, RBAC). */
  updateVaultSettings(vault: Vault): void;
  /** A Managed HSM's own security domain, sealed under the data directory's; undefined for one made before HSMs had their own. */
  getVaultSecurityDomain(id: string): Buffer | undefined;
  setVaultSecurityDomain(id: string, sealed: Buffer): void;
  listVaults(): Vault[];
  /** Removes a vault and every key in it (active or deleted). */
  deleteVault(id: string): void;

  getKey(vaultId: string, name: string): KeyRecord | undefined;
  insertKey(vaultId: string, name: string): void;
  setDeletion(vaultId: string, name: string, deletion: DeletionInfo | undefined): void;
  setRotationPolicy(vaultId: string, name: string, policy: string | undefined): void;
  /** Removes a key and all its versions. */
  purgeKey(vaultId: string, name: string): void;
  /** Whether any deleted key in the vault has reached its scheduled purge date. */
  hasPurgeDue(vaultId: string, now: number): boolean;
  /** Purges deleted keys whose scheduled purge date has passed; returns how many. */
  purgeDue(vaultId: string, now: number): number;

  /** The next creation sequence number for a key (and reserves it). */
  takeSeq(vaultId: string, name: string): number;
  insertVersion(vaultId: string, version: KeyVersion, seq: number, material: Buffer): void;
  updateVersion(vaultId: string, version: KeyVersion): void;
  /** A version by id, or the latest when version is undefined. */
  getVersion(vaultId: string, name: string, version?: string): StoredVersion | undefined;
  /** All versions of a key, oldest first (for backup). */
  allVersions(vaultId: string, name: string): StoredVersion[];
  countVersions(vaultId: string, name: string): number;

  /** Keys after `afterName` (exclusive, case-insensitive order), each with its latest version. */
  listKeys(vaultId: string, opts: { deleted: boolean; afterName?: string; limit: number }): KeyListEntry[];
  /** Versions of one key after sequence `afterSeq`, oldest first. */
  listVersions(vaultId: string, name: string, opts: { afterSeq?: number; limit: number }): Array<{ version: KeyVersion; seq: number }>;

  close(): void;
}
