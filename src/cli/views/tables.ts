// Table views: az prints an empty table for a single key (every top-level value is an object) and
// only Kid/Name for lists. These views pick the columns a person wants; they run only for `-o table`
// without --query, so scripts that rely on az's generic table can still get it with a query.

type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  return typeof value === "object" && value !== null ? (value as Json) : {};
}

function keySizeOrCurve(key: Json): string {
  if (typeof key.crv === "string") return key.crv;
  if (typeof key.n === "string") {
    // Standard base64 of the modulus: bytes = 3/4 of the text, less padding.
    const bytes = Buffer.from(key.n, "base64").length;
    return String(bytes * 8);
  }
  return "";
}

function versionOf(kid: unknown): string {
  return typeof kid === "string" ? (kid.split("/")[5] ?? "") : "";
}

function nameOf(kid: unknown): string {
  return typeof kid === "string" ? (kid.split("/")[4] ?? "") : "";
}

function dateText(value: unknown): string {
  return typeof value === "string" ? value.replace("+00:00", "Z") : "";
}

/** show/create/set-attributes/recover/restore: one row describing the key version. */
export function keyTable(result: unknown): Json[] {
  const r = obj(result);
  const key = obj(r.key);
  const a = obj(r.attributes);
  return [
    {
      Name: nameOf(key.kid),
      Kty: key.kty ?? "",
      "Size/Curve": keySizeOrCurve(key),
      Enabled: a.enabled ?? "",
      NotBefore: dateText(a.notBefore),
      Expires: dateText(a.expires),
      Updated: dateText(a.updated),
      Version: versionOf(key.kid),
    },
  ];
}

/** delete/show-deleted: the key row plus its deletion dates. */
export function deletedKeyTable(result: unknown): Json[] {
  const r = obj(result);
  const [row] = keyTable(result);
  return [{ ...row, DeletedDate: dateText(r.deletedDate), ScheduledPurgeDate: dateText(r.scheduledPurgeDate) }];
}

function items(result: unknown): Json[] {
  return Array.isArray(result) ? result.map(obj) : [];
}

export function keyListTable(result: unknown): Json[] {
  return items(result).map((item) => {
    const a = obj(item.attributes);
    return { Name: item.name ?? "", Enabled: a.enabled ?? "", Expires: dateText(a.expires), Updated: dateText(a.updated) };
  });
}

export function keyVersionsTable(result: unknown): Json[] {
  return items(result).map((item) => {
    const a = obj(item.attributes);
    return {
      Version: versionOf(item.kid),
      Enabled: a.enabled ?? "",
      NotBefore: dateText(a.notBefore),
      Expires: dateText(a.expires),
      Created: dateText(a.created),
      Updated: dateText(a.updated),
    };
  });
}

export function deletedKeyListTable(result: unknown): Json[] {
  return items(result).map((item) => ({
    Name: item.name ?? "",
    DeletedDate: dateText(item.deletedDate),
    ScheduledPurgeDate: dateText(item.scheduledPurgeDate),
    RecoveryId: item.recoveryId ?? "",
  }));
}
