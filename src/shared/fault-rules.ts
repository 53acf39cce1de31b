import { CRYPTO_OPERATION_NAMES, OPERATION_NAMES } from "./audit-operations.js";
import { parseMilliseconds } from "./duration.js";

// Fault rules for the served emulator (issue 22, item 5; docs/emulator.md, "Fault injection"): which
// requests a rule matches and what it does to them. One rule is one line of `key=value` pairs separated
// by commas, the form `kvkey emulator start --fault` and `kvkey emulator fault set` take:
//
//   op=sign|verify,vault=demo,key=k1,rate=0.5,count=3,status=503,retry-after=1,delay=200ms
//   op=getKey,drop
//
// Matchers (all optional; a rule without any matches every request that reaches a vault's operation):
//   op      operation names, `|`-separated: REST names (createKey, getKey, sign, wrapKey, ...) or audit
//           names (KeyCreate, KeySign, ...), case-insensitive
//   vault   the key vault's or Managed HSM's name;   key  the key's name (case-insensitive)
//   rate    the chance a matching request is hit, 0..1 (default 1), drawn from the emulator's seeded
//           generator, so a run with the same seed and the same requests hits the same ones
//   count   how many requests the rule hits at most, then it is spent
// Effects (at least one):
//   status       answer this HTTP status (400-599; 429, 500 and 503 are Azure's transient ones) with the
//                service's error envelope
//   retry-after  seconds for the Retry-After header (default 1 with status 429 or 503, none otherwise;
//                `none` leaves it out)
//   delay        wait this long before answering (or before the operation runs): 250ms, 2s, 1m
//   drop         close the connection without a response (served); the in-process client gets a
//                connection reset

export interface FaultRule {
  /** Lower-case operation names; none: every operation. */
  ops?: string[];
  /** Lower-case vault or Managed HSM name. */
  vault?: string;
  /** Lower-case key name. */
  key?: string;
  /** 0..1. */
  rate: number;
  count?: number;
  status?: number;
  /** Seconds; null: no header. Undefined: the default for the status. */
  retryAfter?: number | null;
  delayMs?: number;
  drop?: boolean;
}

export class FaultRuleError extends Error {
  override readonly name = "FaultRuleError";
}

/** Every operation name a rule's `op` may use, lower case: REST names and audit names. */
export const FAULT_OPERATION_NAMES: ReadonlySet<string> = new Set(
  [...Object.keys(OPERATION_NAMES), ...Object.values(OPERATION_NAMES), ...Object.keys(CRYPTO_OPERATION_NAMES), ...Object.values(CRYPTO_OPERATION_NAMES)].map((n) =>
    n.toLowerCase(),
  ),
);

const KEYS = ["op", "vault", "key", "rate", "count", "status", "retry-after", "delay", "drop"] as const;
const MAX_DELAY_MS = 300_000;

export function parseFaultRule(text: string): FaultRule {
  const rule: FaultRule = { rate: 1 };
  const seen = new Set<string>();
  const parts = text.split(",").map((p) => p.trim());
  if (parts.every((p) => p === "")) throw new FaultRuleError("a fault rule is empty: give at least an effect, e.g. status=503");
  for (const part of parts) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? undefined : part.slice(eq + 1).trim();
    if (!(KEYS as readonly string[]).includes(name)) {
      throw new FaultRuleError(`'${name}' is not part of a fault rule; use ${KEYS.join(", ")}`);
    }
    if (seen.has(name)) throw new FaultRuleError(`'${name}' is given twice`);
    seen.add(name);
    if (name === "drop") {
      if (value !== undefined && value.toLowerCase() !== "true") throw new FaultRuleError("'drop' takes no value");
      rule.drop = true;
      continue;
    }
    if (value === undefined || value === "") throw new FaultRuleError(`'${name}' needs a value (${name}=...)`);
    switch (name) {
      case "op": {
        if (value === "*") break;
        const ops = value.split("|").map((o) => o.trim().toLowerCase());
        for (const op of ops) {
          if (!FAULT_OPERATION_NAMES.has(op)) {
            throw new FaultRuleError(`op: '${op}' is not an operation name; use REST names such as createKey, getKey, sign, wrapKey, or audit names such as KeySign`);
          }
        }
        rule.ops = [...new Set(ops)];
        break;
      }
      case "vault":
        rule.vault = value.toLowerCase();
        break;
      case "key":
        rule.key = value.toLowerCase();
        break;
      case "rate": {
        const rate = Number(value);
        if (!/^\d*\.?\d+$/.test(value) || !(rate >= 0 && rate <= 1)) throw new FaultRuleError(`rate: '${value}' is not a number from 0 to 1`);
        rule.rate = rate;
        break;
      }
      case "count":
        rule.count = wholeNumber("count", value, 1, Number.MAX_SAFE_INTEGER);
        break;
      case "status":
        rule.status = wholeNumber("status", value, 400, 599);
        break;
      case "retry-after":
        rule.retryAfter = value.toLowerCase() === "none" ? null : wholeNumber("retry-after", value, 0, 3_600);
        break;
      case "delay":
        rule.delayMs = delayMs(value);
        break;
    }
  }
  if (rule.status === undefined && rule.delayMs === undefined && !rule.drop) {
    throw new FaultRuleError("a fault rule needs an effect: status=..., delay=... or drop");
  }
  if (rule.drop && rule.status !== undefined) throw new FaultRuleError("'drop' and 'status' exclude each other: a dropped connection has no status");
  if (rule.retryAfter !== undefined && rule.status === undefined) throw new FaultRuleError("'retry-after' goes with a status");
  return rule;
}

/** The Retry-After a rule's answer carries, in seconds; undefined: none. */
export function faultRetryAfter(rule: FaultRule): number | undefined {
  if (rule.retryAfter === null) return undefined;
  if (rule.retryAfter !== undefined) return rule.retryAfter;
  return rule.status === 429 || rule.status === 503 ? 1 : undefined;
}

/** A rule in its canonical written form (what `kvkey emulator fault list` shows; parses back to the same rule). */
export function formatFaultRule(rule: FaultRule): string {
  const parts: string[] = [];
  if (rule.ops) parts.push(`op=${rule.ops.join("|")}`);
  if (rule.vault !== undefined) parts.push(`vault=${rule.vault}`);
  if (rule.key !== undefined) parts.push(`key=${rule.key}`);
  if (rule.rate !== 1) parts.push(`rate=${rule.rate}`);
  if (rule.count !== undefined) parts.push(`count=${rule.count}`);
  if (rule.status !== undefined) parts.push(`status=${rule.status}`);
  if (rule.retryAfter !== undefined) parts.push(`retry-after=${rule.retryAfter === null ? "none" : rule.retryAfter}`);
  if (rule.delayMs !== undefined) parts.push(`delay=${rule.delayMs}ms`);
  if (rule.drop) parts.push("drop");
  return parts.join(",");
}

/** What a request goes by, for matching: its operation's names (lower case), its vault's and key's names. */
export interface FaultTarget {
  ops: readonly string[];
  vault: string;
  key?: string;
}

export function faultMatches(rule: FaultRule, target: FaultTarget): boolean {
  if (rule.ops && !rule.ops.some((op) => target.ops.includes(op))) return false;
  if (rule.vault !== undefined && rule.vault !== target.vault.toLowerCase()) return false;
  if (rule.key !== undefined && rule.key !== target.key?.toLowerCase()) return false;
  return true;
}

/**
 * The seeded generator behind `rate`: draw number `index` of the sequence `seed` names, uniform in
 * [0, 1). A counter-based hash (not a stateful generator), so processes sharing the draw counter in the
 * database draw the same sequence.
 */
export function faultDraw(seed: number, index: number): number {
  let z = (Math.imul(seed | 0, 0x2545f491) + Math.imul(index + 1, 0x9e3779b9)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return (z >>> 0) / 4_294_967_296;
}

function wholeNumber(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new FaultRuleError(`${name}: '${value}' is not a whole number from ${min} to ${max}`);
  return n;
}

function delayMs(value: string): number {
  const ms = parseMilliseconds(value);
  if (ms === undefined) throw new FaultRuleError(`delay: '${value}' is not a duration such as 250ms, 2s or 1m`);
  if (ms > MAX_DELAY_MS) throw new FaultRuleError(`delay: '${value}' is longer than ${MAX_DELAY_MS / 60_000} minutes`);
  return ms;
}
