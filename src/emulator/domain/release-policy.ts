import { VaultErrors } from "./errors.js";
import { trimTrailing } from "../../shared/base64url.js";

// Secure key release policies (Key Vault's "SKR policy grammar", version 1.0.0):
//
//   { "version": "1.0.0",
//     "anyOf" | "allOf": [                         // authority blocks
//        { "authority": "https://...",             // the attestation service that must have issued the token
//          "anyOf" | "allOf": [ condition, ... ] } ] }
//   condition = { "claim": "a.b.c", "equals": value } | { "anyOf" | "allOf": [ condition, ... ] }
//
// A claim name with dots is a path into the token's nested claims (x-ms-isolation-tee.x-ms-compliance-status).
// `equals` compares the claim's value with the expected one as text, so `true` matches "true" (the service
// released keys to tokens whose claim was the boolean true under a policy saying "true"). The early
// preview spelling {claim, condition: "equals", value} is accepted too.

export type ClaimCondition =
  | { claim: string; equals: unknown }
  | { anyOf: ClaimCondition[] }
  | { allOf: ClaimCondition[] };

export interface AuthorityBlock {
  authority: string;
  mode: "anyOf" | "allOf";
  conditions: ClaimCondition[];
}

export interface ReleasePolicyDocument {
  version: string;
  mode: "anyOf" | "allOf";
  authorities: AuthorityBlock[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(detail: string) {
  return VaultErrors.badParameter(`Key Release Policy: ${detail}`);
}

function listMode(obj: Json, where: string): { mode: "anyOf" | "allOf"; items: unknown[] } {
  const hasAny = obj.anyOf !== undefined;
  const hasAll = obj.allOf !== undefined;
  if (hasAny === hasAll) throw invalid(`${where} must have exactly one of 'anyOf' and 'allOf'.`);
  const mode = hasAny ? "anyOf" : "allOf";
  const items = obj[mode];
  // An empty list is accepted (and can never be satisfied: nothing is released under it).
  if (!Array.isArray(items)) throw invalid(`'${mode}' in ${where} must be an array.`);
  return { mode, items };
}

function condition(value: unknown, where: string): ClaimCondition {
  if (!isObject(value)) throw invalid(`${where} must be an object.`);
  if (value.claim !== undefined) {
    if (typeof value.claim !== "string" || value.claim === "") throw invalid(`'claim' in ${where} must be a non-empty string.`);
    if (value.equals !== undefined) return { claim: value.claim, equals: value.equals };
    if (value.condition === "equals" && value.value !== undefined) return { claim: value.claim, equals: value.value };
    throw invalid(`${where} (claim '${value.claim}') must have an 'equals' value.`);
  }
  const { mode, items } = listMode(value, where);
  const conditions = items.map((c, i) => condition(c, `${where}.${mode}[${i}]`));
  return mode === "anyOf" ? { anyOf: conditions } : { allOf: conditions };
}

/** Deeper policies are refused: conditions are parsed and evaluated recursively. */
export const MAX_POLICY_DEPTH = 32;

/** Whether a JSON value nests deeper than `limit` (arrays and objects), found without recursion. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== "object" || current === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Parses and checks a release policy document (the decoded `release_policy.data`). The missing-version
 * message is the service's (Managed HSM); the others are the emulator's own.
 */
export function parseReleasePolicyDocument(document: unknown): ReleasePolicyDocument {
  if (!isObject(document)) throw invalid("the policy must be a JSON object.");
  // Checked first: condition() and the evaluation recurse, and a deep enough document would overflow the stack.
  if (nestsDeeperThan(document, MAX_POLICY_DEPTH)) throw invalid(`the policy nests deeper than ${MAX_POLICY_DEPTH} levels.`);
  if (document.version === undefined) throw invalid("missing 'version' property");
  if (typeof document.version !== "string") throw invalid("'version' must be a string such as \"1.0.0\".");
  const { mode, items } = listMode(document, "the policy");
  const authorities = items.map((block, i): AuthorityBlock => {
    const where = `${mode}[${i}]`;
    if (!isObject(block)) throw invalid(`${where} must be an object.`);
    if (typeof block.authority !== "string" || block.authority === "") throw invalid(`${where} must name its 'authority' (the attestation service's URL).`);
    const inner = listMode(block, where);
    return { authority: block.authority, mode: inner.mode, conditions: inner.items.map((c, j) => condition(c, `${where}.${inner.mode}[${j}]`)) };
  });
  return { version: document.version, mode, authorities };
}

/** A claim by name: the literal member first, then the dotted path through nested objects. */
export function claimValue(claims: Json, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let current: unknown = claims;
  for (const part of name.split(".")) {
    if (!isObject(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

function asText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function holds(c: ClaimCondition, claims: Json): boolean {
  if ("claim" in c) {
    const actual = asText(claimValue(claims, c.claim));
    const expected = asText(c.equals);
    if (actual !== undefined && expected !== undefined) return actual === expected;
    return JSON.stringify(claimValue(claims, c.claim)) === JSON.stringify(c.equals);
  }
  return "anyOf" in c ? c.anyOf.some((x) => holds(x, claims)) : c.allOf.every((x) => holds(x, claims));
}

/** Authority URLs compare without a trailing slash and case-insensitively in scheme and host. */
export function sameAuthority(a: string, b: string): boolean {
  const norm = (s: string) => {
    try {
      const u = new URL(s);
      return `${u.protocol}//${u.host}${trimTrailing(u.pathname, "/")}`.toLowerCase();
    } catch {
      return trimTrailing(s, "/").toLowerCase();
    }
  };
  return norm(a) === norm(b);
}

/**
 * Whether a verified token from `issuer` satisfies the policy. Only the authority blocks of that issuer
 * can be satisfied by it; under a top-level allOf every block must be (which one token can do only when
 * all blocks name its issuer).
 */
export function policySatisfied(policy: ReleasePolicyDocument, issuer: string, claims: Json): boolean {
  const results = policy.authorities.map((block) => {
    if (!sameAuthority(block.authority, issuer)) return false;
    return block.mode === "anyOf" ? block.conditions.some((c) => holds(c, claims)) : block.conditions.every((c) => holds(c, claims));
  });
  return policy.mode === "anyOf" ? results.some(Boolean) : results.every(Boolean);
}

/** Whether any authority block of the policy names this issuer. */
export function namesAuthority(policy: ReleasePolicyDocument, issuer: string): boolean {
  return policy.authorities.some((b) => sameAuthority(b.authority, issuer));
}
