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
    const { store, transitions } = this.repo;
    return store.write(() => {
      const vault = this.repo.vaults.existing(target, host);
      if (transitions?.current(vault.id, name) === "restoring") throw VaultErrors.keyBeingRecovered(name);
      const latest = this.repo.activeVersion(vault, name).version;
      const now = this.repo.now();
      const deletion = { deletedDate: now, scheduledPurgeDate: now + vault.retentionDays * SECONDS_PER_DAY };
      store.setDeletion(vault.id, latest.name, deletion);
      transitions?.begin(vault.id, latest.name, "deleting");
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
      const page = keyPage(this.repo.store, vault, true, pageSize, token, (entry) => ({ vault, key: entry.latest, deletion: entry.deletion! }));
      // Keys still being deleted are not listed yet (a page may come out short, as the service's do).
      const hidden = this.repo.transitions?.inProgress(vault.id, ["deleting"]);
      if (hidden?.size) page.items = page.items.filter((v) => !hidden.has(v.key.name.toLowerCase()));
      return page;
    });
  }

  recoverDeletedKey(target: VaultTarget, host: string, name: string): KeyView {
    return this.repo.store.write(() => {
      const vault = this.repo.vaults.existing(target, host);
      this.assertSettled(vault.id, name);
      const deleted = this.repo.deletedKey(vault, name);
      this.repo.store.setDeletion(vault.id, deleted.key.name, undefined);
      this.repo.transitions?.begin(vault.id, deleted.key.name, "recovering");
      this.repo.changes.changed({ vault, name: deleted.key.name, now: this.repo.now(), what: "dates" });
      return { vault, key: deleted.key };
    });
  }

  purgeDeletedKey(target: VaultTarget, host: string, name: string): void {
    this.repo.store.write(() => {
      const vault = this.repo.vaults.existing(target, host);
      this.assertSettled(vault.id, name);
      const deleted = this.repo.deletedKey(vault, name);
      if (vault.purgeProtection) throw VaultErrors.purgeProtected(deleted.key.name);
      // Under the Azure timing profile the key goes when its purge settles (the vault's tick, settle()).
      if (this.repo.transitions?.begin(vault.id, deleted.key.name, "purging")) return;
      this.repo.store.purgeKey(vault.id, deleted.key.name);
      this.repo.materials.forgetKey(vault, deleted.key.name);
    });
  }

  /** Recover and purge of a key still being deleted or purged: 409, as the service answers (recorded for purge). */
  private assertSettled(vaultId: string, name: string): void {
    const kind = this.repo.transitions?.current(vaultId, name);
    if (kind === "deleting" || kind === "purging") throw VaultErrors.deletedKeyBeingDeleted();
  }

  /**
   * Purges under the Azure timing profile whose time has come are carried out (the pipeline's tick, before
   * any operation on the vault, so a read after the purge settled finds the key gone and a create of the
   * name succeeds). One indexed read when the vault has no transitions.
   */
  settleTransitions(target: VaultTarget): void {
    const transitions = this.repo.transitions;
    if (!transitions) return;
    const id = vaultId(target.name, target.kind);
    const { store } = this.repo;
    if (store.read(() => transitions.duePurges(id)).length === 0) return;
    store.write(() => {
      for (const name of transitions.duePurges(id)) {
        if (store.getKey(id, name)?.deletion) store.purgeKey(id, name);
        transitions.end(id, name);
      }
    });
    this.repo.materials.forgetVault(id);
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
