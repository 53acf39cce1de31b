import { randomBytes } from "node:crypto";
import { VaultErrors } from "../domain/errors.js";
import {
  defaultKeyOps,
  isCurveName,
  keyFamily,
  OCT_KEY_SIZES,
  RSA_KEY_SIZES,
  type KeyFamily,
  type KeyOperation,
  type KeyType,
  type KeyVersion,
  type KeyView,
  type ReleasePolicy,
} from "../domain/key.js";
import {
  assertExportableIsHsm,
  assertKeyName,
  assertKeyTypeAllowed,
  assertReleasePolicyRules,
  effectiveKeyType,
  isImportableType,
  validateKeyOps,
  validateTags,
} from "../domain/key-rules.js";
import { vaultId, type Vault, type VaultTarget } from "../domain/vault.js";
import { generateKeyMaterial, type KeySpec } from "../crypto/generate.js";
import { keySizeOf, publicJwkOf, type PrivateMaterial } from "../crypto/material.js";
import { materialFromImportedJwk } from "../crypto/import-jwk.js";
import { materialFromTransferBlob } from "../crypto/byok.js";
import type { KeyRepository } from "./key-repository.js";
import { keyPage, versionPage, type Page } from "./paging.js";

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

/** A new version as addVersion stores it. */
export interface NewVersion {
  kty: KeyType;
  material: PrivateMaterial;
  keyOps: KeyOperation[];
  attributes: AttributeChanges;
  tags?: Record<string, string>;
  releasePolicy?: ReleasePolicy;
}

const DEFAULT_RSA_SIZE = 2048;
const DEFAULT_OCT_SIZE = 256;
const DEFAULT_PUBLIC_EXPONENT = 65537;

/**
 * The active keys of an emulator: create, import, read, list and update (soft delete is
 * deleted-keys.ts, backup and restore key-backup.ts). Every state change runs in one store transaction;
 * slow work (key generation) happens before the transaction opens. Deleted keys past their purge date
 * are gone before any of this runs (the pipeline's tick, lifetime.ts).
 */
export class KeyService {
  constructor(private readonly repo: KeyRepository) {}

  // ---- create and import --------------------------------------------------------------------------

  async createKey(target: VaultTarget, name: string, request: CreateKeyRequest): Promise<KeyView> {
    assertKeyName(name);
    const kty = effectiveKeyType(request.kty, target.kind);
    const family = keyFamily(kty);
    const spec = keySpec(family, request);
    const attributes = this.validateAttributes(request.attributes, request.releasePolicy);
    assertExportableIsHsm(kty, attributes.exportable);
    const tags = validateTags(request.tags);
    // Fail before spending a second on RSA-4096 when the name is taken by a deleted key, or the vault's
    // SKU refuses the key type.
    this.repo.store.read(() => this.assertNameUsable(target, name, kty));
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
      ? materialFromTransferBlob(jwk, kty, target, (kek, version) => this.keyExchangeKey(target, kek, version), this.repo.now())
      : materialFromImportedJwk(jwk, family);
    const keyOps = jwk.key_ops === undefined ? defaultKeyOps(family) : validateKeyOps(jwk.key_ops);
    const attributes = this.validateAttributes(request.attributes, request.releasePolicy);
    assertExportableIsHsm(kty, attributes.exportable);
    const tags = validateTags(request.tags);
    return this.addVersion(target, name, { kty, material, keyOps, attributes, tags, releasePolicy: request.releasePolicy });
  }

  /** A BYOK import's key exchange key: looked up in the importing container only. */
  private keyExchangeKey(target: VaultTarget, name: string, version: string | undefined): KeyView & { material: PrivateMaterial } {
    if (!this.repo.vaults.get(target)) throw VaultErrors.keyNotFound(name, version);
    return this.getKeyWithMaterial(target, target.name, name, version);
  }

  private assertNameUsable(target: VaultTarget, name: string, kty: KeyType): void {
    const vault = this.repo.store.getVault(vaultId(target.name, target.kind));
    if (!vault) return;
    assertKeyTypeAllowed(vault, kty);
    this.repo.transitions?.assertNameFree(vault.id, name);
    const record = this.repo.store.getKey(vault.id, name);
    if (record?.deletion) throw VaultErrors.deletedButRecoverable(record.name);
  }

  private addVersion(target: VaultTarget, name: string, v: NewVersion, existing?: (vault: Vault, latest: KeyVersion, now: number) => void): KeyView {
    const { store, materials } = this.repo;
    return store.write(() => {
      const vault = this.repo.vaults.forWrite(target);
      assertKeyTypeAllowed(vault, v.kty);
      const now = this.repo.now();
      let record = store.getKey(vault.id, name);
      // Rotation adds to a key that must still be there (and active) when the transaction runs.
      const transitions = this.repo.transitions;
      if (existing) {
        if (!record || record.deletion || transitions?.current(vault.id, name) === "recovering") throw VaultErrors.keyNotFound(name);
        existing(vault, store.getVersion(vault.id, name)!.version, now);
      } else {
        transitions?.assertNameFree(vault.id, name);
      }
      if (record?.deletion) {
        const purged = transitions?.purgeDue(vault.id, name) ?? false;
        if (record.deletion.scheduledPurgeDate > now && !purged) throw VaultErrors.deletedButRecoverable(record.name);
        store.purgeKey(vault.id, name);
        materials.forgetKey(vault, name);
        record = undefined;
      }
      if (!record) store.insertKey(vault.id, name);
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
      const seq = store.takeSeq(vault.id, storedName);
      store.insertVersion(vault.id, version, seq, materials.seal(vault, version, v.material));
      this.repo.changes.changed({ vault, name: storedName, now, what: "versions" });
      return { vault, key: version };
    });
  }

  /** Rotation (rotation-service.ts): a new version of an existing, active key; `check` runs first in the same transaction. */
  addRotatedVersion(target: VaultTarget, name: string, v: NewVersion, check: (vault: Vault, latest: KeyVersion, now: number) => void): KeyView {
    return this.addVersion(target, name, v, check);
  }

  // ---- read ---------------------------------------------------------------------------------------

  getKey(target: VaultTarget, host: string, name: string, version?: string): KeyView {
    return this.repo.store.read(() => {
      const vault = this.repo.vaults.existing(target, host);
      return { vault, key: this.repo.activeVersion(vault, name, version).version };
    });
  }

  /** The key's private material, for crypto operations inside the emulator. Never serialised to a caller. */
  getKeyWithMaterial(target: VaultTarget, host: string, name: string, version?: string): KeyView & { material: PrivateMaterial } {
    return this.repo.store.read(() => {
      const vault = this.repo.vaults.existing(target, host);
      const stored = this.repo.activeVersion(vault, name, version);
      return { vault, key: stored.version, material: this.repo.materials.open(vault, stored.version, stored.material) };
    });
  }

  listKeys(target: VaultTarget, host: string, pageSize: number, token?: string): Page<KeyView> {
    return this.repo.store.read(() => {
      const vault = this.repo.vaults.existing(target, host);
      const page = keyPage(this.repo.store, vault, false, pageSize, token, (entry) => ({ vault, key: entry.latest }));
      // Keys still being recovered are not listed yet (a page may come out short, as the service's do).
      const hidden = this.repo.transitions?.inProgress(vault.id, ["recovering"]);
      if (hidden?.size) page.items = page.items.filter((v) => !hidden.has(v.key.name.toLowerCase()));
      return page;
    });
  }

  listKeyVersions(target: VaultTarget, host: string, name: string, pageSize: number, token?: string): Page<KeyView> {
    return this.repo.store.read(() => {
      const vault = this.repo.vaults.existing(target, host);
      const record = this.repo.store.getKey(vault.id, name);
      // The service lists no versions of a key it does not have, rather than answering 404 (recorded:
      // 200 {"value":[],"nextLink":null}); a deleted key's versions are not listed either.
      if (!record || record.deletion || this.repo.transitions?.current(vault.id, name) === "recovering") return { items: [] };
      return versionPage(this.repo.store, vault, name, pageSize, token, (r) => ({ vault, key: r.version }));
    });
  }

  // ---- update -------------------------------------------------------------------------------------

  updateKey(target: VaultTarget, host: string, name: string, version: string | undefined, changes: UpdateKeyRequest): KeyView {
    const keyOps = changes.keyOps;
    const tags = validateTags(changes.tags);
    return this.repo.store.write(() => {
      const vault = this.repo.vaults.existing(target, host);
      const current = this.repo.activeVersion(vault, name, version).version;
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
      next.attributes.updated = this.repo.now();
      this.repo.store.updateVersion(vault.id, next);
      this.repo.changes.changed({ vault, name: next.name, now: next.attributes.updated, what: "versions" });
      this.repo.materials.forgetKey(vault, next.name);
      return { vault, key: next };
    });
  }

  private validateAttributes(attributes: AttributeChanges | undefined, policy: ReleasePolicy | undefined): AttributeChanges {
    const a = attributes ?? {};
    assertReleasePolicyRules(a.exportable ?? false, policy);
    return a;
  }
}

/** The size an EC key has on each curve: a key_size next to crv may only repeat it. */
const CURVE_BITS: Record<string, number> = { "P-256": 256, "P-256K": 256, "P-384": 384, "P-521": 521 };
const EC_KEY_SIZES: readonly number[] = [256, 384, 521];

function keySpec(family: KeyFamily, request: CreateKeyRequest): KeySpec {
  // A parameter that does not apply to the key type is refused rather than ignored: a caller who asked
  // for an RSA key on P-256, or an EC key of 2048 bits, did not get what they asked for.
  if (family !== "EC" && request.curve !== undefined) {
    throw VaultErrors.badParameter(`The curve (crv) ${request.curve} applies to EC keys only; ${family} keys take a size (key_size) instead.`);
  }
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
      if (request.keySize !== undefined && !EC_KEY_SIZES.includes(request.keySize)) {
        // The service's own words for an EC key of another size (MicrosoftDocs/azure-docs#88477).
        throw VaultErrors.badParameter(`Unsupported key size (${request.keySize}). Supported sizes are [${EC_KEY_SIZES.join(", ")}]`);
      }
      if (request.keySize !== undefined && request.keySize !== CURVE_BITS[curve]) {
        throw VaultErrors.badParameter(`The key size ${request.keySize} does not apply to EC keys on ${curve}: an EC key's size follows from its curve (crv), ${curve} is ${CURVE_BITS[curve]} bits.`);
      }
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
