import { randomBytes } from "node:crypto";
import { SealError, SecurityDomain } from "../crypto/seal.js";
import { VaultError, VaultErrors } from "../domain/errors.js";
import type { Vault, VaultTarget } from "../domain/vault.js";
import { openSecurityDomainFile, sealSecurityDomainFile, type SecurityDomainFile, type WrappingKey } from "../crypto/security-domain-transfer.js";
import type { KeyStore } from "../store/key-store.js";

// Which security domain a container's backups are sealed under. A key vault uses the data directory's
// (security-domain.json), as it always did. Each Managed HSM has its own, as in Azure, where "a backup
// is cryptographically tied to the security domain of the source HSM" and restores only into an HSM
// holding the same one: 32 random bytes made when the HSM comes into being, kept in its row sealed under
// the data directory's domain (so the database alone still opens nothing), moved between HSMs with
// `kvkey emulator security-domain download|upload`. An HSM made before HSMs had their own (a NULL
// column) keeps the data directory's, so backups taken then still restore.
//
// Key material at rest stays sealed under the data directory's domain whatever the container: the HSM's
// domain decides where its backups may go, which is what an application can observe.

export class VaultDomains {
  /** Opened HSM domains, by vault id and the sealed bytes they came from (so a replaced domain is never stale). */
  private readonly opened = new Map<string, { sealed: Buffer; domain: SecurityDomain }>();

  constructor(
    private readonly store: KeyStore,
    private readonly dataDirDomain: SecurityDomain,
  ) {}

  /** A new HSM's domain, sealed for its row. */
  sealNew(vaultId: string, key: Buffer = randomBytes(32)): Buffer {
    return this.dataDirDomain.seal(key, binding(vaultId));
  }

  /** The domain a container's backups are sealed under. Call inside a store transaction. */
  of(vault: Pick<Vault, "id" | "kind" | "name">): SecurityDomain {
    if (vault.kind !== "managedhsm") return this.dataDirDomain;
    const sealed = this.store.getVaultSecurityDomain(vault.id);
    if (!sealed) return this.dataDirDomain;
    const cached = this.opened.get(vault.id);
    if (cached && cached.sealed.equals(sealed)) return cached.domain;
    let key: Buffer;
    try {
      key = this.dataDirDomain.open(sealed, binding(vault.id));
    } catch (err) {
      if (err instanceof SealError) throw VaultErrors.securityDomainMismatch(`the security domain of managed HSM ${vault.name}`);
      throw err;
    }
    const domain = new SecurityDomain(key);
    this.opened.set(vault.id, { sealed: Buffer.from(sealed), domain });
    return domain;
  }

  /** `security-domain download`: the HSM's domain, split among the holders of these certificates. */
  download(target: VaultTarget, certificates: readonly string[], quorum: number): SecurityDomainFile {
    const vault = this.hsm(target);
    const domain = this.store.read(() => this.of(vault));
    return sealSecurityDomainFile(vault.name, domain.id, Buffer.from(domain.exportKey(), "base64"), certificates, quorum);
  }

  /**
   * `security-domain upload`: the HSM takes the domain of the file, opened with a quorum of its wrapping
   * keys. As in Azure, where a domain is uploaded into a new HSM before it is used, an HSM that holds
   * keys (active or deleted) refuses: its backups would stop restoring anywhere they used to.
   */
  upload(target: VaultTarget, content: string, keys: readonly WrappingKey[]): { domainId: string } {
    const vault = this.hsm(target);
    const { key, domainId } = openSecurityDomainFile(content, keys);
    const domain = new SecurityDomain(key);
    if (domain.id !== domainId) throw VaultErrors.badParameter("The security domain file is corrupted: its shares do not combine into the domain it names.");
    return this.store.write(() => {
      const holdsKeys = [false, true].some((deleted) => this.store.listKeys(vault.id, { deleted, limit: 1 }).length > 0);
      if (holdsKeys) {
        throw new VaultError(
          "Conflict",
          `The managed HSM ${vault.name} holds keys: a security domain is uploaded into a new HSM, before keys are created or restored in it.`,
        );
      }
      this.store.setVaultSecurityDomain(vault.id, this.sealNew(vault.id, key));
      this.opened.delete(vault.id);
      return { domainId: domain.id };
    });
  }

  /** The HSM's domain fingerprint (what `emulator vault show` prints). */
  domainId(target: VaultTarget): string {
    const vault = this.hsm(target);
    return this.store.read(() => this.of(vault)).id;
  }

  private hsm(target: VaultTarget): Vault {
    if (target.kind !== "managedhsm") throw VaultErrors.badParameter("A security domain of its own belongs to a managed HSM; key vaults use the data directory's.");
    const vault = this.store.read(() => this.store.getVault(`${target.name.toLowerCase()}.managedhsm`));
    if (!vault) throw VaultErrors.vaultNotFound(`${target.name}.managedhsm.localhost`);
    return vault;
  }
}



function binding(vaultId: string): string {
  return `vault-security-domain/${vaultId}`;
}
