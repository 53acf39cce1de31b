import type Database from "better-sqlite3";

// The emulated HSM platform's signing keys (table `signing_keys`, migration 2): the attestation
// authority and the key-release signer, sealed, with their certificate chains.

export interface SigningKeyRow {
  /** Sealed PKCS#8 PEM of the private key. */
  material: Buffer;
  /** PEM certificates, leaf first. */
  chain: string;
}

export class PlatformKeyStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      getSigningKey: db.prepare("SELECT material, chain FROM signing_keys WHERE name = ?"),
      insertSigningKey: db.prepare("INSERT OR IGNORE INTO signing_keys (name, material, chain) VALUES (?, ?, ?)"),
    };
  }

  getSigningKey(name: string): SigningKeyRow | undefined {
    return this.stmts.getSigningKey.get(name) as SigningKeyRow | undefined;
  }

  /** First writer wins: two processes creating the same key at once keep one. */
  insertSigningKey(name: string, row: SigningKeyRow): void {
    this.stmts.insertSigningKey.run(name, row.material, row.chain);
  }
}
