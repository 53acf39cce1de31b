import { randomBytes, randomUUID } from "node:crypto";
import { VaultError, VaultErrors } from "../domain/errors.js";
import { armResourceId, LOCAL_RESOURCE_GROUP, LOCAL_SUBSCRIPTION_ID } from "../domain/azure-resource.js";
import { VAULT_NAME_PATTERN, vaultId } from "../domain/vault.js";
import type { Deliverer, DeliveryReport } from "./delivery.js";
import { ALL_KEY_EVENT_TYPES, keyEventType, validationEvent, type EventGridEvent, type KeyEventType } from "./event-grid.js";
import type { EventStore, SubscriptionStats } from "./event-store.js";
import type { KeyEvents } from "./key-events.js";

// The events side of an emulator as its callers see it (Emulator.events): the raised events, webhook
// subscriptions, delivery on demand and in the background.

export interface EventListQuery {
  key?: string;
  /** Short (`KeyNearExpiry`) or full (`Microsoft.KeyVault.KeyNearExpiry`) names. */
  types?: readonly string[];
  /** Emulator time, ms. */
  since?: number;
  vaultName?: string;
  afterSeq?: number;
  last?: number;
}

export interface SubscribeOptions {
  endpoint: string;
  /** 3-64 letters, digits and dashes; generated when omitted. */
  name?: string;
  /** Only these event types (short or full names); every key event when omitted. */
  eventTypes?: readonly string[];
  /** Only this key vault's events. */
  vaultName?: string;
  /** Do Event Grid's SubscriptionValidationEvent handshake first: the endpoint must echo the code. */
  validate?: boolean;
}

/** A subscription as `kvkey emulator events` shows it (Event Grid's names where it has one). */
export interface EventSubscriptionView {
  name: string;
  endpointUrl: string;
  includedEventTypes: KeyEventType[];
  /** The vault's resource id, or the emulator's resource group when every vault's events are sent. */
  topic: string;
  created: string;
  deliveries: { pending: number; delivered: number; failed: number };
  lastError?: string;
}

export interface StoredEventView {
  /** Order of raising (for following). */
  seq: number;
  event: EventGridEvent;
}

const SUBSCRIPTION_NAME = /^[A-Za-z0-9-]{3,64}$/;
const DEFAULT_BACKGROUND_MS = 1_000;

export class EventHub {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly keyEvents: KeyEvents,
    private readonly deliverer: Deliverer,
    private readonly write: <T>(fn: () => T) => T,
  ) {}

  list(query: EventListQuery = {}): StoredEventView[] {
    const types = query.types?.map((t) => {
      const type = keyEventType(t);
      if (!type) throw VaultErrors.badParameter(`'${t}' is not a key event type; use ${ALL_KEY_EVENT_TYPES.map(short).join(", ")}.`);
      return type;
    });
    return this.store.listEvents({
      ...(query.key !== undefined ? { key: query.key } : {}),
      ...(types ? { types } : {}),
      ...(query.since !== undefined ? { since: query.since } : {}),
      ...(query.vaultName !== undefined ? { vaultId: vaultId(query.vaultName, "vault") } : {}),
      ...(query.afterSeq !== undefined ? { afterSeq: query.afterSeq } : {}),
      ...(query.last !== undefined ? { last: query.last } : {}),
    });
  }

  async subscribe(options: SubscribeOptions): Promise<EventSubscriptionView> {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw VaultErrors.badParameter(`The endpoint '${options.endpoint}' is not a URL.`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw VaultErrors.badParameter(`The endpoint must be an http or https URL, not ${url.protocol}.`);
    const name = options.name ?? `webhook-${randomBytes(4).toString("hex")}`;
    if (!SUBSCRIPTION_NAME.test(name)) throw VaultErrors.badParameter(`The subscription name '${name}' is not valid: use 3-64 letters, digits and dashes.`);
    if (options.vaultName !== undefined && !VAULT_NAME_PATTERN.test(options.vaultName)) {
      throw VaultErrors.badParameter(`The vault name '${options.vaultName}' is not valid.`);
    }
    const eventTypes = options.eventTypes?.map((t) => {
      const type = keyEventType(t);
      if (!type) throw VaultErrors.badParameter(`'${t}' is not a key event type; use ${ALL_KEY_EVENT_TYPES.map(short).join(", ")}.`);
      return type;
    });
    if (this.store.subscription(name)) throw new VaultError("Conflict", `An event subscription named '${name}' exists already; unsubscribe it first or pick another name.`);
    const topic = options.vaultName !== undefined ? armResourceId({ name: options.vaultName.toLowerCase(), kind: "vault" }) : emulatorTopic();
    if (options.validate) await handshake(url.href, topic);
    this.write(() =>
      this.store.insertSubscription({
        name,
        endpoint: url.href,
        created: Date.now(),
        ...(eventTypes && eventTypes.length > 0 ? { eventTypes: [...new Set(eventTypes)] } : {}),
        ...(options.vaultName !== undefined ? { vaultId: vaultId(options.vaultName, "vault") } : {}),
      }),
    );
    return this.subscriptions().find((s) => s.name.toLowerCase() === name.toLowerCase())!;
  }

  /** Removes subscriptions by name or by endpoint; returns the names removed. Their pending deliveries are dropped. */
  unsubscribe(by: { name?: string; endpoint?: string }): string[] {
    return this.write(() => {
      if (by.name !== undefined) {
        const found = this.store.subscription(by.name);
        return found && this.store.deleteSubscription(by.name) ? [found.name] : [];
      }
      if (by.endpoint !== undefined) {
        let endpoint = by.endpoint;
        try {
          endpoint = new URL(by.endpoint).href;
        } catch {
          // compare as given
        }
        return this.store.deleteSubscriptionsByEndpoint(endpoint);
      }
      return [];
    });
  }

  subscriptions(): EventSubscriptionView[] {
    return this.store.subscriptionStats().map(view);
  }

  /** Delivers what is due now (retries included) and resolves when nothing due is left. */
  deliver(): Promise<DeliveryReport> {
    return this.deliverer.deliverDue();
  }

  /** Raises every near-expiry and expiry event that has fallen due, in every vault. */
  raiseDue(): number {
    return this.keyEvents.raiseAllDue();
  }

  /** The served emulator: raise due events and deliver due deliveries every `intervalMs`, until close. */
  startBackground(intervalMs = DEFAULT_BACKGROUND_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.keyEvents.raiseAllDue();
      } catch {
        // the next tick tries again
      }
      this.deliverer.kick();
    }, intervalMs);
    this.timer.unref();
  }

  stopBackground(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function short(type: string): string {
  return type.slice("Microsoft.KeyVault.".length);
}

/** Subscriptions to every vault of the data directory listen to the whole (placeholder) resource group. */
function emulatorTopic(): string {
  return `/subscriptions/${LOCAL_SUBSCRIPTION_ID}/resourceGroups/${LOCAL_RESOURCE_GROUP}`;
}

function view(s: SubscriptionStats): EventSubscriptionView {
  const out: EventSubscriptionView = {
    name: s.name,
    endpointUrl: s.endpoint,
    includedEventTypes: s.eventTypes ?? [...ALL_KEY_EVENT_TYPES],
    topic: s.vaultId ? armResourceId({ name: s.vaultId.replace(/\.vault$/, ""), kind: "vault" }) : emulatorTopic(),
    created: new Date(s.created).toISOString(),
    deliveries: { pending: s.pending, delivered: s.delivered, failed: s.failed },
  };
  if (s.lastError) out.lastError = s.lastError;
  return out;
}

/** Event Grid's webhook validation: POST a SubscriptionValidationEvent; the endpoint answers {"validationResponse": code}. */
async function handshake(endpoint: string, topic: string): Promise<void> {
  const code = randomUUID();
  let answer: unknown;
  try {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", "aeg-event-type": "SubscriptionValidation" },
      body: JSON.stringify([validationEvent(topic, code, Date.now())]),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`it answered HTTP ${response.status}`);
    answer = JSON.parse(text) as unknown;
  } catch (err) {
    throw VaultErrors.badParameter(`The endpoint did not complete Event Grid's validation handshake: ${(err as Error).message}.`);
  }
  const echoed = typeof answer === "object" && answer !== null ? (answer as { validationResponse?: unknown }).validationResponse : undefined;
  if (echoed !== code) {
    throw VaultErrors.badParameter("The endpoint did not complete Event Grid's validation handshake: its answer lacks the validationResponse code it was sent.");
  }
}
