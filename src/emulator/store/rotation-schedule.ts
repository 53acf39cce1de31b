import type Database from "better-sqlite3";

// When each key's Rotate trigger next comes due (keys.next_rotation, migration 2), so finding the keys
// due for automatic rotation is one read of a partial index. Its statements run on the key store's
// connection, so inside KeyStore.write()/read() they join that transaction.

export class RotationSchedule {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
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
    };
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
}
