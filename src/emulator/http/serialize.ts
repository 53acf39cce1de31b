import { keyId, recoveryId } from "../domain/key-id.js";
import { recoveryLevel } from "../domain/vault.js";
import { isHsmType, type DeletedKeyView, type DeletionInfo, type KeyVersion, type KeyView } from "../domain/key.js";

// Domain -> REST wire shapes (KeyBundle, DeletedKeyBundle, KeyItem, DeletedKeyItem). Times are Unix
// seconds; binary members base64url; kids computed from the request's base URL.

type Json = Record<string, unknown>;

function attributes(view: KeyView): Json {
  const a = view.key.attributes;
  const out: Json = { enabled: a.enabled };
  if (a.notBefore !== undefined) out.nbf = a.notBefore;
  if (a.expires !== undefined) out.exp = a.expires;
  out.created = a.created;
  out.updated = a.updated;
  out.recoveryLevel = recoveryLevel(view.vault);
  out.recoverableDays = view.vault.retentionDays;
  out.exportable = a.exportable;
  // The HSM platform of an HSM-protected key in a vault: "2" is the current (FIPS 140-3 Level 3) one, as
  // the service sets it (API 7.5 on; the SDKs' tests expect it on a Premium vault's -HSM keys). Software
  // keys and Managed HSM keys carry none.
  if (view.vault.kind === "vault" && isHsmType(view.key.kty)) out.hsmPlatform = CURRENT_HSM_PLATFORM;
  return out;
}

const CURRENT_HSM_PLATFORM = "2";

function releasePolicy(key: KeyVersion): Json | undefined {
  const p = key.releasePolicy;
  return p && { contentType: p.contentType, immutable: p.immutable, data: p.data.toString("base64url") };
}

function commonMembers(view: KeyView, out: Json): Json {
  out.attributes = attributes(view);
  if (view.key.tags) out.tags = view.key.tags;
  if (view.key.managed) out.managed = true;
  return out;
}

export function keyBundle(baseUrl: string, view: KeyView): Json {
  const k = view.key;
  const jwk: Json = { kid: keyId(baseUrl, k.name, k.version), kty: k.kty, key_ops: k.keyOps };
  for (const member of ["n", "e", "crv", "x", "y"] as const) {
    const value = k.publicJwk[member];
    if (value !== undefined) jwk[member] = value;
  }
  const out = commonMembers(view, { key: jwk });
  const policy = releasePolicy(k);
  if (policy) out.release_policy = policy;
  return out;
}

function deletionMembers(baseUrl: string, name: string, d: DeletionInfo): Json {
  return { recoveryId: recoveryId(baseUrl, name), deletedDate: d.deletedDate, scheduledPurgeDate: d.scheduledPurgeDate };
}

/**
 * A deleted key reports the retention it was deleted under: its scheduledPurgeDate is fixed at deletion,
 * so recoverableDays (and the recovery level) come from the same dates, and never disagree with it even
 * if the vault's retention was set afterwards.
 */
function asDeleted(view: DeletedKeyView): DeletedKeyView {
  const days = Math.round((view.deletion.scheduledPurgeDate - view.deletion.deletedDate) / 86_400);
  return days === view.vault.retentionDays ? view : { ...view, vault: { ...view.vault, retentionDays: days } };
}

export function deletedKeyBundle(baseUrl: string, view: DeletedKeyView): Json {
  return { ...deletionMembers(baseUrl, view.key.name, view.deletion), ...keyBundle(baseUrl, asDeleted(view)) };
}

/** A list item: the versionless kid in key lists, the versioned one in version lists. */
export function keyItem(baseUrl: string, view: KeyView, versioned: boolean): Json {
  const k = view.key;
  return commonMembers(view, { kid: keyId(baseUrl, k.name, versioned ? k.version : undefined) });
}

export function deletedKeyItem(baseUrl: string, view: DeletedKeyView): Json {
  return { ...deletionMembers(baseUrl, view.key.name, view.deletion), ...keyItem(baseUrl, asDeleted(view), false) };
}

export function errorBody(code: string, message: string, innerCode?: string): Json {
  const error: Json = { code, message };
  if (innerCode) error.innererror = { code: innerCode };
  return { error };
}
