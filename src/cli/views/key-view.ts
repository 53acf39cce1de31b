import type { DeletedKey, JsonWebKey, KeyProperties, KeyReleasePolicy, KeyVaultKey } from "@azure/keyvault-keys";

type DeletedKeyProperties = DeletedKey["properties"];

// SDK objects -> the JSON az prints (the track-2 shape current az uses everywhere): camelCase names,
// keys sorted by the output stage, dates as ISO 8601 with an explicit +00:00 offset, key material in
// standard padded base64, absent values as null. Single keys carry no top-level name or id (the id is
// key.kid); list items carry kid and name.

type Json = Record<string, unknown>;

/** Python's datetime.isoformat() for a UTC time: "2026-01-02T03:04:05+00:00" (microseconds only when set). */
export function isoDate(date: Date | undefined): string | null {
  if (!date) return null;
  const iso = date.toISOString(); // 2026-01-02T03:04:05.678Z
  const [whole, fraction] = iso.slice(0, -1).split(".");
  const micros = fraction && fraction !== "000" ? `.${fraction}000` : "";
  return `${whole}${micros}+00:00`;
}

function base64(bytes: Uint8Array | undefined): string | null {
  return bytes ? Buffer.from(bytes).toString("base64") : null;
}

function attributes(p: KeyProperties): Json {
  return {
    created: isoDate(p.createdOn),
    enabled: p.enabled ?? null,
    expires: isoDate(p.expiresOn),
    exportable: p.exportable ?? null,
    hsmPlatform: p.hsmPlatform ?? null,
    notBefore: isoDate(p.notBefore),
    recoverableDays: p.recoverableDays ?? null,
    recoveryLevel: p.recoveryLevel ?? null,
    updated: isoDate(p.updatedOn),
  };
}

function jwk(key: JsonWebKey | undefined): Json | null {
  if (!key) return null;
  return {
    crv: key.crv ?? null,
    d: base64(key.d),
    dp: base64(key.dp),
    dq: base64(key.dq),
    e: base64(key.e),
    k: base64(key.k),
    keyOps: key.keyOps ?? null,
    kid: key.kid ?? null,
    kty: key.kty ?? null,
    n: base64(key.n),
    p: base64(key.p),
    q: base64(key.q),
    qi: base64(key.qi),
    t: base64(key.t),
    x: base64(key.x),
    y: base64(key.y),
  };
}

export function releasePolicyView(policy: KeyReleasePolicy | undefined): Json | null {
  if (!policy) return null;
  return {
    contentType: policy.contentType ?? null,
    // az decodes the policy bytes to text so the JSON document is readable.
    encodedPolicy: policy.encodedPolicy ? Buffer.from(policy.encodedPolicy).toString("utf8") : null,
    immutable: policy.immutable ?? null,
  };
}

/** show, create, import, set-attributes, rotate, recover, restore. */
export function keyView(key: KeyVaultKey): Json {
  const p = key.properties;
  return {
    attributes: attributes(p),
    key: jwk(key.key),
    managed: p.managed ?? null,
    releasePolicy: releasePolicyView(p.releasePolicy),
    tags: p.tags ?? null,
  };
}

function deletionMembers(p: DeletedKeyProperties): Json {
  return {
    deletedDate: isoDate(p.deletedOn),
    recoveryId: p.recoveryId ?? null,
    scheduledPurgeDate: isoDate(p.scheduledPurgeDate),
  };
}

/** delete, show-deleted. */
export function deletedKeyView(key: DeletedKey): Json {
  return { ...keyView(key), ...deletionMembers(key.properties) };
}

/** list and list-versions items. */
export function keyItemView(p: KeyProperties): Json {
  return {
    attributes: attributes(p),
    kid: p.id ?? null,
    managed: p.managed ?? null,
    name: p.name,
    releasePolicy: releasePolicyView(p.releasePolicy),
    tags: p.tags ?? null,
  };
}

/** list-deleted items. */
export function deletedKeyItemView(p: DeletedKeyProperties): Json {
  return { ...keyItemView(p), ...deletionMembers(p) };
}
