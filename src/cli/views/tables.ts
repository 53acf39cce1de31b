import { naturalTableWidth, styleRow } from "../../output/table.js";

// Table views: az prints an empty table for a single key (every top-level value is an object) and
// only Kid/Name for lists. These views pick the columns a person wants; they run only for `-o table`
// without --query, so scripts that rely on az's generic table can still get it with a query.
//
// On a terminal (`width` set) a view that is too wide gives up what matters least, in its own order:
// empty columns first, then dates shortened to the day, then whole columns; the output stage's last
// resort is to cut the widest cells with "…". Piped output (no width) always has every column.
// On a colour terminal a disabled key's row is dimmed (the Enabled column still says False).

type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  return typeof value === "object" && value !== null ? (value as Json) : {};
}

/**
 * "2048", "P-256", or an AES key's bits. The service never returns an oct key's size (no JWK member
 * carries it), so for AES the size is known only where the command itself chose it (create --size).
 */
function keySizeOrCurve(key: Json, octBits?: number): string {
  if (typeof key.crv === "string") return key.crv;
  if (typeof key.kty === "string" && key.kty.startsWith("oct") && octBits !== undefined) return String(octBits);
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

// ---- fitting a narrow terminal ------------------------------------------------------------------

/** One way to make a table narrower: drop empty columns, shorten dates, or drop a named column. */
type Narrowing = "empty columns" | "dates to the day" | { drop: string };

const FULL_DATE = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

function narrow(rows: Json[], step: Narrowing): Json[] {
  if (step === "dates to the day") {
    return rows.map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "string" ? v.replace(FULL_DATE, "$1") : v])),
    );
  }
  const drop = (column: string) => rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => k !== column)));
  if (step === "empty columns") {
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    const empty = columns.filter((c) => rows.every((row) => row[c] === "" || row[c] === null || row[c] === undefined));
    // A table with nothing in it keeps its headers: an empty row still says what was looked at.
    if (empty.length === columns.length) return rows;
    return rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !empty.includes(k))));
  }
  return drop(step.drop);
}

/** Applies `steps` in order until the table fits `width`; without a width (piped) the rows are untouched. */
export function fitColumns(rows: Json[], width: number | undefined, steps: readonly Narrowing[]): Json[] {
  if (width === undefined || rows.length === 0) return rows;
  let current = rows;
  for (const step of steps) {
    if (naturalTableWidth(current) <= width) break;
    current = narrow(current, step);
  }
  return current;
}

// ---- the views ----------------------------------------------------------------------------------

/** Dims the rows whose key is disabled (`enabled[i] === false`), after fitting (which makes new rows). */
function dimDisabled(rows: Json[], enabled: readonly unknown[]): Json[] {
  rows.forEach((row, i) => {
    if (enabled[i] === false) styleRow(row, { "*": "dim" });
  });
  return rows;
}

function keyRow(result: unknown, octBits?: number): Json {
  const r = obj(result);
  const key = obj(r.key);
  const a = obj(r.attributes);
  return {
    Name: nameOf(key.kid),
    Kty: key.kty ?? "",
    "Size/Curve": keySizeOrCurve(key, octBits),
    Enabled: a.enabled ?? "",
    NotBefore: dateText(a.notBefore),
    Expires: dateText(a.expires),
    Updated: dateText(a.updated),
    Version: versionOf(key.kid),
  };
}

/** show/create/import/set-attributes/rotate/recover/restore: one row describing the key version. */
export function keyTable(result: unknown, width?: number): Json[] {
  return keyTableOf(result, width, undefined);
}

/** keyTable, with the size of an AES key that the command knows (the service never says). */
export function keyTableOf(result: unknown, width: number | undefined, octBits: number | undefined): Json[] {
  const rows = fitColumns([keyRow(result, octBits)], width, [
    "empty columns",
    "dates to the day",
    { drop: "NotBefore" },
    { drop: "Updated" },
  ]);
  return dimDisabled(rows, [obj(obj(result).attributes).enabled]);
}

/** delete/show-deleted: the key row plus its deletion dates. */
export function deletedKeyTable(result: unknown, width?: number): Json[] {
  const r = obj(result);
  const { Version, ...row } = keyRow(result);
  const full = { ...row, DeletedDate: dateText(r.deletedDate), ScheduledPurgeDate: dateText(r.scheduledPurgeDate), Version };
  const rows = fitColumns([full], width, [
    "empty columns",
    { drop: "NotBefore" },
    { drop: "Updated" },
    "dates to the day",
    { drop: "Version" },
    { drop: "Size/Curve" },
  ]);
  return dimDisabled(rows, [obj(r.attributes).enabled]);
}

function items(result: unknown): Json[] {
  return Array.isArray(result) ? result.map(obj) : [];
}

/** list: the list API carries no key type or size, so neither can be shown without a call per key. */
export function keyListTable(result: unknown, width?: number): Json[] {
  const rows = items(result).map((item) => {
    const a = obj(item.attributes);
    return { Name: item.name ?? "", Enabled: a.enabled ?? "", Expires: dateText(a.expires), Updated: dateText(a.updated) };
  });
  const fitted = fitColumns(rows, width, ["empty columns", "dates to the day", { drop: "Updated" }]);
  return dimDisabled(fitted, items(result).map((item) => obj(item.attributes).enabled));
}

export function keyVersionsTable(result: unknown, width?: number): Json[] {
  const rows = items(result).map((item) => {
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
  const fitted = fitColumns(rows, width, ["empty columns", "dates to the day", { drop: "NotBefore" }, { drop: "Updated" }]);
  return dimDisabled(fitted, items(result).map((item) => obj(item.attributes).enabled));
}

export function deletedKeyListTable(result: unknown, width?: number): Json[] {
  const rows = items(result).map((item) => ({
    Name: item.name ?? "",
    DeletedDate: dateText(item.deletedDate),
    ScheduledPurgeDate: dateText(item.scheduledPurgeDate),
    RecoveryId: item.recoveryId ?? "",
  }));
  // The recovery id is the vault URL plus the name: the first thing to go.
  return fitColumns(rows, width, ["empty columns", { drop: "RecoveryId" }, "dates to the day"]);
}

function capitalize(key: string): string {
  return key ? key.charAt(0).toUpperCase() + key.slice(1) : key;
}

/**
 * encrypt/decrypt/sign/verify/wrap-key/unwrap-key/random: the key's name first (from its id), then each
 * plain value of the result in its own order (algorithm, result, signature, value, ...), the version
 * last. Long base64 results are what the output stage cuts with "…" when the terminal is narrow.
 */
export function cryptoResultTable(result: unknown, width?: number): Json[] {
  const rows = (Array.isArray(result) ? result : [result]).map((item) => {
    const r = obj(item);
    // encrypt/decrypt/wrap name the key `kid`, sign/verify (the SDK's results) `keyId`.
    const idKey = typeof r.kid === "string" ? "kid" : typeof r.keyId === "string" ? "keyId" : undefined;
    const row: Json = {};
    if (idKey) row.Name = nameOf(r[idKey]);
    for (const [key, value] of Object.entries(r)) {
      if (key === idKey || value === null || value === undefined || typeof value === "object") continue;
      row[capitalize(key)] = value;
    }
    if (idKey) row.Version = versionOf(r[idKey]);
    return row;
  });
  return fitColumns(rows, width, ["empty columns", { drop: "Version" }]);
}

/**
 * rotation-policy show/update: one row per lifetime action (what happens, and when), with the
 * policy's expiry for new versions; a policy without actions is one row that says so.
 */
export function rotationPolicyTable(result: unknown, width?: number): Json[] {
  const policy = obj(result);
  const actions = Array.isArray(policy.lifetimeActions) ? policy.lifetimeActions.map(obj) : [];
  const common = { ExpiresIn: policy.expiresIn ?? "", Updated: dateText(policy.updatedOn) };
  const rows = actions.length
    ? actions.map((a) => ({ Action: a.action ?? "", TimeAfterCreate: a.timeAfterCreate ?? "", TimeBeforeExpiry: a.timeBeforeExpiry ?? "", ...common }))
    : [{ Action: "(none)", TimeAfterCreate: "", TimeBeforeExpiry: "", ...common }];
  return fitColumns(rows, width, ["empty columns", "dates to the day", { drop: "Updated" }]);
}
