import { randomBytes } from "node:crypto";
import { SealError, SecurityDomain } from "../crypto/seal.js";
import { VaultErrors } from "../domain/errors.js";
import type { Vault } from "../domain/vault.js";
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

  /** Gives an HSM the domain with this key (a security-domain upload). Call inside a write. */
  replace(vault: Pick<Vault, "id">, key: Buffer): SecurityDomain {
    const domain = new SecurityDomain(key);
    this.store.setVaultSecurityDomain(vault.id, this.sealNew(vault.id, key));
    this.opened.delete(vault.id);
    return domain;
  }
}

function binding(vaultId: string): string {
  return `vault-security-domain/${vaultId}`;
}
