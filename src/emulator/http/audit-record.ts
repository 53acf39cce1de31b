import type { Clock } from "../domain/clock.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { AuditRow } from "../audit/audit-store.js";
import type { IdentityReader } from "../audit/identity.js";
import { CRYPTO_OPERATION_NAMES, OPERATION_NAMES, UNKNOWN_OPERATION } from "../../shared/audit-operations.js";
import type { HandledRequest, RequestObserver } from "./pipeline.js";
import type { Route } from "./router.js";

// The pipeline's last step for the audit log: one record per request that reached a vault, read from
// the request's context (vault, route, caller, the key version the operation used, the outcome). The
// record is built from the request line, a few headers, the status and (for failures) the error's
// message: never from a body, so no payload and no key material can reach the log.

const MAX_TEXT = 1024;

/** Key Vault's AuditEvent operation name of a route. */
export function operationName(route: Route): string {
  return route.op === "keyOperation" ? CRYPTO_OPERATION_NAMES[route.operation] : OPERATION_NAMES[route.op];
}

// Every route has its name: a new route fails to compile until it gets one.
OPERATION_NAMES satisfies Record<Exclude<Route["op"], "keyOperation">, string>;
CRYPTO_OPERATION_NAMES satisfies Record<Extract<Route, { op: "keyOperation" }>["operation"], string>;

export function auditObserver(audit: AuditLog, identities: IdentityReader, clock: Clock): RequestObserver {
  return (handled) => {
    if (!handled.context.vault) return;
    // One reading of the emulator clock: when the request was answered.
    audit.record(auditRecord(handled, identities, clock.now()));
  };
}

export function auditRecord({ context, answer, durationMs }: HandledRequest, identities: IdentityReader, now: number): AuditRow {
  const { request, route, vault } = context;
  const at = vault!;
  const status = answer.status;
  const identity = identities.read(context.token);
  const name = route && "name" in route ? route.name : undefined;
  const ok = status >= 200 && status < 300;
  // A key bundle or operation result names the version used; lists name many keys and are skipped.
  const kid = ok && name !== undefined && route?.op !== "listKeyVersions" ? answer.keyId : undefined;
  const version = kid?.split("/")[5] ?? (route && "version" in route ? route.version : undefined);
  let objectId: string | undefined;
  if (name !== undefined) {
    const deleted = route?.op === "getDeletedKey" || route?.op === "purgeDeletedKey" || route?.op === "recoverDeletedKey";
    objectId = deleted ? `${at.baseUrl}/deletedkeys/${name}` : kid ?? `${at.baseUrl}/keys/${name}${version ? `/${version}` : ""}`;
  }
  return {
    time: now,
    vaultName: at.target.name.toLowerCase(),
    vaultKind: at.target.kind,
    operation: route ? operationName(route) : UNKNOWN_OPERATION,
    apiVersion: text(context.url!.searchParams.get("api-version"), 64),
    keyName: name ?? null,
    keyVersion: version ?? null,
    objectId: objectId ?? null,
    status,
    description: status >= 400 ? (answer.errorMessage?.slice(0, MAX_TEXT) ?? null) : null,
    durationMs,
    callerIp: request.remoteAddress ? request.remoteAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "") : null,
    correlationId: text(request.headers["x-ms-client-request-id"], 128),
    clientInfo: text(request.headers["user-agent"], 256),
    requestUri: text(request.url, 2048),
    identity: identity.claims,
    token: identity.token,
    fault: context.fault ?? null,
  };
}

function text(value: string | null | undefined, max: number): string | null {
  return value === null || value === undefined || value === "" ? null : value.slice(0, max);
}
