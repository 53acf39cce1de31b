import { randomUUID } from "node:crypto";
import { armResourceId } from "../domain/azure-resource.js";
import type { Vault } from "../domain/vault.js";

// Key Vault's Event Grid events for keys, in the Event Grid event schema, with the names and shapes of
// Azure's reference ("Azure Key Vault as Event Grid source", learn.microsoft.com/azure/event-grid/
// event-schema-key-vault): top level id, topic, subject, eventType, eventTime, data, dataVersion,
// metadataVersion; data Id, VaultName, ObjectType, ObjectName, Version, NBF, EXP (NBF and EXP in seconds
// since 1970-01-01T00:00:00Z).

export const KEY_EVENT_TYPES = {
  newVersion: "Microsoft.KeyVault.KeyNewVersionCreated",
  nearExpiry: "Microsoft.KeyVault.KeyNearExpiry",
  expired: "Microsoft.KeyVault.KeyExpired",
} as const;

export type KeyEventType = (typeof KEY_EVENT_TYPES)[keyof typeof KEY_EVENT_TYPES];

export const ALL_KEY_EVENT_TYPES: readonly KeyEventType[] = Object.values(KEY_EVENT_TYPES);

/** `KeyNearExpiry` -> `Microsoft.KeyVault.KeyNearExpiry`; the full name as is; undefined for anything else. */
export function keyEventType(text: string): KeyEventType | undefined {
  const lower = text.toLowerCase();
  return ALL_KEY_EVENT_TYPES.find((t) => t.toLowerCase() === lower || t.slice("Microsoft.KeyVault.".length).toLowerCase() === lower);
}

export interface KeyEventData {
  Id: string;
  VaultName: string;
  ObjectType: "Key";
  ObjectName: string;
  Version: string;
  /** Not-before, Unix seconds; null when the version has none. */
  NBF: number | null;
  /** Expiry, Unix seconds; null when the version has none. */
  EXP: number | null;
}

export interface EventGridEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: KeyEventType;
  eventTime: string;
  data: KeyEventData;
  dataVersion: string;
  metadataVersion: string;
}

/**
 * The event for one key version. `Id` is the key version's identifier as the embedded vault spells it
 * (`https://{vault}.vault.localhost/keys/{name}/{version}`, no port: events are raised away from any
 * request, so the served emulator's port is not known to them).
 */
export function keyEvent(
  type: KeyEventType,
  vault: Pick<Vault, "name" | "kind">,
  key: { name: string; version: string; notBefore?: number; expires?: number },
  eventTimeMs: number,
): EventGridEvent {
  return {
    id: randomUUID(),
    topic: armResourceId(vault),
    subject: key.name,
    eventType: type,
    eventTime: new Date(eventTimeMs).toISOString(),
    data: {
      Id: `https://${vault.name}.${vault.kind}.localhost/keys/${key.name}/${key.version}`,
      VaultName: vault.name,
      ObjectType: "Key",
      ObjectName: key.name,
      Version: key.version,
      NBF: key.notBefore ?? null,
      EXP: key.expires ?? null,
    },
    dataVersion: "1",
    metadataVersion: "1",
  };
}

/** Event Grid's subscription validation handshake event (sent by `kvkey emulator events subscribe --validate`). */
export function validationEvent(topic: string, validationCode: string, eventTimeMs: number): Record<string, unknown> {
  return {
    id: randomUUID(),
    topic,
    subject: "",
    data: { validationCode, validationUrl: null },
    eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
    eventTime: new Date(eventTimeMs).toISOString(),
    metadataVersion: "1",
    dataVersion: "2",
  };
}
