import type Database from "better-sqlite3";

// How much of each service-limit budget a vault has used (table throttle_usage, migration 4), in 100 ms
// buckets of the emulator clock: a 10-second window is at most 100 rows per budget, and every process on
// the data directory (cluster workers) counts against the same rows. Statements run on the key store's
// connection: the caller runs charge() inside KeyStore.write(), one write per counted request, and only
// when throttling is on.

const BUCKET_MS = 100;

export class ThrottleStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      expire: db.prepare("DELETE FROM throttle_usage WHERE vault_id = ? AND budget = ? AND bucket_ms <= ?"),
      usage: db.prepare("SELECT bucket_ms AS bucketMs, cost FROM throttle_usage WHERE vault_id = ? AND budget = ? ORDER BY bucket_ms"),
      add: db.prepare(
        `INSERT INTO throttle_usage (vault_id, budget, bucket_ms, cost) VALUES (?, ?, ?, ?)
         ON CONFLICT (vault_id, budget, bucket_ms) DO UPDATE SET cost = cost + excluded.cost`,
      ),
    };
  }

  /**
   * Counts `cost` against the budget if the window (the last `windowMs`) has room for it; otherwise counts
   * nothing and returns how long (ms) until enough of the window's usage has aged out.
   */
  charge(vaultId: string, budget: string, cost: number, units: number, nowMs: number, windowMs: number): { ok: true } | { ok: false; retryAfterMs: number } {
    this.stmts.expire.run(vaultId, budget, nowMs - windowMs);
    const rows = this.stmts.usage.all(vaultId, budget) as Array<{ bucketMs: number; cost: number }>;
    let used = 0;
    for (const row of rows) used += row.cost;
    if (used + cost <= units) {
      this.stmts.add.run(vaultId, budget, Math.floor(nowMs / BUCKET_MS) * BUCKET_MS, cost);
      return { ok: true as const };
    }
    // The oldest buckets leave the window first: when enough have, the request fits.
    for (const row of rows) {
      used -= row.cost;
      if (used + cost <= units) return { ok: false as const, retryAfterMs: row.bucketMs + windowMs - nowMs };
    }
    return { ok: false as const, retryAfterMs: windowMs };
  }
}
