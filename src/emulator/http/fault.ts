import { faultMatches, faultRetryAfter, formatFaultRule, type FaultRule } from "../../shared/fault-rules.js";
import { THROTTLED_MESSAGE } from "../domain/service-limits.js";
import type { FaultRules } from "../service/fault-rules.js";
import { operationName } from "./audit-record.js";
import { failure, type Answer } from "./respond.js";
import type { Route } from "./router.js";

// The fault injection step (issue 22, item 5; the served emulator): a request that reaches a vault's
// operation is matched against the data directory's fault rules (shared/fault-rules.ts), in order; the
// first rule that hits it answers a status (with Retry-After), waits, or drops the connection. The
// request's context records which rule did what, and the audit log shows it (`kvkey emulator logs
// --faults`). Nothing runs when there are no rules but one single-row read.

/** What a hit request records: the rule and what it did. */
export function faultMark(position: number, rule: FaultRule): string {
  return `rule ${position}: ${formatFaultRule(rule)}`;
}

export async function injectFault(
  faults: FaultRules,
  request: { vault: string; route: Route },
  mark: (text: string) => void,
): Promise<Answer | undefined> {
  const rules = faults.current();
  if (rules.length === 0) return undefined;
  const { route } = request;
  const ops = [route.op.toLowerCase(), operationName(route).toLowerCase()];
  if (route.op === "keyOperation") ops.push(route.operation);
  const target = { ops, vault: request.vault, ...("name" in route ? { key: route.name } : {}) };
  for (const { position, rule } of rules) {
    if (!faultMatches(rule, target) || !faults.fire(position, rule)) continue;
    mark(faultMark(position, rule));
    if (rule.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
    if (rule.drop) return { status: 0, drop: true, errorMessage: "Injected fault: the connection was closed without a response." };
    if (rule.status !== undefined) return injectedStatus(rule.status, faultRetryAfter(rule), position);
    return undefined; // a delay alone: the request goes on
  }
  return undefined;
}

/** The service's envelope for the status; a 429 is word for word the service's own Throttled answer. */
function injectedStatus(status: number, retryAfter: number | undefined, position: number): Answer {
  const headers = retryAfter === undefined ? undefined : { "retry-after": String(retryAfter) };
  const answer =
    status === 429
      ? failure(429, "Throttled", THROTTLED_MESSAGE)
      : failure(status, CODES[status] ?? "InjectedFault", `${MESSAGES[status] ?? "The request failed."} (Injected by the emulator's fault rule ${position}.)`);
  return headers ? { ...answer, headers } : answer;
}

const CODES: Record<number, string> = {
  400: "BadParameter",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  408: "RequestTimeout",
  409: "Conflict",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

const MESSAGES: Record<number, string> = {
  500: "The service encountered an internal error.",
  502: "The service received an invalid response from an upstream server.",
  503: "The service is temporarily unavailable; retry later.",
  504: "The service did not answer in time.",
};
