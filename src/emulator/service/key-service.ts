import { randomBytes } from "node:crypto";
import type { Clock } from "../domain/clock.js";
import { VaultErrors } from "../domain/errors.js";
import {
  defaultKeyOps,
  isCurveName,
  keyFamily,
  KEY_NAME_PATTERN,
  OCT_KEY_SIZES,
  RSA_KEY_SIZES,
  type DeletedKey,
  type DeletionInfo,
  type KeyFamily,
  type KeyOperation,
  type KeyType,
  type KeyVersion,
  type ReleasePolicy,
} from "../domain/key.js";
import {
  DEFAULT_RETENTION_DAYS,
  MAX_RETENTION_DAYS,
  MIN_RETENTION_DAYS,
  VAULT_NAME_PATTERN,
  vaultId,
  type Vault,
  type VaultKind,
} from "../domain/vault.js";
import { generateKeyMaterial, type KeySpec } from "../crypto/generate.js";
import { keySizeOf, publicJwkOf, type PrivateMaterial } from "../crypto/material.js";
import { materialFromImportedJwk } from "../crypto/import-jwk.js";
import { materialFromTransferBlob } from "../crypto/byok.js";
import { SealError, type SecurityDomain } from "../crypto/seal.js";
import type { KeyListEntry, KeyStore } from "../store/key-store.js";
import { SECONDS_PER_DAY, toUnixSeconds } from "../../shared/time.js";
import { openBackup, sealBackup } from "./backup-blob.js";
import { MaterialCache } from "./material-cache.js";

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
}

export interface AttributeChanges {
  enabled?: boolean;
  notBefore?: number;
  expires?: number;
  exportable?: boolean;
}

export interface CreateKeyRequest {
  kty: KeyType;
  keySize?: number;
  publicExponent?: number;
  curve?: string;
  keyOps?: KeyOperation[];
  attributes?: AttributeChanges;
  tags?: Record<string, string>;
  releasePolicy?: ReleasePolicy;
}

export interface ImportKeyRequest {
  /** The JSON Web Key as sent (wire members). */
  jwk: Record<string, unknown>;
  /** The body's `Hsm` flag: import as an HSM-protected key. */
  hsm?: boolean;
  attributes?: AttributeChanges;
  tags?: Record<string, string>;
  releasePolicy?: ReleasePolicy;
}

export interface UpdateKeyRequest {
  keyOps?: KeyOperation[];
  attributes?: AttributeChanges;
  tags?: Record<string, string>;
  releasePolicy?: ReleasePolicy;
}

export interface Page<T> {
  items: T[];
  /** Opaque continuation; undefined on the last page. */
  next?: string;
}

/** A key version plus the container it lives in, which decides recoverableDays and recoveryLevel. */
export interface KeyView {
  vault: Vault;
  key: KeyVersion;
}

export interface DeletedKeyView extends KeyView {
  deletion: DeletionInfo;
}

const MAX_TAGS = 15;
const DEFAULT_RSA_SIZE = 2048;
const DEFAULT_OCT_SIZE = 256;
const DEFAULT_PUBLIC_EXPONENT = 65537;
export const DEFAULT_RELEASE_POLICY_CONTENT_TYPE = "application/json; charset=utf-8";

/**
 * The key use cases of one emulator: create, import, read, list, update, soft delete, recover, purge,
 * backup and restore. Every state change runs in one store transaction; slow work (key generation)
 * happens before the transaction opens.
 */
export class KeyService {
  constructor(
    private readonly store: KeyStore,
    private readonly domain: SecurityDomain,
    private readonly clock: Clock,
    /** Unsealed material of hot keys (bounded; see material-cache.ts for why it is never stale). */
    private readonly materials: MaterialCache = new MaterialCache(),
  ) {}

  private now(): number {
    return toUnixSeconds(this.clock.now());
  }

  // ---- containers -------------------------------------------------------------------------------

  /** Reads need the container to exist; they never create it. */
  private existingVault(target: VaultTarget, host: string): Vault {
    const vault = this.store.getVault(vaultId(target.name, target.kind));
    if (!vault) throw VaultErrors.vaultNotFound(host);
    return vault;
  }

  /** Writes that bring keys in (create, import, restore) create the container on first use. Call inside a write. */
  private vaultForWrite(target: VaultTarget): Vault {
    const id = vaultId(target.name, target.kind);
    const existing = this.store.getVault(id);
    if (existing) return existing;
    const vault: Vault = {
      id,
      name: target.name.toLowerCase(),
      kind: target.kind,
      retentionDays: DEFAULT_RETENTION_DAYS,
      purgeProtection: false,
      created: this.now(),
    };
    this.store.insertVault(vault);
    this.createdVaults.push(vault);
    return vault;
  }

  /** Vaults created since the caller last looked; the CLI tells the user once when it happens. */
  readonly createdVaults: Vault[] = [];

  /**
   * Runs inside every transaction that adds versions to a key or changes one (create, import, rotate,
   * update, restore): rotation-service.ts enforces Managed HSM's version cap and keeps the key's next
   * rotation due time. Throwing rolls the change back.
   */
  versionsChanged?: (vault: Vault, name: string, now: number) => void;

  /**
   * Deleted keys past their scheduled purge date disappear, as the service purges them. Runs before an
   * operation's own transaction: one indexed read, and a write only when something is due.
   */
  private sweep(target: VaultTarget): void {
    const id = vaultId(target.name, target.kind);
    const now = this.now();
    // Purge dates have one-second resolution and lie at least 7 days after the deletion that set them,
    // so what is due cannot change within one second of the clock: once per second per vault is enough.
    if (this.sweptAt.get(id) === now) return;
    if (this.store.hasPurgeDue(id, now)) {
      this.store.write(() => this.store.purgeDue(id, now));
      this.materials.invalidate(`${id}/`);
    }
    this.sweptAt.set(id, now);
  }

  /** Per vault id, the clock second of its last sweep. */
  private readonly sweptAt = new Map<string, number>();

  getVault(target: VaultTarget): Vault | undefined {
    return this.store.getVault(vaultId(target.name, target.kind));
  }

  /**
   * Sets a container's soft-delete retention and purge protection, creating the container if needed.
   * In Azure these are control-plane properties (no data-plane route sets them), so this is reached
   * only programmatically. Unlike Azure it may also turn purge protection off again: it is a test
   * harness knob. Keys already deleted keep the scheduled purge date they were given.
   */
  listVaults(): Vault[] {
    return this.store.read(() => this.store.listVaults());
  }

  /** Deletes a container and all its keys at once (what deleting and purging the vault in ARM comes to). */
  deleteVault(target: VaultTarget): boolean {
    return this.store.write(() => {
      const vault = this.store.getVault(vaultId(target.name, target.kind));
      if (!vault) return false;
      this.store.deleteVault(vault.id);
      this.materials.invalidate(`${vault.id}/`);
      this.sweptAt.delete(vault.id);
      return true;
    });
  }

  configureVault(target: VaultTarget, settings: VaultSettings): Vault {
    if (!VAULT_NAME_PATTERN.test(target.name)) {
      throw VaultErrors.badParameter(`The vault name '${target.name}' is not valid: use 1-24 letters, digits and dashes.`);
    }
    const days = settings.retentionDays;
    if (days !== undefined && (!Number.isInteger(days) || days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS)) {
      throw VaultErrors.badParameter(
        `The soft-delete retention must be a whole number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}; ${days} is not.`,
      );
    }
    return this.store.write(() => {
      const current = this.vaultForWrite(target);
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
      };
      this.store.updateVaultSettings(next);
      return next;
    });
  }

  // ---- create and import --------------------------------------------------------------------------

  async createKey(target: VaultTarget, name: string, request: CreateKeyRequest): Promise<KeyView> {
    assertKeyName(name);
    const kty = effectiveKeyType(request.kty, target.kind);
    const family = keyFamily(kty);
    const spec = keySpec(family, request);
    const attributes = this.validateAttributes(request.attributes, request.releasePolicy);
    assertExportableIsHsm(kty, attributes.exportable);
    const tags = validateTags(request.tags);
    // Fail before spending a second on RSA-4096 when the name is taken by a deleted key.
    this.sweep(target);
    this.store.read(() => this.assertNameUsable(target, name));
    const material = await generateKeyMaterial(spec);
    return this.addVersion(target, name, {
      kty,
      material,
      keyOps: request.keyOps ?? defaultKeyOps(family),
      attributes,
      tags,
      releasePolicy: request.releasePolicy,
    });
  }

  async importKey(target: VaultTarget, name: string, request: ImportKeyRequest): Promise<KeyView> {
    assertKeyName(name);
    const jwk = request.jwk;
    if (typeof jwk.kty !== "string") throw VaultErrors.badParameter("The JSON Web Key is missing the required member 'kty'.");
    const requested = jwk.kty as string;
    if (!isImportableType(requested)) {
      throw VaultErrors.badParameter(`The key type '${requested}' is not supported. Supported key types: EC, EC-HSM, RSA, RSA-HSM, oct, oct-HSM.`);
    }
    // A BYOK key (key_hsm) moves from one HSM into another: it is always HSM-protected.
    const byok = jwk.key_hsm !== undefined && jwk.key_hsm !== null;
    let kty: KeyType = (request.hsm || byok) && !requested.endsWith("-HSM") ? (`${requested}-HSM` as KeyType) : requested;
    kty = effectiveKeyType(kty, target.kind);
    const family = keyFamily(kty);
    const material = byok
      ? materialFromTransferBlob(jwk, kty, target, (kek, version) => this.keyExchangeKey(target, kek, version), this.now())
      : materialFromImportedJwk(jwk, family);
    const keyOps = jwk.key_ops === undefined ? defaultKeyOps(family) : validateKeyOps(jwk.key_ops);
    const attributes = this.validateAttributes(request.attributes, request.releasePolicy);
    assertExportableIsHsm(kty, attributes.exportable);
    const tags = validateTags(request.tags);
    return this.addVersion(target, name, { kty, material, keyOps, attributes, tags, releasePolicy: request.releasePolicy });
  }

  /** A BYOK import's key exchange key: looked up in the importing container only. */
  private keyExchangeKey(target: VaultTarget, name: string, version: string | undefined): KeyView & { material: PrivateMaterial } {
    if (!this.getVault(target)) throw VaultErrors.keyNotFound(name, version);
    return this.getKeyWithMaterial(target, target.name, name, version);
  }

  private assertNameUsable(target: VaultTarget, name: string): void {
    const vault = this.store.getVault(vaultId(target.name, target.kind));
    if (!vault) return;
    const record = this.store.getKey(vault.id, name);
    if (record?.deletion) throw VaultErrors.deletedButRecoverable(record.name);
  }

  private addVersion(
    target: VaultTarget,
    name: string,
    v: {
      kty: KeyType;
      material: PrivateMaterial;
      keyOps: KeyOperation[];
      attributes: AttributeChanges;
      tags?: Record<string, string>;
      releasePolicy?: ReleasePolicy;
    },
    existing?: (vault: Vault, latest: KeyVersion, now: number) => void,
  ): KeyView {
    return this.store.write(() => {
      const vault = this.vaultForWrite(target);
      const now = this.now();
      let record = this.store.getKey(vault.id, name);
      // Rotation adds to a key that must still be there (and active) when the transaction runs.
      if (existing) {
        if (!record || record.deletion) throw VaultErrors.keyNotFound(name);
        existing(vault, this.store.getVersion(vault.id, name)!.version, now);
      }
      if (record?.deletion) {
        if (record.deletion.scheduledPurgeDate > now) throw VaultErrors.deletedButRecoverable(record.name);
        this.store.purgeKey(vault.id, name);
        this.materials.invalidate(keyPrefix(vault, name));
        record = undefined;
      }
      if (!record) this.store.insertKey(vault.id, name);
      const storedName = record?.name ?? name;
      const version: KeyVersion = {
        name: storedName,
        version: randomBytes(16).toString("hex"),
        kty: v.kty,
        keyOps: v.keyOps,
        attributes: {
          enabled: v.attributes.enabled ?? true,
          created: now,
          updated: now,
          exportable: v.attributes.exportable ?? false,
        },
        managed: false,
        publicJwk: publicJwkOf(v.kty, v.material),
      };
      const size = keySizeOf(v.material);
      if (size !== undefined) version.keySize = size;
      if (v.attributes.notBefore !== undefined) version.attributes.notBefore = v.attributes.notBefore;
      if (v.attributes.expires !== undefined) version.attributes.expires = v.attributes.expires;
      if (v.tags) version.tags = v.tags;
      if (v.releasePolicy) version.releasePolicy = v.releasePolicy;
      const seq = this.store.takeSeq(vault.id, storedName);
      this.store.insertVersion(vault.id, version, seq, this.sealMaterial(vault, version, v.material));
      this.versionsChanged?.(vault, storedName, now);
      return { vault, key: version };
    });
  }

  /** Rotation (rotation-service.ts): a new version of an existing, active key; `check` runs first in the same transaction. */
  addRotatedVersion(
    target: VaultTarget,
    name: string,
    v: Parameters<KeyService["addVersion"]>[2],
    check: (vault: Vault, latest: KeyVersion, now: number) => void,
  ): KeyView {
    return this.addVersion(target, name, v, check);
  }

  // ---- read ---------------------------------------------------------------------------------------

  getKey(target: VaultTarget, host: string, name: string, version?: string): KeyView {
    this.sweep(target);
    return this.store.read(() => {
      const vault = this.existingVault(target, host);
      return { vault, key: this.activeVersion(vault, name, version).version };
    });
  }

  /** The key's private material, for crypto operations inside the emulator. Never serialised to a caller. */
  getKeyWithMaterial(target: VaultTarget, host: string, name: string, version?: string): KeyView & { material: PrivateMaterial } {
    this.sweep(target);
    return this.store.read(() => {
      const vault = this.existingVault(target, host);
      const stored = this.activeVersion(vault, name, version);
      return { vault, key: stored.version, material: this.openMaterial(vault, stored.version, stored.material) };
    });
  }

  private activeVersion(vault: Vault, name: string, version?: string) {
    const record = this.store.getKey(vault.id, name);
    if (!record || record.deletion) throw VaultErrors.keyNotFound(name, version);
    const stored = this.store.getVersion(vault.id, name, version);
    if (!stored) throw VaultErrors.keyNotFound(name, version);
    return stored;
  }

  listKeys(target: VaultTarget, host: string, pageSize: number, token?: string): Page<KeyView> {
    this.sweep(target);
    return this.store.read(() => {
      const vault = this.existingVault(target, host);
      return this.keyPage(vault, false, pageSize, token, (entry) => ({ vault, key: entry.latest }));
    });
  }

  listDeletedKeys(target: VaultTarget, host: string, pageSize: number, token?: string): Page<DeletedKeyView> {
    this.sweep(target);
    return this.store.read(() => {
      const vault = this.existingVault(target, host);
      return this.keyPage(vault, true, pageSize, token, (entry) => ({ vault, key: entry.latest, deletion: entry.deletion! }));
    });
  }

  private keyPage<T>(vault: Vault, deleted: boolean, pageSize: number, token: string | undefined, map: (e: KeyListEntry) => T): Page<T> {
    const afterName = token === undefined ? undefined : decodeToken(token, "n");
    // One extra row tells whether another page exists without a second query.
    const rows = this.store.listKeys(vault.id, { deleted, limit: pageSize + 1, ...(afterName !== undefined ? { afterName } : {}) });
    const items = rows.slice(0, pageSize);
    const page: Page<T> = { items: items.map(map) };
    if (rows.length > pageSize) page.next = encodeToken("n", items[items.length - 1]!.latest.name);
    return page;
  }

  listKeyVersions(target: VaultTarget, host: string, name: string, pageSize: number, token?: string): Page<KeyView> {
    this.sweep(target);
    return this.store.read(() => {
      const vault = this.existingVault(target, host);
      const record = this.store.getKey(vault.id, name);
      if (!record || record.deletion) throw VaultErrors.keyNotFound(name);
      const afterSeq = token === undefined ? undefined : Number(decodeToken(token, "v"));
      if (afterSeq !== undefined && !Number.isSafeInteger(afterSeq)) throw invalidToken();
      const rows = this.store.listVersions(vault.id, name, { limit: pageSize + 1, ...(afterSeq !== undefined ? { afterSeq } : {}) });
      const items = rows.slice(0, pageSize);
      const page: Page<KeyView> = { items: items.map((r) => ({ vault, key: r.version })) };
      if (rows.length > pageSize) page.next = encodeToken("v", String(items[items.length - 1]!.seq));
      return page;
    });
  }

  // ---- update -------------------------------------------------------------------------------------

  updateKey(target: VaultTarget, host: string, name: string, version: string | undefined, changes: UpdateKeyRequest): KeyView {
    this.sweep(target);
    const keyOps = changes.keyOps;
    const tags = validateTags(changes.tags);
    return this.store.write(() => {
      const vault = this.existingVault(target, host);
      const current = this.activeVersion(vault, name, version).version;
      const next: KeyVersion = { ...current, attributes: { ...current.attributes } };
      const a = changes.attributes ?? {};
      if (a.enabled !== undefined) next.attributes.enabled = a.enabled;
      if (a.notBefore !== undefined) next.attributes.notBefore = a.notBefore;
      if (a.expires !== undefined) next.attributes.expires = a.expires;
      if (a.exportable !== undefined && a.exportable !== current.attributes.exportable) {
        throw VaultErrors.badParameter("AKV.SKR.1003: The exportable attribute of an existing key cannot be changed.");
      }
      if (keyOps) next.keyOps = keyOps;
      if (tags) next.tags = tags;
      if (changes.releasePolicy) {
        // The service's answers (recorded): a policy is set on the key, never on one version of it.
        if (version !== undefined) throw VaultErrors.badParameter("AKV.SKR.1016: Key Release Policy can only be set on versionless key");
        if (current.releasePolicy?.immutable) {
          throw VaultErrors.badParameter("AKV.SKR.1020: Immutable Key Release Policy cannot be modified.");
        }
        next.releasePolicy = changes.releasePolicy;
      }
      assertReleasePolicyRules(next.attributes.exportable, next.releasePolicy);
      next.attributes.updated = this.now();
      this.store.updateVersion(vault.id, next);
      this.versionsChanged?.(vault, next.name, next.attributes.updated);
      this.materials.invalidate(keyPrefix(vault, next.name));
      return { vault, key: next };
    });
  }

  // ---- soft delete, recover, purge ---------------------------------------------------------------

  deleteKey(target: VaultTarget, host: string, name: string): DeletedKeyView {
    this.sweep(target);
    return this.store.write(() => {
      const vault = this.existingVault(target, host);
      const latest = this.activeVersion(vault, name).version;
      const now = this.now();
      const deletion = { deletedDate: now, scheduledPurgeDate: now + vault.retentionDays * SECONDS_PER_DAY };
      this.store.setDeletion(vault.id, latest.name, deletion);
      this.materials.invalidate(keyPrefix(vault, latest.name));
      return { vault, key: latest, deletion };
    });
  }

  getDeletedKey(target: VaultTarget, host: string, name: string): DeletedKeyView {
    this.sweep(target);
    return this.store.read(() => {
      const vault = this.existingVault(target, host);
      return this.deletedKey(vault, name);
    });
  }

  private deletedKey(vault: Vault, name: string): DeletedKeyView {
    const record = this.store.getKey(vault.id, name);
    if (!record?.deletion) throw VaultErrors.deletedKeyNotFound(name);
    const latest = this.store.getVersion(vault.id, name)!.version;
    return { vault, key: latest, deletion: record.deletion };
  }

  recoverDeletedKey(target: VaultTarget, host: string, name: string): KeyView {
    this.sweep(target);
    return this.store.write(() => {
      const vault = this.existingVault(target, host);
      const deleted = this.deletedKey(vault, name);
      this.store.setDeletion(vault.id, deleted.key.name, undefined);
      return { vault, key: deleted.key };
    });
  }

  purgeDeletedKey(target: VaultTarget, host: string, name: string): void {
    this.sweep(target);
    this.store.write(() => {
      const vault = this.existingVault(target, host);
      const deleted = this.deletedKey(vault, name);
      if (vault.purgeProtection) throw VaultErrors.purgeProtected(deleted.key.name);
      this.store.purgeKey(vault.id, deleted.key.name);
      this.materials.invalidate(keyPrefix(vault, deleted.key.name));
    });
  }

  // ---- backup and restore -------------------------------------------------------------------------

  backupKey(target: VaultTarget, host: string, name: string): Buffer {
    this.sweep(target);
    return this.store.read(() => {
      const vault = this.existingVault(target, host);
      const record = this.store.getKey(vault.id, name);
      if (!record || record.deletion) throw VaultErrors.keyNotFound(name);
      const versions = this.store.allVersions(vault.id, name).map((stored) => ({
        version: stored.version,
        material: this.openMaterial(vault, stored.version, stored.material),
      }));
      return sealBackup(
        { vaultKind: vault.kind, name: record.name, versions, ...(record.rotationPolicy ? { rotationPolicy: record.rotationPolicy } : {}) },
        this.domain,
      );
    });
  }

  restoreKey(target: VaultTarget, blob: Buffer): KeyView {
    this.sweep(target);
    const backup = openBackup(blob, this.domain);
    if (backup.vaultKind !== target.kind) {
      const from = backup.vaultKind === "vault" ? "a key vault" : "a managed HSM";
      const to = target.kind === "vault" ? "a key vault" : "a managed HSM";
      throw VaultErrors.badParameter(`The backup was taken from ${from} and cannot be restored into ${to}.`);
    }
    if (backup.versions.length === 0) throw VaultErrors.badParameter("The backup blob holds no key versions.");
    return this.store.write(() => {
      const vault = this.vaultForWrite(target);
      const record = this.store.getKey(vault.id, backup.name);
      if (record?.deletion) throw VaultErrors.deletedButRecoverable(record.name);
      if (record) throw VaultErrors.keyAlreadyExists(record.name);
      this.store.insertKey(vault.id, backup.name);
      if (backup.rotationPolicy) this.store.setRotationPolicy(vault.id, backup.name, backup.rotationPolicy);
      for (const { version, material } of backup.versions) {
        const seq = this.store.takeSeq(vault.id, backup.name);
        this.store.insertVersion(vault.id, version, seq, this.sealMaterial(vault, version, material));
      }
      this.versionsChanged?.(vault, backup.name, this.now());
      return { vault, key: backup.versions[backup.versions.length - 1]!.version };
    });
  }

  // ---- sealing ------------------------------------------------------------------------------------

  private sealMaterial(vault: Vault, version: KeyVersion, material: PrivateMaterial): Buffer {
    return this.domain.seal(Buffer.from(JSON.stringify(material), "utf8"), materialBinding(vault, version));
  }

  private openMaterial(vault: Vault, version: KeyVersion, sealed: Buffer): PrivateMaterial {
    const binding = materialBinding(vault, version);
    const cached = this.materials.get(binding, sealed);
    if (cached) return cached;
    let opened: Buffer;
    try {
      opened = this.domain.open(sealed, binding);
    } catch (err) {
      // Not the emulator's fault to report as a 500 (which the SDKs would retry): the data directory's
      // security domain does not match its database. The caller gets a 409 naming the key.
      if (err instanceof SealError) throw VaultErrors.securityDomainMismatch(`key ${version.name} (version ${version.version})`);
      throw err;
    }
    return this.materials.set(binding, sealed, JSON.parse(opened.toString("utf8")) as PrivateMaterial);
  }

  // ---- validation shared by create, import and update ------------------------------------------

  private validateAttributes(attributes: AttributeChanges | undefined, policy: ReleasePolicy | undefined): AttributeChanges {
    const a = attributes ?? {};
    assertReleasePolicyRules(a.exportable ?? false, policy);
    return a;
  }
}

/** The material-cache prefix of every version of one key. */
function keyPrefix(vault: Vault, name: string): string {
  return `${vault.id}/${name.toLowerCase()}/`;
}

/** Binds a sealed blob to its row, so material cannot be moved between keys in the database. */
function materialBinding(vault: Vault, version: KeyVersion): string {
  return `${vault.id}/${version.name.toLowerCase()}/${version.version.toLowerCase()}`;
}

function assertKeyName(name: string): void {
  if (!KEY_NAME_PATTERN.test(name)) throw VaultErrors.invalidName(name);
}

function isImportableType(kty: string): kty is KeyType {
  return ["EC", "EC-HSM", "RSA", "RSA-HSM", "oct", "oct-HSM"].includes(kty);
}

/**
 * A Managed HSM keeps every key in its HSM: plain RSA/EC/oct requests come back as -HSM keys (as the
 * service does). A key vault has no symmetric keys.
 */
function effectiveKeyType(kty: KeyType, kind: VaultKind): KeyType {
  if (kind === "managedhsm") return kty.endsWith("-HSM") ? kty : (`${kty}-HSM` as KeyType);
  if (kty === "oct" || kty === "oct-HSM") {
    throw VaultErrors.badParameter(`The key type ${kty} is not supported in a key vault; symmetric keys are available in Managed HSM only.`);
  }
  return kty;
}

function keySpec(family: KeyFamily, request: CreateKeyRequest): KeySpec {
  switch (family) {
    case "RSA": {
      const size = request.keySize ?? DEFAULT_RSA_SIZE;
      if (!(RSA_KEY_SIZES as readonly number[]).includes(size)) {
        throw VaultErrors.badParameter(`The key size ${size} is not supported for RSA keys. Supported sizes: 2048, 3072, 4096.`);
      }
      const publicExponent = request.publicExponent ?? DEFAULT_PUBLIC_EXPONENT;
      if (!Number.isSafeInteger(publicExponent) || publicExponent < 3 || publicExponent % 2 === 0 || publicExponent > 0xffffffff) {
        throw VaultErrors.badParameter(`The public exponent ${publicExponent} is not valid; it must be an odd integer of at least 3 (65537 is usual).`);
      }
      return { family, size, publicExponent };
    }
    case "EC": {
      const curve = request.curve ?? "P-256";
      if (!isCurveName(curve)) throw VaultErrors.curveNotSupported(curve);
      return { family, curve };
    }
    case "oct": {
      const size = request.keySize ?? DEFAULT_OCT_SIZE;
      if (!(OCT_KEY_SIZES as readonly number[]).includes(size)) {
        throw VaultErrors.badParameter(`The key size ${size} is not supported for symmetric keys. Supported sizes: 128, 192, 256.`);
      }
      return { family, size };
    }
  }
}

export function validateKeyOps(value: unknown): KeyOperation[] {
  const valid = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export"];
  if (!Array.isArray(value) || value.some((op) => typeof op !== "string" || !valid.includes(op))) {
    throw VaultErrors.badParameter(`Invalid key operation in key_ops. Valid operations: ${valid.join(", ")}.`);
  }
  return [...new Set(value as KeyOperation[])];
}

function validateTags(tags: Record<string, string> | undefined): Record<string, string> | undefined {
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

function assertReleasePolicyRules(exportable: boolean, policy: ReleasePolicy | undefined): void {
  // The service's messages, verbatim from recorded answers.
  if (exportable && !policy) throw VaultErrors.badParameter("AKV.SKR.1004: Exportable keys must have release policy.");
  if (!exportable && policy) throw VaultErrors.badParameter("AKV.SKR.1005: Non-exportable keys must not have release policy.");
}

/** Secure key release needs an HSM key: a vault refuses exportable software keys (AKV.SKR.1006; the message is the emulator's). */
function assertExportableIsHsm(kty: KeyType, exportable: boolean | undefined): void {
  if (exportable && !kty.endsWith("-HSM")) {
    throw VaultErrors.badParameter(`AKV.SKR.1006: Exportable keys must be HSM-protected; a ${kty} key cannot be exportable (use ${kty}-HSM).`);
  }
}

// Skip tokens are opaque to callers: a kind letter and the cursor, base64url-encoded.
function encodeToken(kind: "n" | "v", cursor: string): string {
  return Buffer.from(`${kind}:${cursor}`, "utf8").toString("base64url");
}

function decodeToken(token: string, kind: "n" | "v"): string {
  const text = Buffer.from(token, "base64url").toString("utf8");
  if (!text.startsWith(`${kind}:`)) throw invalidToken();
  return text.slice(2);
}

function invalidToken() {
  return VaultErrors.badParameter("The $skiptoken is invalid; use the nextLink the previous page returned.");
}

export type { DeletedKey };
