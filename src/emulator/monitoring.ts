import type { Clock } from "./domain/clock.js";
import type { TokenAuthority } from "./http/auth.js";
import type { WireRequest, WireResponse } from "./http/wire.js";
import type { KeyService, VaultTarget } from "./service/key-service.js";
import type { SqliteKeyStore } from "./store/sqlite-store.js";
import { AuditLog, type AuditLogOptions } from "./audit/audit-log.js";
import { AuditStore } from "./audit/audit-store.js";
import { IdentityReader } from "./audit/identity.js";
import { NOTIFICATION_OPERATIONS } from "./audit/operations.js";
import { RequestMonitor } from "./audit/request-monitor.js";
import { Deliverer, type DeliveryOptions } from "./events/delivery.js";
import { KEY_EVENT_TYPES } from "./events/event-grid.js";
import { EventHub } from "./events/event-hub.js";
import { EventStore } from "./events/event-store.js";
import { KeyEvents } from "./events/key-events.js";

// Issue 11's parts of an emulator, wired in one place: the audit log, key events and their webhook
// delivery. createEmulator (index.ts) builds this once and routes requests, clock shifts and close()
// through it; everything else lives in audit/ and events/.

export interface MonitoringOptions {
  audit?: AuditLogOptions;
  delivery?: DeliveryOptions;
  /** Raised events kept (default 10,000; events with a delivery still pending are kept too). */
  eventRetention?: number;
}

export interface Monitoring {
  audit: AuditLog;
  events: EventHub;
  handle(request: WireRequest, inner: (request: WireRequest) => Promise<WireResponse>): Promise<WireResponse>;
  /** The emulator clock moved (time shift): raise what fell due, deliver it. */
  clockMoved(): void;
  /** Writes what is buffered, stops timers, lets deliveries in flight finish (5 s at most), then calls closeStore. */
  close(closeStore: () => void): void;
}

/** How long close() lets webhook posts in flight finish before aborting them (they are retried later). */
const CLOSE_GRACE_MS = 5_000;

export function createMonitoring(deps: {
  store: SqliteKeyStore;
  service: KeyService;
  tokens: TokenAuthority;
  clock: Clock;
  defaultVault?: VaultTarget;
  identityEndpoint: boolean;
  options?: MonitoringOptions;
}): Monitoring {
  const { store, service, clock } = deps;
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
      }),
  });
  // KeyService has one hook for "versions changed" (inside its transactions); rotation (issue 6) holds it
  // already, so events chain after it. Whoever adds a third listener: chain the same way.
  const before = service.versionsChanged;
  service.versionsChanged = (vault, name, now) => {
    before?.(vault, name, now);
    try {
      keyEvents.versionsChanged(vault, name, now);
    } catch {
      // An event that cannot be raised must not undo the key change it is about.
    }
  };
  const monitor = new RequestMonitor({
    audit,
    identities: new IdentityReader((token) => deps.tokens.verify(token)),
    clock,
    identityEndpoint: deps.identityEndpoint,
    ...(deps.defaultVault ? { defaultVault: deps.defaultVault } : {}),
    touched: (target, route, status, nowMs) => {
      if (status < 400 && route && "name" in route && (route.op === "updateRotationPolicy" || route.op === "recoverDeletedKey")) {
        keyEvents.keyChanged(target, route.name);
      }
      keyEvents.vaultTouched(target, nowMs);
    },
  });
  const events = new EventHub(eventStore, keyEvents, deliverer, write);
  return {
    audit,
    events,
    handle: (request, inner) => monitor.handle(request, inner),
    clockMoved() {
      try {
        keyEvents.raiseAllDue();
      } catch {
        // the next request or tick raises them
      }
    },
    close(closeStore) {
      events.stopBackground();
      audit.close();
      const draining = deliverer.drain(CLOSE_GRACE_MS);
      if (!draining) return closeStore();
      void draining.finally(closeStore);
    },
  };
}
