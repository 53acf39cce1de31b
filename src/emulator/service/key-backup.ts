import { VaultErrors } from "../domain/errors.js";
import type { KeyView } from "../domain/key.js";
import type { VaultTarget } from "../domain/vault.js";
import { assertKeyTypeAllowed } from "../domain/key-rules.js";
import { openBackup, sealBackup } from "./backup-blob.js";
import type { KeyRepository } from "./key-repository.js";

// Backup and restore: every version of one key, with its rotation policy, in one blob sealed under the
// container's security domain (backup-blob.ts, vault-domains.ts): a key vault's backup restores where
// the same domain file is present, a Managed HSM's only into an HSM holding the same HSM domain.

export class KeyBackups {
  constructor(private readonly repo: KeyRepository) {}

  backupKey(target: VaultTarget, host: string, name: string): Buffer {
    const { store, materials } = this.repo;
    return store.read(() => {
      const vault = this.repo.vaults.existing(target, host);
      const record = store.getKey(vault.id, name);
      if (!record || record.deletion || this.repo.transitions?.current(vault.id, name) === "recovering") throw VaultErrors.keyNotFound(name);
      const versions = store.allVersions(vault.id, name).map((stored) => ({
        version: stored.version,
        material: materials.open(vault, stored.version, stored.material),
      }));
      return sealBackup(
        { vaultKind: vault.kind, name: record.name, versions, ...(record.rotationPolicy ? { rotationPolicy: record.rotationPolicy } : {}) },
        this.repo.domains.of(vault),
      );
    });
  }

  restoreKey(target: VaultTarget, blob: Buffer): KeyView {
    // A Managed HSM that does not exist yet would be made with a new domain, which no backup can match:
    // it is looked up (never created) to open the blob, and a missing one gets the data directory's
    // domain, which refuses an HSM backup as a mismatch without creating anything.
    const domain = this.repo.store.read(() => {
      const existing = this.repo.vaults.get(target);
      return existing ? this.repo.domains.of(existing) : this.repo.domains.of({ id: "", kind: "vault", name: target.name });
    });
    const backup = openBackup(blob, domain);
    if (backup.vaultKind !== target.kind) {
      const from = backup.vaultKind === "vault" ? "a key vault" : "a managed HSM";
      const to = target.kind === "vault" ? "a key vault" : "a managed HSM";
      throw VaultErrors.badParameter(`The backup was taken from ${from} and cannot be restored into ${to}.`);
    }
    if (backup.versions.length === 0) throw VaultErrors.badParameter("The backup blob holds no key versions.");
    const { store, materials } = this.repo;
    return store.write(() => {
      const vault = this.repo.vaults.forWrite(target);
      assertKeyTypeAllowed(vault, backup.versions[backup.versions.length - 1]!.version.kty);
      this.repo.transitions?.assertNameFree(vault.id, backup.name);
      const record = store.getKey(vault.id, backup.name);
      if (record?.deletion) throw VaultErrors.deletedButRecoverable(record.name);
      if (record) throw VaultErrors.keyAlreadyExists(record.name);
      store.insertKey(vault.id, backup.name);
      if (backup.rotationPolicy) store.setRotationPolicy(vault.id, backup.name, backup.rotationPolicy);
      for (const { version, material } of backup.versions) {
        const seq = store.takeSeq(vault.id, backup.name);
        store.insertVersion(vault.id, version, seq, materials.seal(vault, version, material));
      }
      this.repo.transitions?.begin(vault.id, backup.name, "restoring");
      this.repo.changes.changed({ vault, name: backup.name, now: this.repo.now(), what: "versions" });
      return { vault, key: backup.versions[backup.versions.length - 1]!.version };
    });
  }
}
