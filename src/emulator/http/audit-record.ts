import { performance } from "node:perf_hooks";
import type { Clock } from "../domain/clock.js";
import { bearerToken } from "../http/auth.js";
import { addressRequest, type Addressed } from "../http/host.js";
import { isIdentityRequest } from "../http/identity.js";
import { route as routeOf, type Route } from "../http/router.js";
import type { WireRequest, WireResponse } from "../http/wire.js";
import type { VaultTarget } from "../service/key-service.js";
import type { AuditLog } from "./audit-log.js";
import type { AuditRow } from "./audit-store.js";
import type { IdentityReader } from "./identity.js";
import { operationName, UNKNOWN_OPERATION } from "./operations.js";
import { monotonicMs } from "../../shared/monotonic.js";

// Around the handler (createEmulator wires it): after the handler has computed a response, one audit
// record is queued and the vault's due key events are checked; the response goes back unchanged. The
// record is built from the request line, a few headers, the status and (for failures) the error message:
// never from a body, so no payload and no key material can reach the log. Nothing here may fail a request.

export interface RequestMonitorOptions {
  audit: AuditLog;
  identities: IdentityReader;
  clock: Clock;
  defaultVault?: VaultTarget;
  /** The identity endpoint is served (its requests are not data-plane operations and are not logged). */
  identityEndpoint: boolean;
  /** After every request that reached a vault (key events: due checks, rescheduling). */
  touched?: (target: VaultTarget, route: Route | undefined, status: number, nowMs: number) => void;
}

const MAX_TEXT = 1024;
const KID = /"kid":"([^"]+)"/;

export class RequestMonitor {
  constructor(private readonly o: RequestMonitorOptions) {}

  async handle(request: WireRequest, inner: (request: WireRequest) => Promise<WireResponse>): Promise<WireResponse> {
    const started = monotonicMs();
    const response = await inner(request);
    try {
      this.observe(request, response, monotonicMs() - started);
    } catch {
      // The log and the events are the emulator's own business: a request never fails because of them.
    }
    return response;
  }

  private observe(request: WireRequest, response: WireResponse, durationMs: number): void {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return;
    }
    if (this.o.identityEndpoint && isIdentityRequest(url)) return;
    const at = addressRequest(url, request.headers.host, this.o.defaultVault);
    if (!at) return;
    let route: Route | undefined;
    try {
      route = routeOf(request.method, url.pathname);
    } catch {
      route = undefined;
    }
    // One reading of the emulator clock (a one-row read of the shift) serves the record and the checks.
    const now = this.o.clock.now();
    this.o.audit.record(this.row(request, response, url, at, route, durationMs, now));
    this.o.touched?.(at.target, route, response.status, now);
  }

  private row(request: WireRequest, response: WireResponse, url: URL, at: Addressed, route: Route | undefined, durationMs: number, now: number): AuditRow {
    const identity = this.o.identities.read(bearerToken(request.headers.authorization));
    const name = route && "name" in route ? route.name : undefined;
    const ok = response.status >= 200 && response.status < 300;
    // A key bundle or operation result names the version used; lists name many keys and are skipped.
    const kid = ok && name !== undefined && route?.op !== "listKeyVersions" ? KID.exec(response.body)?.[1] : undefined;
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
      apiVersion: text(url.searchParams.get("api-version"), 64),
      keyName: name ?? null,
      keyVersion: version ?? null,
      objectId: objectId ?? null,
      status: response.status,
      description: response.status >= 400 ? errorMessage(response) : null,
      durationMs,
      callerIp: request.remoteAddress ? request.remoteAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "") : null,
      correlationId: text(request.headers["x-ms-client-request-id"], 128),
      clientInfo: text(request.headers["user-agent"], 256),
      requestUri: text(request.url, 2048),
      identity: identity.claims,
      token: identity.token,
    };
  }
}

function text(value: string | null | undefined, max: number): string | null {
  return value === null || value === undefined || value === "" ? null : value.slice(0, max);
}

/** The message of the service's error envelope (the emulator's own text, which never quotes a payload). */
function errorMessage(response: WireResponse): string | null {
  if (response.body === "") return response.status === 401 ? "AKV10000: Request is missing a Bearer or PoP token." : null;
  try {
    const parsed = JSON.parse(response.body) as { error?: { message?: unknown } };
    return typeof parsed.error?.message === "string" ? parsed.error.message.slice(0, MAX_TEXT) : null;
  } catch {
    return null;
  }
}
