import { VaultErrors } from "../domain/errors.js";
import type { KeyVersion } from "../domain/key.js";
import type { Vault } from "../domain/vault.js";
import type { PrivateMaterial } from "../crypto/material.js";
import { SealError, type SecurityDomain } from "../crypto/seal.js";
import { MaterialCache } from "./material-cache.js";

// Private key material at rest: sealed under the security domain, bound to its (vault, name, version)
// row so sealed bytes cannot be moved between keys in the database; opened through a bounded cache of
// hot keys (material-cache.ts says why the cache is never stale).

export class SealedMaterial {
  constructor(
    private readonly domain: SecurityDomain,
    /** Unsealed material of hot keys (bounded; see material-cache.ts for why it is never stale). */
    private readonly cache: MaterialCache = new MaterialCache(),
  ) {}

  seal(vault: Vault, version: KeyVersion, material: PrivateMaterial): Buffer {
    return this.domain.seal(Buffer.from(JSON.stringify(material), "utf8"), materialBinding(vault, version));
  }

  open(vault: Vault, version: KeyVersion, sealed: Buffer): PrivateMaterial {
    const binding = materialBinding(vault, version);
    const cached = this.cache.get(binding, sealed);
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
    return this.cache.set(binding, sealed, JSON.parse(opened.toString("utf8")) as PrivateMaterial);
  }

  /** Hygiene after an update, delete or purge: material of a key that changed or went must not linger in memory. */
  forgetKey(vault: Vault, name: string): void {
    this.cache.invalidate(`${vault.id}/${name.toLowerCase()}/`);
  }

  forgetVault(vaultId: string): void {
    this.cache.invalidate(`${vaultId}/`);
  }
}

/** Binds a sealed blob to its row, so material cannot be moved between keys in the database. */
function materialBinding(vault: Vault, version: KeyVersion): string {
  return `${vault.id}/${version.name.toLowerCase()}/${version.version.toLowerCase()}`;
}
