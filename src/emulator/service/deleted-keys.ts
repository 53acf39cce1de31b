import { VaultErrors } from "../domain/errors.js";
import type { DeletedKeyView, KeyView } from "../domain/key.js";
import { vaultId, type VaultTarget } from "../domain/vault.js";
import { SECONDS_PER_DAY } from "../../shared/time.js";
import type { KeyRepository } from "./key-repository.js";
import { keyPage, type Page } from "./paging.js";

// Soft delete: a key moves, with every version, from the active keys to the deleted ones, stamped with
// its deletion date and its scheduled purge date (the vault's retention later). Recover moves it back;
// purge removes it for good, unless the vault is purge-protected; the purge date removes it on its own.

export class DeletedKeys {
  constructor(private readonly repo: KeyRepository) {}

  deleteKey(target: VaultTarget, host: string, name: string): DeletedKeyView {
    const { store } = this.repo;
    return store.write(() => {
      const vault = this.repo.vaults.existing(target, host);
      const latest = this.repo.activeVersion(vault, name).version;
      const now = this.repo.now();
      const deletion = { deletedDate: now, scheduledPurgeDate: now + vault.retentionDays * SECONDS_PER_DAY };
      store.setDeletion(vault.id, latest.name, deletion);
      this.repo.materials.forgetKey(vault, latest.name);
      return { vault, key: latest, deletion };
    });
  }

  getDeletedKey(target: VaultTarget, host: string, name: string): DeletedKeyView {
    return this.repo.store.read(() => this.repo.deletedKey(this.repo.vaults.existing(target, host), name));
  }

  listDeletedKeys(target: VaultTarget, host: string, pageSize: number, token?: string): Page<DeletedKeyView> {
    return this.repo.store.read(() => {
      const vault = this.repo.vaults.existing(target, host);
      return keyPage(this.repo.store, vault, true, pageSize, token, (entry) => ({ vault, key: entry.latest, deletion: entry.deletion! }));
    });
  }

  recoverDeletedKey(target: VaultTarget, host: string, name: string): KeyView {
    return this.repo.store.write(() => {
      const vault = this.repo.vaults.existing(target, host);
      const deleted = this.repo.deletedKey(vault, name);
      this.repo.store.setDeletion(vault.id, deleted.key.name, undefined);
      this.repo.changes.changed({ vault, name: deleted.key.name, now: this.repo.now(), what: "dates" });
      return { vault, key: deleted.key };
    });
  }

  purgeDeletedKey(target: VaultTarget, host: string, name: string): void {
    this.repo.store.write(() => {
      const vault = this.repo.vaults.existing(target, host);
      const deleted = this.repo.deletedKey(vault, name);
      if (vault.purgeProtection) throw VaultErrors.purgeProtected(deleted.key.name);
      this.repo.store.purgeKey(vault.id, deleted.key.name);
      this.repo.materials.forgetKey(vault, deleted.key.name);
    });
  }

  /**
   * Deleted keys past their scheduled purge date disappear, as the service purges them (the pipeline's
   * tick, before an operation runs): one indexed read, and a write only when something is due.
   */
  purgeDue(target: VaultTarget, now: number): void {
    const id = vaultId(target.name, target.kind);
    // Purge dates have one-second resolution and lie at least 7 days after the deletion that set them,
    // so what is due cannot change within one second of the clock: once per second per vault is enough.
    if (this.sweptAt.get(id) === now) return;
    const { store } = this.repo;
    if (store.hasPurgeDue(id, now)) {
      store.write(() => store.purgeDue(id, now));
      this.repo.materials.forgetVault(id);
    }
    this.sweptAt.set(id, now);
  }

  /** A vault was deleted: its sweep second goes with it. */
  forgetVault(id: string): void {
    this.sweptAt.delete(id);
  }

  /** Per vault id, the clock second of its last sweep. */
  private readonly sweptAt = new Map<string, number>();
}
