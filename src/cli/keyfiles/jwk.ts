import { createPublicKey, type KeyObject } from "node:crypto";
import { KeyFileError, KEY_VAULT_CURVES, type KeyVaultCurve, type LocalKey } from "./key.js";

// JSON Web Keys from local files (RFC 7517): the private keys `kvkey import --jwk-file` takes (RSA, EC,
// and oct for Managed HSMs), and the public key exchange key `kvkey byok-blob --kek-file` may take as
// JSON (a JWK, or `kvkey show` output whose key.kid names the KEK).

export interface JwkFile {
  key: LocalKey;
  /** The kty as written (RSA-HSM, EC-HSM, oct-HSM ask for an HSM key). */
  hsm: boolean;
  keyOps?: string[];
}

/** base64url (RFC 7515) or standard base64: az prints key members in the latter. */
const B64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function parseJson(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    throw new KeyFileError(`the ${what} is not valid JSON: ${jsonProblem(err as Error, text)}.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new KeyFileError(`the ${what} must hold a JSON object.`);
  return value as Record<string, unknown>;
}

/**
 * JSON.parse's complaint without the text it quotes: V8 cites up to ten characters around the error
 * ("Unexpected token 'S', ...":"SECRETSECR"... is not valid JSON"), which in a private JWK is key material.
 * Keeps what kind of error it is and, when V8 gives the position, its line and column.
 */
export function jsonProblem(err: Error, text: string): string {
  const message = err.message;
  const source = text.replace(/^\uFEFF/, "");
  const position = errorPosition(message, source);
  const where = position === undefined ? "" : ` at ${lineAndColumn(source, position)}`;
  if (/^Unexpected end of JSON input/.test(message)) return "it ends early (is the file truncated?)";
  if (/^Unexpected token/.test(message)) return `an unexpected character${where}`;
  if (/^Unterminated string/.test(message)) return `a string is not closed${where}`;
  if (/^Bad control character/.test(message)) return `a control character inside a string${where}`;
  if (/^Bad escaped character/.test(message)) return `a bad escape sequence inside a string${where}`;
  if (/^(Expected|Unexpected non-whitespace|Exponent part|No number after)/.test(message)) {
    // V8's wording for these quotes nothing: "Expected ',' or '}' after property value in JSON at position 38".
    return `${message.replace(/ (in JSON )?at position \d+.*$/s, "").replace(/^./, (c) => c.toLowerCase())}${where}`;
  }
  return `a syntax error${where}`;
}

/** Where the error is: "at position N" when V8 says it; else found from the context V8 quotes (10 characters each side). */
function errorPosition(message: string, text: string): number | undefined {
  const at = /\bat position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  const quoted = /^Unexpected token '(.)', (\.\.\.)?"([\s\S]*?)"(\.\.\.)? is not valid JSON$/.exec(message);
  if (!quoted) return undefined;
  const [, token, before, context, after] = quoted;
  const start = text.indexOf(context!);
  if (start === -1) return undefined;
  if (before) return start + 10;
  if (after) return start + context!.length - 10;
  const found = context!.indexOf(token!);
  return found === -1 ? undefined : start + found;
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  return `line ${line}, column ${position - before.lastIndexOf("\n")}`;
}

function member(jwk: Record<string, unknown>, name: string): Buffer | undefined {
  const value = jwk[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !B64.test(value) || value.replace(/=+$/, "").length % 4 === 1) {
    throw new KeyFileError(`the JWK member '${name}' must be a base64url string.`);
  }
  return Buffer.from(value.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

function required(jwk: Record<string, unknown>, names: readonly string[], kty: string): Buffer[] {
  const missing = names.filter((n) => jwk[n] === undefined || jwk[n] === null);
  if (missing.length > 0) throw new KeyFileError(`the ${kty} JWK is missing ${missing.map((m) => `'${m}'`).join(", ")}.`);
  return names.map((n) => member(jwk, n)!);
}

function curveOf(crv: unknown): KeyVaultCurve {
  if (crv === "secp256k1") return "P-256K";
  if (typeof crv === "string" && (KEY_VAULT_CURVES as readonly string[]).includes(crv)) return crv as KeyVaultCurve;
  throw new KeyFileError(`Unsupported curve, ${crv === undefined ? "(no 'crv' member)" : String(crv)}.`);
}

/** A private JWK (RSA, EC or oct, with or without -HSM). Public-only keys are refused with their own message. */
export function privateKeyFromJwk(text: string): JwkFile {
  const jwk = parseJson(text, "JWK file");
  const kty = jwk.kty;
  if (typeof kty !== "string") throw new KeyFileError("the JWK has no 'kty' member (RSA, EC or oct).");
  const base = kty.replace(/-HSM$/, "");
  const publicOnly = () =>
    new KeyFileError(`the JWK holds a public key only (no '${base === "oct" ? "k" : "d"}'); importing a key needs its private key.`);
  let key: LocalKey;
  if (base === "RSA") {
    if (jwk.d === undefined) throw publicOnly();
    const [n, e, d, p, q, dp, dq, qi] = required(jwk, ["n", "e", "d", "p", "q", "dp", "dq", "qi"], "RSA");
    key = { kty: "RSA", n: n!, e: e!, d: d!, p: p!, q: q!, dp: dp!, dq: dq!, qi: qi! };
  } else if (base === "EC") {
    const crv = curveOf(jwk.crv);
    if (jwk.d === undefined) throw publicOnly();
    const [x, y, d] = required(jwk, ["x", "y", "d"], "EC");
    key = { kty: "EC", crv, x: x!, y: y!, d: d! };
  } else if (base === "oct") {
    if (jwk.k === undefined) throw publicOnly();
    key = { kty: "oct", k: member(jwk, "k")! };
  } else {
    throw new KeyFileError(`Unsupported key type, ${kty}.`);
  }
  const out: JwkFile = { key, hsm: kty.endsWith("-HSM") };
  const ops = jwk.key_ops;
  if (ops !== undefined && ops !== null) {
    if (!Array.isArray(ops) || ops.some((op) => typeof op !== "string")) throw new KeyFileError("the JWK member 'key_ops' must be a list of strings.");
    out.keyOps = ops as string[];
  }
  return out;
}

/**
 * A key exchange key's public key from JSON: a JWK ({kty, n, e[, kid]}), or `kvkey show` / `az keyvault
 * key show` output ({key: {kid, n, e, ...}}). Returns the key and the kid when the JSON names one.
 */
export function publicKeyFromJson(text: string): { key: KeyObject; kid?: string } {
  const outer = parseJson(text, "key exchange key file");
  const jwk = typeof outer.key === "object" && outer.key !== null && !Array.isArray(outer.key) ? (outer.key as Record<string, unknown>) : outer;
  const kty = typeof jwk.kty === "string" ? jwk.kty.replace(/-HSM$/, "") : undefined;
  if (kty !== undefined && kty !== "RSA") throw new KeyFileError(`a key exchange key is an RSA key; this one is ${String(jwk.kty)}.`);
  const [n, e] = required(jwk, ["n", "e"], "RSA");
  const key = createPublicKey({ key: { kty: "RSA", n: n!.toString("base64url"), e: e!.toString("base64url") }, format: "jwk" });
  return typeof jwk.kid === "string" ? { key, kid: jwk.kid } : { key };
}
