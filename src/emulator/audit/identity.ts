import type { TokenState } from "./audit-store.js";
import { readUnverifiedClaims } from "../../shared/jwt.js";

// Who called, for the audit log: the identifying claims of the bearer token (AuditEvent
// `identity.claim`). A token this emulator issued is verified with its signing key; any other token
// (accepted in `--auth any` mode) is only read, and the record says so (tokenVerified: false). The token
// itself is never stored, only these claims.

const IDENTITY_CLAIMS = ["oid", "sub", "tid", "appid", "azp", "upn", "unique_name", "idtyp"] as const;
const MAX_CLAIM_LENGTH = 256;
const CACHE_SIZE = 256;
const CACHE_TTL_MS = 60_000;

export interface CallerIdentity {
  /** JSON of the claims kept; null without a token. */
  claims: string | null;
  token: TokenState;
}

const NO_TOKEN: CallerIdentity = { claims: null, token: null };

export class IdentityReader {
  /** SDKs send the same token for an hour: one signature check per token and minute, not per request. */
  private readonly cache = new Map<string, { identity: CallerIdentity; at: number }>();

  /** `verify` returns the claims of a token this emulator issued (signature and expiry checked), else undefined. */
  constructor(private readonly verify: (token: string) => object | undefined) {}

  read(token: string | undefined): CallerIdentity {
    if (token === undefined) return NO_TOKEN;
    const now = Date.now();
    const cached = this.cache.get(token);
    if (cached && now - cached.at < CACHE_TTL_MS) return cached.identity;
    const verified = this.verify(token);
    const identity: CallerIdentity = verified
      ? { claims: JSON.stringify(pick(verified as Record<string, unknown>)), token: "verified" }
      : { claims: JSON.stringify(pick(readUnverifiedClaims(token))), token: "unverified" };
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(token, { identity, at: now });
    return identity;
  }
}

function pick(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of IDENTITY_CLAIMS) {
    const value = claims[name];
    if (typeof value === "string" && value !== "") out[name] = value.slice(0, MAX_CLAIM_LENGTH);
  }
  return out;
}
