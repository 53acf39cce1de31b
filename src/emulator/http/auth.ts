import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { Addressed } from "./host.js";
import { challengeResource } from "./host.js";

export { readUnverifiedClaims } from "../../shared/jwt.js";

// Bearer tokens for the emulator. They are JWT-shaped (HS256) so any client can carry them and the
// emulator can tell who called; the signing key is derived from the security domain, so a token is
// good only for the data directory that issued it. Expiry follows the wall clock, not the emulator
// clock: shifting emulator time must not invalidate tokens an SDK has cached.

export const LOCAL_TENANT_ID = "00000000-0000-0000-0000-00000000cafe";
const ISSUER = `https://login.microsoftonline.com/${LOCAL_TENANT_ID}/v2.0`;
const TOKEN_LIFETIME_S = 3600;
/** The `oid` of kvkey's own tokens (the CLI's principal): what `--administrators` defaults to. */
export const LOCAL_PRINCIPAL_ID = "00000000-0000-0000-0000-000000000001";

export interface IssuedToken {
  token: string;
  /** Milliseconds since the epoch, as @azure/core-auth's AccessToken wants it. */
  expiresOnTimestamp: number;
}

export interface TokenClaims {
  sub: string;
  oid: string;
  aud: string;
  exp: number;
  iat: number;
}

/**
 * Which bearer tokens the emulator accepts. `strict`: only tokens it issued, unexpired, for the
 * resource the challenge names. `any`: every bearer token, as other emulators do, so an app holding a
 * token from anywhere (even real Entra) can talk to it.
 */
export type AuthMode = "strict" | "any";

export class TokenAuthority {
  constructor(private readonly key: Buffer) {}

  /**
   * A token for `subject`; its `oid` (the principal RBAC checks) is `oid` when given, the local CLI's
   * fixed id for "local", and a fresh one otherwise.
   */
  issue(subject = "local", audience = "https://vault.localhost", oid?: string): IssuedToken {
    const now = Math.floor(Date.now() / 1000);
    const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
    const claims = {
      aud: audience,
      iss: ISSUER,
      tid: LOCAL_TENANT_ID,
      sub: subject,
      oid: oid ?? (subject === "local" ? LOCAL_PRINCIPAL_ID : randomUUID()),
      iat: now,
      nbf: now - 60,
      exp: now + TOKEN_LIFETIME_S,
    };
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const signature = this.sign(`${header}.${payload}`);
    return { token: `${header}.${payload}.${signature}`, expiresOnTimestamp: claims.exp * 1000 };
  }

  /**
   * The claims of a token this authority issued, unexpired and (when given) for the audience;
   * undefined otherwise.
   */
  verify(token: string, audience?: string): TokenClaims | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    const expected = Buffer.from(this.sign(`${parts[0]}.${parts[1]}`));
    const given = Buffer.from(parts[2]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as TokenClaims;
      if (typeof claims.exp !== "number" || claims.exp * 1000 < Date.now()) return undefined;
      if (audience !== undefined && claims.aud !== audience) return undefined;
      return claims;
    } catch {
      return undefined;
    }
  }

  private sign(input: string): string {
    return createHmac("sha256", this.key).update(input).digest("base64url");
  }
}

/** The 401 challenge every SDK expects before it sends a token (and the body) for real. */
export function challengeHeader(addressed: Addressed): string {
  return `Bearer authorization="https://login.microsoftonline.com/${LOCAL_TENANT_ID}", resource="${challengeResource(addressed)}"`;
}

export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}
