import { armResourceId } from "../domain/azure-resource.js";
import type { AuditQuery, AuditRow, AuditStore } from "./audit-store.js";

// The audit log: every data-plane request the emulator answers, as Key Vault's AuditEvent resource log
// records it (learn.microsoft.com/azure/key-vault/general/logging: time, resourceId, operationName,
// operationVersion, category, resultType, resultSignature, resultDescription, durationMs,
// callerIpAddress, correlationId, identity, properties{id, clientInfo, requestUri, httpStatusCode}).
//
// Writing stays off the request's path: a request's record goes into a buffer after its response is
// computed, and the buffer is written in one transaction 25 ms later (or at 256 records, or on close), so
// a burst of requests costs one commit, not one each. A failed write drops that batch and never reaches
// a request. Retention: the newest `retention` records (default 100,000) are kept.

export interface AuditLogOptions {
  /** Records kept; older ones are deleted as new ones arrive. */
  retention?: number;
  /** How long a record may wait in memory before it is written. */
  flushDelayMs?: number;
}

/** One record in Azure's AuditEvent field names (what `kvkey emulator logs -o json` prints). */
export interface AuditEvent {
  time: string;
  resourceId: string;
  operationName: string;
  operationVersion: string;
  category: "AuditEvent";
  resultType: "Success" | "Failure";
  resultSignature: string;
  resultDescription?: string;
  durationMs: string;
  callerIpAddress?: string;
  correlationId?: string;
  identity: { claim?: Record<string, string>; tokenVerified?: boolean };
  properties: {
    id?: string;
    clientInfo?: string;
    requestUri?: string;
    httpStatusCode: number;
    /** The emulator's own: the fault rule that hit the request and what it did (`kvkey emulator fault`). */
    injectedFault?: string;
  };
}

export const DEFAULT_AUDIT_RETENTION = 100_000;
const MAX_BUFFERED = 256;
/** A caller that never yields to the event loop (a tight loop of in-process calls) still gets its records written. */
const HARD_CAP = 4_096;
const PRUNE_EVERY = 1_000;

export class AuditLog {
  private buffer: AuditRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate = false;
  private sincePrune = 0;
  private closed = false;
  private readonly retention: number;
  private readonly flushDelayMs: number;

  constructor(
    private readonly store: AuditStore,
    private readonly write: <T>(fn: () => T) => T,
    options: AuditLogOptions = {},
  ) {
    this.retention = options.retention ?? DEFAULT_AUDIT_RETENTION;
    this.flushDelayMs = options.flushDelayMs ?? 25;
  }

  /**
   * Queues a record; never throws. Writes later, off the request's path, except when HARD_CAP records have
   * piled up (then at once; inside another transaction that becomes a savepoint of it).
   */
  record(row: AuditRow): void {
    if (this.closed) return;
    this.buffer.push(row);
    if (this.buffer.length >= HARD_CAP) {
      this.flush();
    } else if (this.buffer.length >= MAX_BUFFERED) {
      if (!this.immediate) {
        this.immediate = true;
        setImmediate(() => {
          this.immediate = false;
          this.flush();
        });
      }
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushDelayMs);
      this.timer.unref();
    }
  }

  /** Writes what is buffered, in one transaction. Never throws: a batch that cannot be written is dropped. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      this.write(() => {
        for (const row of batch) this.store.insert(row);
        this.sincePrune += batch.length;
        if (this.sincePrune >= Math.min(PRUNE_EVERY, this.retention)) {
          this.sincePrune = 0;
          this.store.prune(this.retention);
        }
      });
    } catch {
      // The log must never take a request down with it.
    }
  }

  rows(query: AuditQuery = {}): AuditRow[] {
    this.flush();
    return this.store.query(query);
  }

  /** Records in Azure's AuditEvent shape, oldest first. */
  query(query: AuditQuery = {}): AuditEvent[] {
    return this.rows(query).map(toAuditEvent);
  }

  /** One stored row in the AuditEvent shape. */
  toEvent(row: AuditRow): AuditEvent {
    return toAuditEvent(row);
  }

  close(): void {
    this.flush();
    this.closed = true;
  }
}

export function toAuditEvent(row: AuditRow): AuditEvent {
  const event: AuditEvent = {
    time: new Date(row.time).toISOString(),
    resourceId: row.vaultName && row.vaultKind ? armResourceId({ name: row.vaultName, kind: row.vaultKind }).toUpperCase() : "",
    operationName: row.operation,
    operationVersion: row.apiVersion ?? "",
    category: "AuditEvent",
    // Recorded AuditEvent records say "Success" for every request the service answered, 4xx included
    // (resultSignature and httpStatusCode tell how); only the emulator's own faults are "Failure".
    resultType: row.status >= 500 || row.status === 0 ? "Failure" : "Success",
    resultSignature: reasonPhrase(row.status),
    durationMs: String(Math.round(row.durationMs)),
    identity: {},
    properties: { httpStatusCode: row.status },
  };
  if (row.description) event.resultDescription = row.description;
  if (row.callerIp) event.callerIpAddress = row.callerIp;
  if (row.correlationId) event.correlationId = row.correlationId;
  if (row.identity !== null) {
    try {
      event.identity = { claim: JSON.parse(row.identity) as Record<string, string>, tokenVerified: row.token === "verified" };
    } catch {
      event.identity = { tokenVerified: false };
    }
  }
  // In the order recorded records have them: id, clientInfo, httpStatusCode, requestUri.
  event.properties = {
    ...(row.objectId ? { id: row.objectId } : {}),
    ...(row.clientInfo ? { clientInfo: row.clientInfo } : {}),
    httpStatusCode: row.status,
    ...(row.requestUri ? { requestUri: row.requestUri } : {}),
    ...(row.fault ? { injectedFault: row.fault } : {}),
  };
  return event;
}

// `resultSignature` is the HTTP reason phrase ("OK", "Bad Request", "Not Found", "Forbidden" in recorded
// AuditEvent records); 413 uses .NET's phrase, the service being .NET.
const REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Request Entity Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  // An injected fault that closed the connection without a response (no HTTP status at all).
  0: "Connection Dropped",
};

function reasonPhrase(status: number): string {
  return REASONS[status] ?? String(status);
}
