import type { Clock } from "../domain/clock.js";
import { VaultErrors } from "../domain/errors.js";
import type { DeletedKeyView } from "../domain/key.js";
import type { Vault } from "../domain/vault.js";
import type { SecurityDomain } from "../crypto/seal.js";
import type { KeyStore, StoredVersion } from "../store/key-store.js";
import { toUnixSeconds } from "../../shared/time.js";
import { KeyChanges } from "./key-changes.js";
import type { KeyTransitions } from "./key-transitions.js";
import type { MaterialCache } from "./material-cache.js";
import { SealedMaterial } from "./sealed-material.js";
import { VaultRegistry } from "./vault-registry.js";
import { VaultDomains } from "./vault-domains.js";

/**
 * What every key use case stands on (KeyService, DeletedKeys, KeyBackups, RotationService): the store,
 * the containers, sealed material, the listeners to key changes and the emulator clock, with the two
 * reads they all share. One per emulator; createEmulator (index.ts) makes it.
 */
export class KeyRepository {
  readonly vaults: VaultRegistry;
  readonly materials: SealedMaterial;
  /** The security domain each container's backups are sealed under (a Managed HSM has its own). */
  readonly domains: VaultDomains;
  readonly changes = new KeyChanges();

  /** Soft-delete transitions of the Azure timing profile; none without the profile (key-transitions.ts). */
  readonly transitions: KeyTransitions | undefined;

  constructor(
    readonly store: KeyStore,
    domain: SecurityDomain,
    readonly clock: Clock,
    options: { cache?: MaterialCache; transitions?: KeyTransitions } = {},
  ) {
    this.domains = new VaultDomains(store, domain);
    this.vaults = new VaultRegistry(store, clock, (id) => this.domains.sealNew(id));
    this.materials = new SealedMaterial(domain, options.cache);
    this.transitions = options.transitions;
  }

  /** The emulator clock in Unix seconds, the resolution of every key date. */
  now(): number {
    return toUnixSeconds(this.clock.now());
  }

  /** A version of an active key (the latest when `version` is undefined); KeyNotFound otherwise. */
  activeVersion(vault: Vault, name: string, version?: string): StoredVersion {
    const record = this.store.getKey(vault.id, name);
    if (!record || record.deletion) throw VaultErrors.keyNotFound(name, version);
    // A key still being recovered is not there yet (recorded: GET 404 until the recovery settles).
    if (this.transitions?.current(vault.id, name) === "recovering") throw VaultErrors.keyNotFound(name, version);
    const stored = this.store.getVersion(vault.id, name, version);
    if (!stored) throw VaultErrors.keyNotFound(name, version);
    return stored;
  }

  /** A soft-deleted key, represented by its latest version; KeyNotFound (Deleted Key not found) otherwise. */
  deletedKey(vault: Vault, name: string): DeletedKeyView {
    const record = this.store.getKey(vault.id, name);
    if (!record?.deletion) throw VaultErrors.deletedKeyNotFound(name);
    // Still being deleted: not in /deletedkeys yet (recorded: 404 until it settles); purged: gone.
    const t = this.transitions;
    if (t && (t.current(vault.id, name) === "deleting" || t.purgeDue(vault.id, name))) throw VaultErrors.deletedKeyNotFound(name);
    const latest = this.store.getVersion(vault.id, name)!.version;
    return { vault, key: latest, deletion: record.deletion };
  }
}
