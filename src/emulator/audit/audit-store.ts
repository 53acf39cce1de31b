import type Database from "better-sqlite3";
import type { VaultKind } from "../domain/vault.js";

// The audit log's table (migration 3): one row per data-plane request, written in batches by
// audit-log.ts. Rows hold what was asked and how it ended, never a request or response body.

/** How the caller's token was judged: checked against this emulator's signing key, only read, or absent. */
export type TokenState = "verified" | "unverified" | null;

export interface AuditRow {
  /** Insertion order (rowid): what `--follow` resumes from. */
  id?: number;
  /** Emulator clock, milliseconds. */
  time: number;
  vaultName: string | null;
  vaultKind: VaultKind | null;
  operation: string;
  apiVersion: string | null;
  keyName: string | null;
  keyVersion: string | null;
  /** The object the request addressed: a key id, a deleted key's recovery id. */
  objectId: string | null;
  status: number;
  /** The error message of a failed request. */
  description: string | null;
  durationMs: number;
  callerIp: string | null;
  correlationId: string | null;
  clientInfo: string | null;
  requestUri: string | null;
  /** JSON object of identifying claims (oid, sub, tid, appid, upn, ...); null without a token. */
  identity: string | null;
  token: TokenState;
  /** The emulator's fault rule that hit the request and what it did (`kvkey emulator fault`); null otherwise. */
  fault: string | null;
}

export interface AuditQuery {
  /** Key name, case-insensitive. */
  key?: string;
  /** operationName values, case-insensitive. */
  operations?: readonly string[];
  /** Records at or after this emulator time (ms). */
  since?: number;
  /** Failed requests (status 400 and up, and dropped connections). */
  failed?: boolean;
  /** Only requests a fault rule hit. */
  faults?: boolean;
  /**
   * false: leave out the 401 challenge every SDK client gets before it sends a token (a request without
   * an Authorization header). Included unless false.
   */
  challenges?: boolean;
  vault?: { name: string; kind: VaultKind };
  /** Records after this id (exclusive): for following the log. */
  afterId?: number;
  /** Records up to this id (inclusive). */
  upToId?: number;
  /** Only the last N matching records (still returned oldest first). */
  last?: number;
}

interface DbRow {
  id: number;
  time: number;
  vault_name: string | null;
  vault_kind: VaultKind | null;
  operation: string;
  api_version: string | null;
  key_name: string | null;
  key_version: string | null;
  object_id: string | null;
  status: number;
  description: string | null;
  duration_ms: number;
  caller_ip: string | null;
  correlation_id: string | null;
  client_info: string | null;
  request_uri: string | null;
  identity: string | null;
  token: TokenState;
  fault: string | null;
}

export class AuditStore {
  private readonly insertStmt: Database.Statement;
  private readonly pruneStmt: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO audit_log (time, vault_name, vault_kind, operation, api_version, key_name, key_version, object_id, status,
         description, duration_ms, caller_ip, correlation_id, client_info, request_uri, identity, token, fault)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // Retention: the newest `keep` rows stay (ids only grow, so this is one range delete on the primary key).
    this.pruneStmt = db.prepare("DELETE FROM audit_log WHERE id <= (SELECT MAX(id) FROM audit_log) - ?");
  }

  /** Positional parameters: binding by name costs more than the insert itself, on every request. */
  insert(r: AuditRow): void {
    this.insertStmt.run(
      r.time, r.vaultName, r.vaultKind, r.operation, r.apiVersion, r.keyName, r.keyVersion, r.objectId, r.status,
      r.description, Math.round(r.durationMs), r.callerIp, r.correlationId, r.clientInfo, r.requestUri, r.identity, r.token, r.fault,
    );
  }

  prune(keep: number): number {
    return this.pruneStmt.run(keep).changes;
  }

  query(q: AuditQuery): AuditRow[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (q.key !== undefined) {
      where.push("key_name = @key");
      params.key = q.key;
    }
    if (q.operations && q.operations.length > 0) {
      where.push(`operation COLLATE NOCASE IN (${q.operations.map((_, i) => `@op${i}`).join(", ")})`);
      q.operations.forEach((op, i) => (params[`op${i}`] = op));
    }
    if (q.since !== undefined) {
      where.push("time >= @since");
      params.since = q.since;
    }
    if (q.failed) where.push("(status >= 400 OR status = 0)");
    if (q.faults) where.push("fault IS NOT NULL");
    if (q.challenges === false) where.push("NOT (status = 401 AND token IS NULL)");
    if (q.vault) {
      where.push("vault_name = @vaultName AND vault_kind = @vaultKind");
      params.vaultName = q.vault.name.toLowerCase();
      params.vaultKind = q.vault.kind;
    }
    if (q.afterId !== undefined) {
      where.push("id > @afterId");
      params.afterId = q.afterId;
    }
    if (q.upToId !== undefined) {
      where.push("id <= @upToId");
      params.upToId = q.upToId;
    }
    const filter = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    let sql = `SELECT * FROM audit_log ${filter} ORDER BY id`;
    if (q.last !== undefined) {
      sql = `SELECT * FROM (SELECT * FROM audit_log ${filter} ORDER BY id DESC LIMIT @last) ORDER BY id`;
      params.last = q.last;
    }
    return (this.db.prepare(sql).all(params) as DbRow[]).map(fromDb);
  }
}

function fromDb(r: DbRow): AuditRow {
  return {
    id: r.id,
    time: r.time,
    vaultName: r.vault_name,
    vaultKind: r.vault_kind,
    operation: r.operation,
    apiVersion: r.api_version,
    keyName: r.key_name,
    keyVersion: r.key_version,
    objectId: r.object_id,
    status: r.status,
    description: r.description,
    durationMs: r.duration_ms,
    callerIp: r.caller_ip,
    correlationId: r.correlation_id,
    clientInfo: r.client_info,
    requestUri: r.request_uri,
    identity: r.identity,
    token: r.token,
    fault: r.fault,
  };
}
