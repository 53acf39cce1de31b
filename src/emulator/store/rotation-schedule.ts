import type Database from "better-sqlite3";

// The key-lifetime part of the store (issue 6; tables of migration 2): the clock shift, the next rotation
// due time of each key, and the emulated HSM platform's signing keys. Its statements run on the key
// store's connection, so inside KeyStore.write()/read() they join that transaction.

export interface SigningKeyRow {
  /** Sealed PKCS#8 PEM of the private key. */
  material: Buffer;
  /** PEM certificates, leaf first. */
  chain: string;
}

export class LifetimeStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      clockOffset: db.prepare("SELECT offset_ms FROM clock WHERE id = 1").pluck(),
      setClockOffset: db.prepare("UPDATE clock SET offset_ms = ? WHERE id = 1"),
      addClockOffset: db.prepare("UPDATE clock SET offset_ms = offset_ms + ? WHERE id = 1 RETURNING offset_ms").pluck(),
      setNextRotation: db.prepare("UPDATE keys SET next_rotation = ? WHERE vault_id = ? AND name = ?"),
      nextRotation: db.prepare("SELECT next_rotation FROM keys WHERE vault_id = ? AND name = ?").pluck(),
      rotationDue: db.prepare(
        `SELECT name FROM keys WHERE vault_id = ? AND next_rotation IS NOT NULL AND next_rotation <= ? AND deleted_date IS NULL
         ORDER BY next_rotation LIMIT ?`,
      ).pluck(),
      allRotationDue: db.prepare(
        `SELECT vault_id AS vaultId, name FROM keys WHERE next_rotation IS NOT NULL AND next_rotation <= ? AND deleted_date IS NULL
         ORDER BY next_rotation LIMIT ?`,
      ),
      getSigningKey: db.prepare("SELECT material, chain FROM signing_keys WHERE name = ?"),
      insertSigningKey: db.prepare("INSERT OR IGNORE INTO signing_keys (name, material, chain) VALUES (?, ?, ?)"),
    };
  }

  /** One prepared single-row read: cheap enough for every clock reading. */
  clockOffsetMs(): number {
    return (this.stmts.clockOffset.get() as number | undefined) ?? 0;
  }

  setClockOffsetMs(offsetMs: number): void {
    this.stmts.setClockOffset.run(Math.trunc(offsetMs));
  }

  /** Adds to the shift in one statement (two processes shifting at once both count); returns the new shift. */
  addClockOffsetMs(deltaMs: number): number {
    return this.stmts.addClockOffset.get(Math.trunc(deltaMs)) as number;
  }

  setNextRotation(vaultId: string, name: string, due: number | undefined): void {
    this.stmts.setNextRotation.run(due ?? null, vaultId, name);
  }

  nextRotation(vaultId: string, name: string): number | undefined {
    return (this.stmts.nextRotation.get(vaultId, name) as number | null | undefined) ?? undefined;
  }

  /** Active keys of a vault whose Rotate trigger is due at `now` (one read of the partial index). */
  rotationDue(vaultId: string, now: number, limit: number): string[] {
    return this.stmts.rotationDue.all(vaultId, now, limit) as string[];
  }

  allRotationDue(now: number, limit: number): Array<{ vaultId: string; name: string }> {
    return this.stmts.allRotationDue.all(now, limit) as Array<{ vaultId: string; name: string }>;
  }

  getSigningKey(name: string): SigningKeyRow | undefined {
    return this.stmts.getSigningKey.get(name) as SigningKeyRow | undefined;
  }

  /** First writer wins: two processes creating the same key at once keep one. */
  insertSigningKey(name: string, row: SigningKeyRow): void {
    this.stmts.insertSigningKey.run(name, row.material, row.chain);
  }
}
