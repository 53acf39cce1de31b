import { escapeControl } from "../../shared/control-chars.js";
import { fitColumns } from "./tables.js";

// Table views for `kvkey emulator logs` (AuditEvent records), `kvkey emulator events list` (Event Grid
// events) and `kvkey emulator events subscriptions`, plus the one-line form `logs --follow` streams.

type Json = Record<string, any>;

const obj = (value: unknown): Json => (typeof value === "object" && value !== null ? (value as Json) : {});
const items = (result: unknown): Json[] => (Array.isArray(result) ? result.map(obj) : []);

/** ISO time to the second, `Z`: 2026-01-01T12:00:00Z. */
function when(value: unknown): string {
  return typeof value === "string" ? value.replace(/\.\d+Z$/, "Z") : "";
}

/** `/SUBSCRIPTIONS/.../VAULTS/DEMO` -> `demo`; an HSM gets ` (hsm)`. */
function vaultOf(resourceId: unknown): string {
  if (typeof resourceId !== "string" || resourceId === "") return "";
  const parts = resourceId.split("/");
  const name = (parts[parts.length - 1] ?? "").toLowerCase();
  return parts[parts.length - 2]?.toUpperCase() === "MANAGEDHSMS" ? `${name} (hsm)` : name;
}

/** The key and version an AuditEvent's properties.id names. */
function keyOf(id: unknown): { key: string; version: string } {
  if (typeof id !== "string") return { key: "", version: "" };
  const m = /\/(?:keys|deletedkeys)\/([^/?]+)(?:\/([^/?]+))?/.exec(id);
  return { key: m?.[1] ?? "", version: m?.[2] ?? "" };
}

/** Who called, as a person reads it: upn, then sub ("local" is kvkey itself), oid, appid. */
export function callerOf(record: Json): string {
  const identity = obj(record.identity);
  if (typeof record.operationName === "string" && record.operationName.endsWith("EventGridNotification")) return "(Key Vault)";
  if (!identity.claim) return "(no token)";
  const c = obj(identity.claim);
  const name = c.upn ?? c.unique_name ?? c.sub ?? c.oid ?? c.appid ?? "(no claims)";
  return identity.tokenVerified === false ? `${name} (unverified)` : String(name);
}

function auditRow(r: Json): Json {
  const p = obj(r.properties);
  const { key, version } = keyOf(p.id);
  return {
    Time: when(r.time),
    Operation: r.operationName ?? "",
    // A request an emulator fault rule hit says so (its answer was not the vault's own).
    Result: `${p.httpStatusCode ?? ""} ${r.resultSignature ?? ""}${p.injectedFault ? " (injected)" : ""}`.trim(),
    Vault: vaultOf(r.resourceId),
    Key: key,
    Version: version,
    Caller: callerOf(r),
    IP: r.callerIpAddress ?? "",
    Ms: r.durationMs ?? "",
  };
}

export function auditTable(result: unknown, width?: number): Json[] {
  return fitColumns(items(result).map(auditRow), width, ["empty columns", { drop: "Version" }, { drop: "Ms" }, { drop: "IP" }, { drop: "Vault" }]);
}

const LINE_WIDTHS: Record<string, number> = { Time: 20, Operation: 22, Result: 16, Vault: 14, Key: 18, Version: 0, Caller: 0, IP: 0, Ms: 0 };

/** One record as one line of text (`logs --follow` on a terminal), or tab-separated for `-o tsv`. */
export function auditLine(record: unknown, format: "table" | "tsv"): string {
  const row = auditRow(obj(record));
  // Text, not JSON: a key name or claim with ESC, CR or LF in it must not drive the terminal or forge a line.
  if (format === "tsv") return Object.values(row).map((v) => escapeControl(String(v))).join("\t");
  const version = row.Version ? `/${String(row.Version).slice(0, 8)}` : "";
  const cells = [row.Time, row.Operation, row.Result, row.Vault, `${row.Key}${version}`, row.Caller, row.IP, row.Ms === "" ? "" : `${row.Ms} ms`];
  const widths = [LINE_WIDTHS.Time!, LINE_WIDTHS.Operation!, LINE_WIDTHS.Result!, LINE_WIDTHS.Vault!, 27, 22, 16, 0];
  return cells
    .map((cell, i) => escapeControl(String(cell)).padEnd(widths[i]!))
    .join(" ")
    .trimEnd();
}

export function eventsTable(result: unknown, width?: number): Json[] {
  const rows = items(result).map((e) => {
    const data = obj(e.data);
    return {
      Time: when(e.eventTime),
      Event: typeof e.eventType === "string" ? e.eventType.replace("Microsoft.KeyVault.", "") : "",
      Vault: data.VaultName ?? "",
      Key: data.ObjectName ?? "",
      Version: data.Version ?? "",
      Expires: typeof data.EXP === "number" ? new Date(data.EXP * 1000).toISOString().replace(/\.\d+Z$/, "Z") : "",
    };
  });
  return fitColumns(rows, width, ["empty columns", { drop: "Version" }, { drop: "Vault" }]);
}

export function subscriptionsTable(result: unknown, width?: number): Json[] {
  const rows = (Array.isArray(result) ? result : [result]).map(obj).map((s) => {
    const d = obj(s.deliveries);
    const types: unknown[] = Array.isArray(s.includedEventTypes) ? s.includedEventTypes : [];
    return {
      Name: s.name ?? "",
      Endpoint: s.endpointUrl ?? "",
      Events: types.length === 3 ? "all key events" : types.map((t) => String(t).replace("Microsoft.KeyVault.", "")).join(", "),
      Vault: typeof s.topic === "string" && s.topic.includes("/vaults/") ? s.topic.split("/").pop() : "all",
      Delivered: d.delivered ?? 0,
      Pending: d.pending ?? 0,
      Failed: d.failed ?? 0,
      LastError: s.lastError ?? "",
    };
  });
  return fitColumns(rows, width, ["empty columns", { drop: "LastError" }, { drop: "Vault" }]);
}
