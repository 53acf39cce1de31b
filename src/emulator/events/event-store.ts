import type Database from "better-sqlite3";
import type { EventGridEvent, KeyEventType } from "./event-grid.js";

// The events part of the store (migration 3): raised events, webhook subscriptions, and the outbox of
// deliveries (one row per event and subscription). Statements run on the key store's connection, so
// inside KeyStore.write() they join that transaction: an event is raised in the same transaction as the
// key version it is about, and its deliveries with it.

export type DeliveryState = "pending" | "delivered" | "failed";

export interface SubscriptionRow {
  name: string;
  endpoint: string;
  /** Full event type names; undefined = every key event. */
  eventTypes?: KeyEventType[];
  /** `{name}.vault`: only this vault's events; undefined = every vault of the data directory. */
  vaultId?: string;
  /** Wall clock, ms. */
  created: number;
}

export interface SubscriptionStats extends SubscriptionRow {
  pending: number;
  delivered: number;
  failed: number;
  lastError?: string;
}

export interface StoredEvent {
  seq: number;
  event: EventGridEvent;
}

export interface EventQuery {
  key?: string;
  types?: readonly KeyEventType[];
  /** Emulator time (ms): events raised at or after it. */
  since?: number;
  vaultId?: string;
  afterSeq?: number;
  last?: number;
}

/** A delivery this process has claimed (leased) and will attempt now. */
export interface ClaimedDelivery {
  eventSeq: number;
  subscription: string;
  endpoint: string;
  eventId: string;
  attempts: number;
  /** Wall clock ms when the delivery was queued (the event's time to live counts from it). */
  created: number;
  body: string;
}

export class EventStore {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      insertEvent: db.prepare(
        `INSERT OR IGNORE INTO events (id, once_key, event_type, vault_id, key_name, key_version, event_time, body)
         VALUES (@id, @onceKey, @type, @vaultId, @keyName, @keyVersion, @eventTime, @body)`,
      ),
      raised: db.prepare("SELECT 1 FROM events WHERE once_key = ?").pluck(),
      subscriptions: db.prepare("SELECT name, endpoint, event_types, vault_id, created FROM event_subscriptions ORDER BY name"),
      subscription: db.prepare("SELECT name, endpoint, event_types, vault_id, created FROM event_subscriptions WHERE name = ?"),
      insertSubscription: db.prepare(
        "INSERT INTO event_subscriptions (name, endpoint, event_types, vault_id, created) VALUES (@name, @endpoint, @eventTypes, @vaultId, @created)",
      ),
      deleteSubscription: db.prepare("DELETE FROM event_subscriptions WHERE name = ?"),
      deleteSubscriptionsByEndpoint: db.prepare("DELETE FROM event_subscriptions WHERE endpoint = ? RETURNING name").pluck(),
      stats: db.prepare(
        `SELECT subscription, state, COUNT(*) AS n FROM event_deliveries GROUP BY subscription, state`,
      ),
      lastError: db.prepare(
        `SELECT last_error FROM event_deliveries WHERE subscription = ? AND last_error IS NOT NULL ORDER BY updated DESC, event_seq DESC LIMIT 1`,
      ).pluck(),
      insertDelivery: db.prepare(
        `INSERT OR IGNORE INTO event_deliveries (event_seq, subscription, state, attempts, next_attempt, created)
         VALUES (?, ?, 'pending', 0, ?, ?)`,
      ),
      hasDue: db.prepare("SELECT 1 FROM event_deliveries WHERE state = 'pending' AND next_attempt <= ? LIMIT 1").pluck(),
      claim: db.prepare(
        `UPDATE event_deliveries SET lease_until = @leaseUntil
         WHERE rowid IN (SELECT rowid FROM event_deliveries
                         WHERE state = 'pending' AND next_attempt <= @now AND (lease_until IS NULL OR lease_until <= @now)
                         ORDER BY next_attempt LIMIT @limit)
         RETURNING event_seq AS eventSeq, subscription, attempts, created`,
      ),
      deliveryTarget: db.prepare(
        `SELECT s.endpoint, e.id AS eventId, e.body FROM event_deliveries d JOIN event_subscriptions s ON s.name = d.subscription
           JOIN events e ON e.seq = d.event_seq WHERE d.event_seq = ? AND d.subscription = ?`,
      ),
      finish: db.prepare(
        `UPDATE event_deliveries SET state = @state, attempts = attempts + 1, lease_until = NULL, last_error = @error, done_at = @at, updated = @at
         WHERE event_seq = @seq AND subscription = @subscription`,
      ),
      retry: db.prepare(
        `UPDATE event_deliveries SET attempts = attempts + 1, next_attempt = @next, lease_until = NULL, last_error = @error, updated = @at
         WHERE event_seq = @seq AND subscription = @subscription`,
      ),
      setNextKeyEvent: db.prepare("UPDATE keys SET next_key_event = ? WHERE vault_id = ? AND name = ?"),
      dueKeys: db.prepare(
        "SELECT name FROM keys WHERE vault_id = ? AND next_key_event IS NOT NULL AND next_key_event <= ? ORDER BY next_key_event LIMIT ?",
      ).pluck(),
      allDueKeys: db.prepare(
        "SELECT vault_id AS vaultId, name FROM keys WHERE next_key_event IS NOT NULL AND next_key_event <= ? ORDER BY next_key_event LIMIT ?",
      ),
      prune: db.prepare(
        `DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?
           AND NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.event_seq = events.seq AND d.state = 'pending')`,
      ),
    };
  }

  /** Inserts the event unless one with the same once-key was raised before; its seq, or undefined. */
  insertEvent(event: EventGridEvent, onceKey: string, vaultId: string, eventTimeMs: number): number | undefined {
    const info = this.s.insertEvent.run({
      id: event.id,
      onceKey,
      type: event.eventType,
      vaultId,
      keyName: event.data.ObjectName,
      keyVersion: event.data.Version,
      eventTime: eventTimeMs,
      body: JSON.stringify(event),
    });
    return info.changes === 1 ? Number(info.lastInsertRowid) : undefined;
  }

  raised(onceKey: string): boolean {
    return this.s.raised.get(onceKey) !== undefined;
  }

  listEvents(q: EventQuery): StoredEvent[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (q.key !== undefined) {
      where.push("key_name = @key");
      params.key = q.key;
    }
    if (q.types && q.types.length > 0) {
      where.push(`event_type IN (${q.types.map((_, i) => `@t${i}`).join(", ")})`);
      q.types.forEach((t, i) => (params[`t${i}`] = t));
    }
    if (q.since !== undefined) {
      where.push("event_time >= @since");
      params.since = q.since;
    }
    if (q.vaultId !== undefined) {
      where.push("vault_id = @vaultId");
      params.vaultId = q.vaultId;
    }
    if (q.afterSeq !== undefined) {
      where.push("seq > @afterSeq");
      params.afterSeq = q.afterSeq;
    }
    const filter = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    let sql = `SELECT seq, body FROM events ${filter} ORDER BY seq`;
    if (q.last !== undefined) {
      sql = `SELECT * FROM (SELECT seq, body FROM events ${filter} ORDER BY seq DESC LIMIT @last) ORDER BY seq`;
      params.last = q.last;
    }
    return (this.db.prepare(sql).all(params) as Array<{ seq: number; body: string }>).map((r) => ({
      seq: r.seq,
      event: JSON.parse(r.body) as EventGridEvent,
    }));
  }

  // ---- subscriptions ------------------------------------------------------------------------------

  subscriptions(): SubscriptionRow[] {
    return (this.s.subscriptions.all() as SubscriptionDbRow[]).map(subscriptionFromDb);
  }

  subscription(name: string): SubscriptionRow | undefined {
    const row = this.s.subscription.get(name) as SubscriptionDbRow | undefined;
    return row && subscriptionFromDb(row);
  }

  insertSubscription(row: SubscriptionRow): void {
    this.s.insertSubscription.run({
      name: row.name,
      endpoint: row.endpoint,
      eventTypes: row.eventTypes ? JSON.stringify(row.eventTypes) : null,
      vaultId: row.vaultId ?? null,
      created: row.created,
    });
  }

  /** Removes the subscription and its deliveries (pending ones are dropped). */
  deleteSubscription(name: string): boolean {
    return this.s.deleteSubscription.run(name).changes === 1;
  }

  deleteSubscriptionsByEndpoint(endpoint: string): string[] {
    return this.s.deleteSubscriptionsByEndpoint.all(endpoint) as string[];
  }

  subscriptionStats(): SubscriptionStats[] {
    const counts = new Map<string, Record<DeliveryState, number>>();
    for (const row of this.s.stats.all() as Array<{ subscription: string; state: DeliveryState; n: number }>) {
      const key = row.subscription.toLowerCase();
      const entry = counts.get(key) ?? { pending: 0, delivered: 0, failed: 0 };
      entry[row.state] = row.n;
      counts.set(key, entry);
    }
    return this.subscriptions().map((s) => {
      const stats: SubscriptionStats = { ...s, ...(counts.get(s.name.toLowerCase()) ?? { pending: 0, delivered: 0, failed: 0 }) };
      const lastError = this.s.lastError.get(s.name) as string | undefined;
      if (lastError) stats.lastError = lastError;
      return stats;
    });
  }

  // ---- the outbox ---------------------------------------------------------------------------------

  insertDelivery(eventSeq: number, subscription: string, nowMs: number): void {
    this.s.insertDelivery.run(eventSeq, subscription, nowMs, nowMs);
  }

  hasDueDeliveries(nowMs: number): boolean {
    return this.s.hasDue.get(nowMs) !== undefined;
  }

  /** Leases up to `limit` due deliveries to this process until `leaseUntil` (run inside a write transaction). */
  claim(nowMs: number, leaseUntil: number, limit: number): ClaimedDelivery[] {
    const rows = this.s.claim.all({ now: nowMs, leaseUntil, limit }) as Array<Omit<ClaimedDelivery, "endpoint" | "eventId" | "body">>;
    const out: ClaimedDelivery[] = [];
    for (const row of rows) {
      const target = this.s.deliveryTarget.get(row.eventSeq, row.subscription) as { endpoint: string; eventId: string; body: string } | undefined;
      if (target) out.push({ ...row, ...target });
    }
    return out;
  }

  finishDelivery(seq: number, subscription: string, state: "delivered" | "failed", atMs: number, error?: string): void {
    this.s.finish.run({ seq, subscription, state, at: atMs, error: error ?? null });
  }

  retryDelivery(seq: number, subscription: string, nextMs: number, atMs: number, error: string): void {
    this.s.retry.run({ seq, subscription, next: nextMs, at: atMs, error });
  }

  // ---- when a key's near-expiry or expiry next falls due ------------------------------------------------

  setNextKeyEvent(vaultId: string, name: string, due: number | undefined): void {
    this.s.setNextKeyEvent.run(due ?? null, vaultId, name);
  }

  dueKeys(vaultId: string, nowSeconds: number, limit: number): string[] {
    return this.s.dueKeys.all(vaultId, nowSeconds, limit) as string[];
  }

  allDueKeys(nowSeconds: number, limit: number): Array<{ vaultId: string; name: string }> {
    return this.s.allDueKeys.all(nowSeconds, limit) as Array<{ vaultId: string; name: string }>;
  }

  /** Keeps the newest `keep` events (and any with a delivery still pending). */
  prune(keep: number): number {
    return this.s.prune.run(keep).changes;
  }
}

interface SubscriptionDbRow {
  name: string;
  endpoint: string;
  event_types: string | null;
  vault_id: string | null;
  created: number;
}

function subscriptionFromDb(row: SubscriptionDbRow): SubscriptionRow {
  const out: SubscriptionRow = { name: row.name, endpoint: row.endpoint, created: row.created };
  if (row.event_types !== null) out.eventTypes = JSON.parse(row.event_types) as KeyEventType[];
  if (row.vault_id !== null) out.vaultId = row.vault_id;
  return out;
}
