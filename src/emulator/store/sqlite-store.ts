import type Database from "better-sqlite3";
import { DEFAULT_SKU, type Vault, type VaultKind, type VaultSku } from "../domain/vault.js";
import type { CurveName, DeletionInfo, KeyOperation, KeyType, KeyVersion, PublicJwk } from "../domain/key.js";
import type { KeyListEntry, KeyRecord, KeyStore, StoredVersion } from "./key-store.js";
import { openDatabase } from "./database-file.js";

export { DATABASE_FILE } from "./storage-errors.js";

interface VersionRow {
  vault_id: string;
  name: string;
  version: string;
  seq: number;
  kty: string;
  key_size: number | null;
  key_ops: string;
  enabled: number;
  not_before: number | null;
  expires: number | null;
  created: number;
  updated: number;
  exportable: number;
  tags: string | null;
  managed: number;
  release_policy: string | null;
  public_jwk: string;
  material?: Buffer;
  deleted_date?: number | null;
  scheduled_purge_date?: number | null;
}

const VERSION_COLUMNS =
  "v.vault_id, v.name, v.version, v.seq, v.kty, v.key_size, v.key_ops, v.enabled, v.not_before, v.expires, " +
  "v.created, v.updated, v.exportable, v.tags, v.managed, v.release_policy, v.public_jwk";

function toKeyVersion(row: VersionRow): KeyVersion {
  const jwk = JSON.parse(row.public_jwk) as PublicJwk;
  const policy = row.release_policy
    ? (JSON.parse(row.release_policy) as { contentType: string; immutable: boolean; data: string })
    : undefined;
  const version: KeyVersion = {
    name: row.name,
    version: row.version,
    kty: row.kty as KeyType,
    keyOps: JSON.parse(row.key_ops) as KeyOperation[],
    attributes: {
      enabled: row.enabled === 1,
      created: row.created,
      updated: row.updated,
      exportable: row.exportable === 1,
    },
    managed: row.managed === 1,
    publicJwk: { ...jwk, crv: jwk.crv as CurveName | undefined },
  };
  if (row.key_size !== null) version.keySize = row.key_size;
  if (row.not_before !== null) version.attributes.notBefore = row.not_before;
  if (row.expires !== null) version.attributes.expires = row.expires;
  if (row.tags !== null) version.tags = JSON.parse(row.tags) as Record<string, string>;
  if (policy) {
    version.releasePolicy = { contentType: policy.contentType, immutable: policy.immutable, data: Buffer.from(policy.data, "base64") };
  }
  return version;
}

function deletionOf(row: VersionRow): DeletionInfo | undefined {
  return row.deleted_date != null && row.scheduled_purge_date != null
    ? { deletedDate: row.deleted_date, scheduledPurgeDate: row.scheduled_purge_date }
    : undefined;
}

function versionParams(vaultId: string, v: KeyVersion) {
  return {
    vault_id: vaultId,
    name: v.name,
    version: v.version,
    kty: v.kty,
    key_size: v.keySize ?? null,
    key_ops: JSON.stringify(v.keyOps),
    enabled: v.attributes.enabled ? 1 : 0,
    not_before: v.attributes.notBefore ?? null,
    expires: v.attributes.expires ?? null,
    created: v.attributes.created,
    updated: v.attributes.updated,
    exportable: v.attributes.exportable ? 1 : 0,
    tags: v.tags ? JSON.stringify(v.tags) : null,
    managed: v.managed ? 1 : 0,
    release_policy: v.releasePolicy
      ? JSON.stringify({ ...v.releasePolicy, data: v.releasePolicy.data.toString("base64") })
      : null,
    public_jwk: JSON.stringify(v.publicJwk),
  };
}

export class SqliteKeyStore implements KeyStore {
  private readonly db: Database.Database;
  private readonly stmts;

  /** Set when the data directory is read-only and the store reads a private copy (removed on close). */
  private readonly snapshot: { remove: () => void } | undefined;

  /** dataDir undefined: an in-memory store that vanishes with the process. */
  constructor(dataDir?: string) {
    ({ db: this.db, snapshot: this.snapshot } = openDatabase(dataDir));
    const db = this.db;
    this.stmts = {
      getVault: db.prepare(`SELECT ${VAULT_COLUMNS} FROM vaults WHERE id = ?`),
      listVaults: db.prepare(`SELECT ${VAULT_COLUMNS} FROM vaults ORDER BY id`),
      deleteVaultKeys: db.prepare("DELETE FROM keys WHERE vault_id = ?"),
      deleteVault: db.prepare("DELETE FROM vaults WHERE id = ?"),
      insertVault: db.prepare(
        `INSERT INTO vaults (id, name, kind, retention_days, purge_protection, created, sku, rbac_authorization, retention_set)
         VALUES (@id, @name, @kind, @retention_days, @purge_protection, @created, @sku, @rbac_authorization, @retention_set)`,
      ),
      updateVaultSettings: db.prepare("UPDATE vaults SET retention_days = ?, purge_protection = ?, sku = ?, rbac_authorization = ?, retention_set = ? WHERE id = ?"),
      getVaultDomain: db.prepare("SELECT security_domain FROM vaults WHERE id = ?"),
      setVaultDomain: db.prepare("UPDATE vaults SET security_domain = ? WHERE id = ?"),
      getKey: db.prepare("SELECT name, deleted_date, scheduled_purge_date, rotation_policy FROM keys WHERE vault_id = ? AND name = ?"),
      insertKey: db.prepare("INSERT INTO keys (vault_id, name) VALUES (?, ?)"),
      setDeletion: db.prepare("UPDATE keys SET deleted_date = ?, scheduled_purge_date = ? WHERE vault_id = ? AND name = ?"),
      setRotationPolicy: db.prepare("UPDATE keys SET rotation_policy = ? WHERE vault_id = ? AND name = ?"),
      purgeKey: db.prepare("DELETE FROM keys WHERE vault_id = ? AND name = ?"),
      hasPurgeDue: db.prepare("SELECT 1 FROM keys WHERE vault_id = ? AND scheduled_purge_date <= ? LIMIT 1"),
      purgeDue: db.prepare("DELETE FROM keys WHERE vault_id = ? AND scheduled_purge_date IS NOT NULL AND scheduled_purge_date <= ?"),
      takeSeq: db.prepare("UPDATE keys SET next_seq = next_seq + 1 WHERE vault_id = ? AND name = ? RETURNING next_seq - 1 AS seq"),
      insertVersion: db.prepare(
        `INSERT INTO key_versions (vault_id, name, version, seq, kty, key_size, key_ops, enabled, not_before, expires, created, updated,
           exportable, tags, managed, release_policy, public_jwk, material)
         VALUES (@vault_id, @name, @version, @seq, @kty, @key_size, @key_ops, @enabled, @not_before, @expires, @created, @updated,
           @exportable, @tags, @managed, @release_policy, @public_jwk, @material)`,
      ),
      updateVersion: db.prepare(
        `UPDATE key_versions SET key_ops = @key_ops, enabled = @enabled, not_before = @not_before, expires = @expires,
           updated = @updated, exportable = @exportable, tags = @tags, release_policy = @release_policy
         WHERE vault_id = @vault_id AND name = @name AND version = @version`,
      ),
      getVersion: db.prepare(`SELECT ${VERSION_COLUMNS}, v.material FROM key_versions v WHERE v.vault_id = ? AND v.name = ? AND v.version = ?`),
      getLatest: db.prepare(
        `SELECT ${VERSION_COLUMNS}, v.material FROM key_versions v WHERE v.vault_id = ? AND v.name = ? ORDER BY v.seq DESC LIMIT 1`,
      ),
      allVersions: db.prepare(`SELECT ${VERSION_COLUMNS}, v.material FROM key_versions v WHERE v.vault_id = ? AND v.name = ? ORDER BY v.seq`),
      countVersions: db.prepare("SELECT COUNT(*) AS n FROM key_versions WHERE vault_id = ? AND name = ?"),
      listKeys: (deleted: boolean) =>
        db.prepare(
          `SELECT ${VERSION_COLUMNS}, k.deleted_date, k.scheduled_purge_date
           FROM keys k JOIN key_versions v ON v.vault_id = k.vault_id AND v.name = k.name
             AND v.seq = (SELECT MAX(seq) FROM key_versions m WHERE m.vault_id = k.vault_id AND m.name = k.name)
           WHERE k.vault_id = @vault_id AND k.deleted_date IS ${deleted ? "NOT NULL" : "NULL"} AND k.name > @after
           ORDER BY k.name LIMIT @limit`,
        ),
      listVersions: db.prepare(
        `SELECT ${VERSION_COLUMNS} FROM key_versions v WHERE v.vault_id = @vault_id AND v.name = @name AND v.seq > @after ORDER BY v.seq LIMIT @limit`,
      ),
    };
    this.listActive = this.stmts.listKeys(false);
    this.listDeleted = this.stmts.listKeys(true);
  }

  private readonly listActive: Database.Statement;
  private readonly listDeleted: Database.Statement;

  // One transaction wrapper for every unit of work (better-sqlite3 builds several closures per
  // db.transaction() call; the served emulator runs thousands of transactions a second).
  private inTransaction?: Database.Transaction<(fn: () => unknown) => unknown>;

  private transaction(): Database.Transaction<(fn: () => unknown) => unknown> {
    this.inTransaction ??= this.db.transaction((fn: () => unknown) => fn());
    return this.inTransaction;
  }

  write<T>(fn: () => T): T {
    return this.transaction().immediate(fn) as T;
  }

  read<T>(fn: () => T): T {
    return this.transaction().deferred(fn) as T;
  }

  getVault(id: string): Vault | undefined {
    const row = this.stmts.getVault.get(id) as VaultRow | undefined;
    return row && vaultFromRow(row);
  }

  insertVault(vault: Omit<Vault, "sku" | "rbacAuthorization"> & Partial<Pick<Vault, "sku" | "rbacAuthorization">>): void {
    this.stmts.insertVault.run({
      id: vault.id,
      name: vault.name,
      kind: vault.kind,
      retention_days: vault.retentionDays,
      purge_protection: vault.purgeProtection ? 1 : 0,
      created: vault.created,
      sku: vault.sku ?? DEFAULT_SKU,
      rbac_authorization: vault.rbacAuthorization ? 1 : 0,
      retention_set: vault.retentionSet ? 1 : 0,
    });
  }

  updateVaultSettings(vault: Vault): void {
    this.stmts.updateVaultSettings.run(vault.retentionDays, vault.purgeProtection ? 1 : 0, vault.sku, vault.rbacAuthorization ? 1 : 0, vault.retentionSet ? 1 : 0, vault.id);
  }

  getVaultSecurityDomain(id: string): Buffer | undefined {
    const row = this.stmts.getVaultDomain.get(id) as { security_domain: Buffer | null } | undefined;
    return row?.security_domain ?? undefined;
  }

  setVaultSecurityDomain(id: string, sealed: Buffer): void {
    this.stmts.setVaultDomain.run(sealed, id);
  }

  deleteVault(id: string): void {
    // Versions go with their keys (ON DELETE CASCADE).
    this.stmts.deleteVaultKeys.run(id);
    this.stmts.deleteVault.run(id);
  }

  listVaults(): Vault[] {
    return (this.stmts.listVaults.all() as VaultRow[]).map(vaultFromRow);
  }

  getKey(vaultId: string, name: string): KeyRecord | undefined {
    const row = this.stmts.getKey.get(vaultId, name) as
      | { name: string; deleted_date: number | null; scheduled_purge_date: number | null; rotation_policy: string | null }
      | undefined;
    if (!row) return undefined;
    const record: KeyRecord = { name: row.name };
    if (row.deleted_date !== null && row.scheduled_purge_date !== null) {
      record.deletion = { deletedDate: row.deleted_date, scheduledPurgeDate: row.scheduled_purge_date };
    }
    if (row.rotation_policy !== null) record.rotationPolicy = row.rotation_policy;
    return record;
  }

  insertKey(vaultId: string, name: string): void {
    this.stmts.insertKey.run(vaultId, name);
  }

  setDeletion(vaultId: string, name: string, deletion: DeletionInfo | undefined): void {
    this.stmts.setDeletion.run(deletion?.deletedDate ?? null, deletion?.scheduledPurgeDate ?? null, vaultId, name);
  }

  setRotationPolicy(vaultId: string, name: string, policy: string | undefined): void {
    this.stmts.setRotationPolicy.run(policy ?? null, vaultId, name);
  }

  purgeKey(vaultId: string, name: string): void {
    this.stmts.purgeKey.run(vaultId, name);
  }

  hasPurgeDue(vaultId: string, now: number): boolean {
    return this.stmts.hasPurgeDue.get(vaultId, now) !== undefined;
  }

  purgeDue(vaultId: string, now: number): number {
    return this.stmts.purgeDue.run(vaultId, now).changes;
  }

  takeSeq(vaultId: string, name: string): number {
    const row = this.stmts.takeSeq.get(vaultId, name) as { seq: number } | undefined;
    if (!row) throw new Error(`takeSeq on a missing key ${name}`);
    return row.seq;
  }

  insertVersion(vaultId: string, version: KeyVersion, seq: number, material: Buffer): void {
    this.stmts.insertVersion.run({ ...versionParams(vaultId, version), seq, material });
  }

  updateVersion(vaultId: string, version: KeyVersion): void {
    this.stmts.updateVersion.run(versionParams(vaultId, version));
  }

  getVersion(vaultId: string, name: string, version?: string): StoredVersion | undefined {
    const row = (version === undefined
      ? this.stmts.getLatest.get(vaultId, name)
      : this.stmts.getVersion.get(vaultId, name, version)) as VersionRow | undefined;
    return row && { version: toKeyVersion(row), material: row.material! };
  }

  allVersions(vaultId: string, name: string): StoredVersion[] {
    return (this.stmts.allVersions.all(vaultId, name) as VersionRow[]).map((row) => ({
      version: toKeyVersion(row),
      material: row.material!,
    }));
  }

  /** Whether any key version (and so sealed material) is stored at all. */
  hasSealedKeys(): boolean {
    return this.db.prepare("SELECT 1 FROM key_versions LIMIT 1").get() !== undefined;
  }

  countVersions(vaultId: string, name: string): number {
    return (this.stmts.countVersions.get(vaultId, name) as { n: number }).n;
  }

  listKeys(vaultId: string, opts: { deleted: boolean; afterName?: string; limit: number }): KeyListEntry[] {
    const stmt = opts.deleted ? this.listDeleted : this.listActive;
    const rows = stmt.all({ vault_id: vaultId, after: opts.afterName ?? "", limit: opts.limit }) as VersionRow[];
    return rows.map((row) => {
      const entry: KeyListEntry = { latest: toKeyVersion(row) };
      const deletion = deletionOf(row);
      if (deletion) entry.deletion = deletion;
      return entry;
    });
  }

  listVersions(vaultId: string, name: string, opts: { afterSeq?: number; limit: number }): Array<{ version: KeyVersion; seq: number }> {
    const rows = this.stmts.listVersions.all({ vault_id: vaultId, name, after: opts.afterSeq ?? 0, limit: opts.limit }) as VersionRow[];
    return rows.map((row) => ({ version: toKeyVersion(row), seq: row.seq }));
  }

  /** The connection, for a feature's own statements that must join these transactions (store/rotation-schedule.ts, clock-shift-store.ts, platform-key-store.ts). */
  connection(): Database.Database {
    return this.db;
  }

  close(): void {
    if (this.db.open) this.db.close();
    this.snapshot?.remove();
  }
}

const VAULT_COLUMNS = "id, name, kind, retention_days, purge_protection, created, sku, rbac_authorization, retention_set";

interface VaultRow {
  id: string;
  name: string;
  kind: VaultKind;
  retention_days: number;
  purge_protection: number;
  created: number;
  sku: VaultSku;
  rbac_authorization: number;
  retention_set: number;
}

function vaultFromRow(row: VaultRow): Vault {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    retentionDays: row.retention_days,
    retentionSet: row.retention_set === 1,
    purgeProtection: row.purge_protection === 1,
    created: row.created,
    sku: row.sku,
    rbacAuthorization: row.rbac_authorization === 1,
  };
}
