import { sign, verify, type KeyObject } from "node:crypto";
import { fromBase64Url } from "../../shared/base64url.js";

// Compact JWS with RS256 (RFC 7515/7518): the attestation tokens the emulator issues and checks, and
// the signed answer of a secure key release.

type Json = Record<string, unknown>;

export interface DecodedJws {
  header: Json;
  payload: Json;
  /** `base64url(header).base64url(payload)`: the bytes the signature covers. */
  signingInput: string;
  signature: Buffer;
}

const b64u = (value: unknown) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");

export function signRs256(header: Json, payload: Json, key: KeyObject): string {
  const input = `${b64u({ ...header, alg: "RS256" })}.${b64u(payload)}`;
  return `${input}.${sign("sha256", Buffer.from(input, "ascii"), key).toString("base64url")}`;
}

/** The parts of a compact JWS whose header and payload are JSON objects; undefined for anything else. */
export function decodeJws(token: string): DecodedJws | undefined {
  const parts = token.trim().split(".");
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  const json = (part: string): Json | undefined => {
    const bytes = fromBase64Url(part);
    if (!bytes) return undefined;
    try {
      const value: unknown = JSON.parse(bytes.toString("utf8"));
      return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
    } catch {
      return undefined;
    }
  };
  const header = json(h);
  const payload = json(p);
  const signature = fromBase64Url(s);
  if (!header || !payload || !signature) return undefined;
  return { header, payload, signingInput: `${h}.${p}`, signature };
}

export function verifyRs256(jws: DecodedJws, key: KeyObject): boolean {
  if (jws.header.alg !== "RS256") return false;
  try {
    return verify("sha256", Buffer.from(jws.signingInput, "ascii"), key, jws.signature);
  } catch {
    return false;
  }
}
