import type { Clock } from "../domain/clock.js";
import type { KeyVersion } from "../domain/key.js";
import { DEFAULT_NOTIFY, parseStoredRotationPolicy } from "../domain/rotation-policy.js";
import { vaultId, type Vault, type VaultTarget } from "../domain/vault.js";
import type { KeyStore } from "../store/key-store.js";
import { durationSeconds, parseIsoDuration } from "../../shared/duration.js";
import { toUnixSeconds } from "../../shared/time.js";
import { KEY_EVENT_TYPES, keyEvent, type KeyEventType } from "./event-grid.js";
import type { EventStore, SubscriptionRow } from "./event-store.js";

// When Key Vault's key events are raised:
//
// - KeyNewVersionCreated: in the transaction that adds a version (create, import, rotate, automatic
//   rotation), as a listener of key changes (service/key-changes.ts). A restore brings back versions that
//   existed before and an update changes none, so neither raises it.
// - KeyNearExpiry and KeyExpired: for the current (latest) version of an active key that has an expiry:
//   near-expiry at exp minus the Notify action of the key's rotation policy (Key Vault's default Notify is
//   30 days before expiry, which is also what a key without a policy gets), expired at exp. Each key row
//   stores when its next one falls due (keys.next_key_event), so finding due keys is one indexed read.
//   The check runs when a request reaches the vault (the pipeline's tick, lifetime.ts; at most once per
//   emulator-clock second per vault), on the served emulator's timer, and whenever the clock is shifted;
//   everything due fires then, so one shift past both points raises both, near-expiry first. A key change
//   that makes one due (a new version already near its expiry, a new exp, a Notify policy, a recovery)
//   raises it in the change's own transaction. Each fires once per key version and expiry
//   (events.once_key is unique, so two processes cannot raise one twice); a new exp date on the version
//   (set-attributes) is a new expiry, with its own events.
//
// Managed HSM raises none of them: Event Grid's Key Vault source is the vault, and an HSM's rotation
// policy has no Notify action. Event times follow the emulator clock.

/** A service-side publication the audit log records (KeyNearExpiryEventGridNotification, ...). */
export interface PublishedNotification {
  type: KeyEventType;
  vault: Vault;
  key: { name: string; version: string; id: string };
  timeMs: number;
}

export interface KeyEventsOptions {
  store: KeyStore;
  events: EventStore;
  clock: Clock;
  /** Asks the deliverer to run (called after the raising transaction, never inside it). */
  kick: () => void;
  published?: (notification: PublishedNotification) => void;
  /** Raised events kept (newest first); older ones go unless a delivery is still pending. */
  retention?: number;
}

const DUE_BATCH = 16;
const DEFAULT_EVENT_RETENTION = 10_000;

export class KeyEvents {
  /** Per vault id, the emulator-clock second of its last due check. */
  private readonly checkedAt = new Map<string, number>();
  private kickQueued = false;
  private resumed = false;
  private raisedSincePrune = 0;

  constructor(private readonly o: KeyEventsOptions) {}

  // ---- inside the transactions of key changes (service/key-changes.ts) -----------------------------

  /**
   * A key changed: `versions` when a version was added or changed (a new one raises
   * KeyNewVersionCreated), else its dates or policy moved (rotation policy set, key recovered). Its next
   * expiry event is scheduled again, and raised at once if the change made it due.
   */
  keyChanged(vault: Vault, name: string, nowSeconds: number, versions: boolean): void {
    if (vault.kind !== "vault") return;
    const nowMs = this.o.clock.now();
    if (versions) {
      const latest = this.o.store.getVersion(vault.id, name)?.version;
      if (!latest) return;
      if (latest.attributes.created === nowSeconds) this.raise(KEY_EVENT_TYPES.newVersion, vault, latest, nowMs);
    }
    this.fireDue(vault, name, nowSeconds, nowMs);
  }

  // ---- the tick (a request reached the vault), timers, clock shifts ---------------------------------

  /** A request reached the vault: raise what has fallen due there. Cheap when nothing has. */
  vaultTouched(target: VaultTarget, nowMs: number): number {
    this.resumeDeliveries();
    if (target.kind !== "vault") return 0;
    const id = vaultId(target.name, target.kind);
    const now = toUnixSeconds(nowMs);
    if (this.checkedAt.get(id) === now) return 0;
    this.checkedAt.set(id, now);
    const due = this.o.events.dueKeys(id, now, DUE_BATCH);
    if (due.length === 0) return 0;
    return this.o.store.write(() => {
      const vault = this.o.store.getVault(id);
      if (!vault) return 0;
      let raised = 0;
      for (const name of due) raised += this.fireDue(vault, name, now, nowMs);
      return raised;
    });
  }

  /** Every vault: what has fallen due (the served emulator's timer; a clock shift). */
  raiseAllDue(): number {
    const nowMs = this.o.clock.now();
    const now = toUnixSeconds(nowMs);
    let raised = 0;
    for (let round = 0; round < 64; round++) {
      const due = this.o.events.allDueKeys(now, DUE_BATCH * 8);
      if (due.length === 0) break;
      raised += this.o.store.write(() => {
        let n = 0;
        for (const { vaultId: id, name } of due) {
          const vault = this.o.store.getVault(id);
          if (vault) n += this.fireDue(vault, name, now, nowMs);
          else this.o.events.setNextKeyEvent(id, name, undefined);
        }
        return n;
      });
    }
    this.checkedAt.clear();
    return raised;
  }

  /** Once per process: deliveries left due by an earlier process (it stopped, or its webhook was down) get retried. */
  private resumeDeliveries(): void {
    if (this.resumed) return;
    this.resumed = true;
    try {
      if (this.o.events.hasDueDeliveries(Date.now())) this.queueKick();
    } catch {
      // never in a request's way
    }
  }

  // ---- the rules --------------------------------------------------------------------------------------

  /** Raises what is due for one key (inside a write); returns how many events. */
  private fireDue(vault: Vault, name: string, now: number, nowMs: number): number {
    const current = this.currentExpiring(vault, name);
    if (!current) {
      this.o.events.setNextKeyEvent(vault.id, name, undefined);
      return 0;
    }
    const { version, nearAt, exp } = current;
    let raised = 0;
    if (nearAt <= now && this.raise(KEY_EVENT_TYPES.nearExpiry, vault, version, nowMs)) raised++;
    if (exp <= now && this.raise(KEY_EVENT_TYPES.expired, vault, version, nowMs)) raised++;
    this.schedule(vault, name, now);
    return raised;
  }

  /** Stores when the key's next near-expiry or expiry event falls due (none: NULL). */
  private schedule(vault: Vault, name: string, _now: number): void {
    const current = this.currentExpiring(vault, name);
    let due: number | undefined;
    if (current) {
      const pending: number[] = [];
      if (!this.o.events.raised(onceKey(KEY_EVENT_TYPES.nearExpiry, vault, current.version))) pending.push(current.nearAt);
      if (!this.o.events.raised(onceKey(KEY_EVENT_TYPES.expired, vault, current.version))) pending.push(current.exp);
      if (pending.length > 0) due = Math.min(...pending);
    }
    this.o.events.setNextKeyEvent(vault.id, current?.version.name ?? name, due);
  }

  /** The key's latest version when the key is active and that version has an expiry; with its two due points. */
  private currentExpiring(vault: Vault, name: string): { version: KeyVersion; nearAt: number; exp: number } | undefined {
    if (vault.kind !== "vault") return undefined;
    const record = this.o.store.getKey(vault.id, name);
    if (!record || record.deletion) return undefined;
    const version = this.o.store.getVersion(vault.id, name)?.version;
    const exp = version?.attributes.expires;
    if (!version || exp === undefined) return undefined;
    return { version, exp, nearAt: exp - notifyWindowSeconds(record.rotationPolicy) };
  }

  /** Inserts the event (once) and its deliveries; true when it was new. Inside a write. */
  private raise(type: KeyEventType, vault: Vault, version: KeyVersion, nowMs: number): boolean {
    const event = keyEvent(
      type,
      vault,
      {
        name: version.name,
        version: version.version,
        ...(version.attributes.notBefore !== undefined ? { notBefore: version.attributes.notBefore } : {}),
        ...(version.attributes.expires !== undefined ? { expires: version.attributes.expires } : {}),
      },
      nowMs,
    );
    const seq = this.o.events.insertEvent(event, onceKey(type, vault, version), vault.id, nowMs);
    if (seq === undefined) return false;
    const subscribers = this.o.events.subscriptions().filter((s) => matches(s, type, vault));
    const queued = Date.now();
    for (const s of subscribers) this.o.events.insertDelivery(seq, s.name, queued);
    if (subscribers.length > 0) this.queueKick();
    if (type !== KEY_EVENT_TYPES.newVersion) {
      this.o.published?.({ type, vault, key: { name: version.name, version: version.version, id: event.data.Id }, timeMs: nowMs });
    }
    if (++this.raisedSincePrune >= 256) {
      this.raisedSincePrune = 0;
      this.o.events.prune(this.o.retention ?? DEFAULT_EVENT_RETENTION);
    }
    return true;
  }

  /** Delivery starts after the raising transaction has committed. */
  private queueKick(): void {
    if (this.kickQueued) return;
    this.kickQueued = true;
    setImmediate(() => {
      this.kickQueued = false;
      this.o.kick();
    });
  }
}

function matches(s: SubscriptionRow, type: KeyEventType, vault: Vault): boolean {
  return (!s.eventTypes || s.eventTypes.includes(type)) && (!s.vaultId || s.vaultId === vault.id);
}

/** One event per type, key version and (for the expiry events) expiry date. */
function onceKey(type: KeyEventType, vault: Vault, version: KeyVersion): string {
  const base = `${type}|${vault.id}|${version.name.toLowerCase()}|${version.version.toLowerCase()}`;
  return type === KEY_EVENT_TYPES.newVersion ? base : `${base}|${version.attributes.expires ?? ""}`;
}

/** How long before expiry the key's Notify action fires: the rotation policy's, else Key Vault's default (30 days). */
export function notifyWindowSeconds(storedPolicy: string | undefined): number {
  let trigger = DEFAULT_NOTIFY.timeBeforeExpiry!;
  try {
    const notify = parseStoredRotationPolicy(storedPolicy)?.lifetimeActions.find((a) => a.type === "Notify");
    if (notify?.timeBeforeExpiry) trigger = notify.timeBeforeExpiry;
  } catch {
    // an unreadable policy keeps the default
  }
  const parsed = parseIsoDuration(trigger);
  return parsed ? durationSeconds(parsed) : 30 * 86_400;
}
