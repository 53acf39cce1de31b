import type { Clock } from "./domain/clock.js";
import type { TokenAuthority } from "./http/auth.js";
import { auditObserver } from "./http/audit-record.js";
import type { RequestObserver } from "./http/pipeline.js";
import type { KeyChanges } from "./service/key-changes.js";
import type { SqliteKeyStore } from "./store/sqlite-store.js";
import { AuditLog, type AuditLogOptions } from "./audit/audit-log.js";
import { AuditStore } from "./audit/audit-store.js";
import { IdentityReader } from "./audit/identity.js";
import { NOTIFICATION_OPERATIONS } from "../shared/audit-operations.js";
import { Deliverer, type DeliveryOptions } from "./events/delivery.js";
import { KEY_EVENT_TYPES } from "./events/event-grid.js";
import { EventHub } from "./events/event-hub.js";
import { EventStore } from "./events/event-store.js";
import { KeyEvents } from "./events/key-events.js";

// Issue 11's parts of an emulator, wired in one place: the audit log, key events and their webhook
// delivery. createEmulator (index.ts) builds this once: the audit log observes the request pipeline,
// key events listen to key changes and take part in the vault's tick (lifetime.ts); everything else
// lives in audit/ and events/.

export interface MonitoringOptions {
  audit?: AuditLogOptions;
  delivery?: DeliveryOptions;
  /** Raised events kept (default 10,000; events with a delivery still pending are kept too). */
  eventRetention?: number;
}

export interface Monitoring {
  audit: AuditLog;
  events: EventHub;
  keyEvents: KeyEvents;
  /** The pipeline's audit step. */
  observer: RequestObserver;
  /** Writes what is buffered, stops timers, lets deliveries in flight finish (5 s at most), then calls closeStore. */
  close(closeStore: () => void): void;
}

/** How long close() lets webhook posts in flight finish before aborting them (they are retried later). */
const CLOSE_GRACE_MS = 5_000;

export function createMonitoring(deps: {
  store: SqliteKeyStore;
  changes: KeyChanges;
  tokens: TokenAuthority;
  clock: Clock;
  options?: MonitoringOptions;
}): Monitoring {
  const { store, clock } = deps;
  const db = store.connection();
  const write = <T>(fn: () => T): T => store.write(fn);
  const audit = new AuditLog(new AuditStore(db), write, deps.options?.audit);
  const eventStore = new EventStore(db);
  const deliverer = new Deliverer(eventStore, write, deps.options?.delivery);
  const keyEvents = new KeyEvents({
    store,
    events: eventStore,
    clock,
    kick: () => deliverer.kick(),
    ...(deps.options?.eventRetention !== undefined ? { retention: deps.options.eventRetention } : {}),
    // Key Vault logs its own publications, with or without a subscriber.
    published: (n) =>
      audit.record({
        time: n.timeMs,
        vaultName: n.vault.name,
        vaultKind: n.vault.kind,
        operation: n.type === KEY_EVENT_TYPES.nearExpiry ? NOTIFICATION_OPERATIONS.nearExpiry : NOTIFICATION_OPERATIONS.expired,
        apiVersion: null,
        keyName: n.key.name,
        keyVersion: n.key.version,
        objectId: n.key.id,
        status: 200,
        description: null,
        durationMs: 0,
        callerIp: null,
        correlationId: null,
        clientInfo: null,
        requestUri: null,
        identity: null,
        token: null,
        fault: null,
      }),
  });
  // After rotation's listener (it was added first): a change rotation refuses never raises an event.
  deps.changes.listen((change) => {
    try {
      keyEvents.keyChanged(change.vault, change.name, change.now, change.what === "versions");
    } catch {
      // An event that cannot be raised must not undo the key change it is about.
    }
  });
  const events = new EventHub(eventStore, keyEvents, deliverer, write);
  return {
    audit,
    events,
    keyEvents,
    observer: auditObserver(audit, new IdentityReader((token) => deps.tokens.verify(token)), clock),
    close(closeStore) {
      events.stopBackground();
      audit.close();
      const draining = deliverer.drain(CLOSE_GRACE_MS);
      if (!draining) return closeStore();
      void draining.finally(closeStore);
    },
  };
}
