import type Database from "better-sqlite3";

// The fault rules of a data directory (tables fault_rules and fault_settings, migration 5): the rules in
// order (their written form), how many requests each has hit, the seed of the draws behind `rate` and how
// many draws were taken. A version number moves with every change, so a serving process rereads the rules
// only when they changed (one single-row read per request). Statements run on the key store's connection.

export interface StoredFaultRule {
  position: number;
  spec: string;
  injected: number;
}

export class FaultStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      version: db.prepare("SELECT version FROM fault_settings WHERE id = 1").pluck(),
      settings: db.prepare("SELECT version, seed, draws FROM fault_settings WHERE id = 1"),
      rules: db.prepare("SELECT position, spec, injected FROM fault_rules ORDER BY position"),
      clear: db.prepare("DELETE FROM fault_rules"),
      insert: db.prepare("INSERT INTO fault_rules (position, spec, injected) VALUES (?, ?, 0)"),
      bump: db.prepare("UPDATE fault_settings SET version = version + 1 WHERE id = 1"),
      reseed: db.prepare("UPDATE fault_settings SET seed = ?, draws = 0 WHERE id = 1"),
      injected: db.prepare("SELECT injected FROM fault_rules WHERE position = ?").pluck(),
      hit: db.prepare("UPDATE fault_rules SET injected = injected + 1 WHERE position = ?"),
      draw: db.prepare("UPDATE fault_settings SET draws = draws + 1 WHERE id = 1 RETURNING draws - 1 AS n, seed"),
    };
  }

  /** Moves whenever the rules change; one prepared single-row read. */
  version(): number {
    return (this.stmts.version.get() as number | undefined) ?? 0;
  }

  settings(): { version: number; seed: number; draws: number } {
    return this.stmts.settings.get() as { version: number; seed: number; draws: number };
  }

  rules(): StoredFaultRule[] {
    return this.stmts.rules.all() as StoredFaultRule[];
  }

  /** Replaces the rules (their counters start again); a seed restarts the draws. */
  replace(specs: readonly string[], seed: number | undefined): void {
    this.stmts.clear.run();
    specs.forEach((spec, i) => this.stmts.insert.run(i + 1, spec));
    if (seed !== undefined) this.stmts.reseed.run(seed);
    this.stmts.bump.run();
  }

  injected(position: number): number | undefined {
    return this.stmts.injected.get(position) as number | undefined;
  }

  hit(position: number): void {
    this.stmts.hit.run(position);
  }

  /** The next draw of the seeded sequence: its index and the seed. */
  draw(): { n: number; seed: number } {
    return this.stmts.draw.get() as { n: number; seed: number };
  }
}
