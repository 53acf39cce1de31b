import type Database from "better-sqlite3";
import type { TransitionKind } from "../domain/soft-delete-timing.js";

// Soft-delete transitions in progress under the Azure timing profile (table key_transitions, migration 5):
// one row per key, until the emulator time (ms) it settles. A trigger removes a key's row when the key
// goes (purged, or its vault deleted), so a later key of the same name never inherits it. Statements run
// on the key store's connection: inside KeyStore.write()/read() they join that transaction.

export interface TransitionRow {
  name: string;
  kind: TransitionKind;
  untilMs: number;
}

export class KeyTransitionStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      get: db.prepare("SELECT name, kind, until_ms AS untilMs FROM key_transitions WHERE vault_id = ? AND name = ?"),
      set: db.prepare(
        `INSERT INTO key_transitions (vault_id, name, kind, until_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (vault_id, name) DO UPDATE SET kind = excluded.kind, until_ms = excluded.until_ms`,
      ),
      clear: db.prepare("DELETE FROM key_transitions WHERE vault_id = ? AND name = ?"),
      active: db.prepare("SELECT name, kind, until_ms AS untilMs FROM key_transitions WHERE vault_id = ? AND until_ms > ?"),
      duePurges: db.prepare("SELECT name FROM key_transitions WHERE vault_id = ? AND kind = 'purging' AND until_ms <= ?").pluck(),
      sweep: db.prepare("DELETE FROM key_transitions WHERE vault_id = ? AND kind <> 'purging' AND until_ms <= ?"),
      any: db.prepare("SELECT 1 FROM key_transitions WHERE vault_id = ? LIMIT 1").pluck(),
    };
  }

  get(vaultId: string, name: string): TransitionRow | undefined {
    return this.stmts.get.get(vaultId, name) as TransitionRow | undefined;
  }

  set(vaultId: string, name: string, kind: TransitionKind, untilMs: number): void {
    this.stmts.set.run(vaultId, name, kind, Math.trunc(untilMs));
  }

  clear(vaultId: string, name: string): void {
    this.stmts.clear.run(vaultId, name);
  }

  /** Transitions of a vault not yet settled at `nowMs`. */
  active(vaultId: string, nowMs: number): TransitionRow[] {
    return this.stmts.active.all(vaultId, nowMs) as TransitionRow[];
  }

  /** Names whose purge has come due at `nowMs` (the key is to go now). */
  duePurges(vaultId: string, nowMs: number): string[] {
    return this.stmts.duePurges.all(vaultId, nowMs) as string[];
  }

  /** Forgets settled transitions other than purges (those are carried out first). */
  sweep(vaultId: string, nowMs: number): void {
    this.stmts.sweep.run(vaultId, nowMs);
  }

  /** Whether the vault has any transition row: one indexed read that lets a quiet vault skip the rest. */
  any(vaultId: string): boolean {
    return this.stmts.any.get(vaultId) !== undefined;
  }
}
