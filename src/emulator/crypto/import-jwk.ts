import { createECDH, createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import type { KeyFamily } from "../domain/key.js";
import { shown, VaultErrors } from "../domain/errors.js";
import { fromBase64Url } from "../../shared/base64url.js";
import { CURVE_INFO } from "./curves.js";
import { rsaModulusBytes, type PrivateMaterial } from "./material.js";
import { isCurveName } from "../domain/key.js";

type WireJwk = Record<string, unknown>;

function member(jwk: WireJwk, name: string, required: boolean): string | undefined {
  const value = jwk[name];
  if (value === undefined || value === null) {
    if (required) throw VaultErrors.badParameter(`The JSON Web Key is missing the required member '${name}'.`);
    return undefined;
  }
  if (typeof value !== "string" || fromBase64Url(value) === undefined) {
    throw VaultErrors.badParameter(`The JSON Web Key member '${name}' must be a base64url string.`);
  }
  // Re-encode so padding and other harmless variants are stored canonically.
  return fromBase64Url(value)!.toString("base64url");
}

/**
 * Validates a JSON Web Key sent to ImportKey and returns its private material. The checks are real:
 * the key is loaded by node:crypto and its public half compared with the members the caller sent,
 * so an inconsistent or public-only key is refused rather than stored.
 */
export function materialFromImportedJwk(jwk: WireJwk, family: KeyFamily): PrivateMaterial {
  switch (family) {
    case "RSA": {
      const names = ["n", "e", "d", "p", "q", "dp", "dq", "qi"] as const;
      if (jwk.d === undefined && jwk.p === undefined) {
        throw VaultErrors.badParameter("The RSA key to import has no private part (d, p, q, dp, dq, qi); Key Vault imports private keys only.");
      }
      const m = Object.fromEntries(names.map((n) => [n, member(jwk, n, true)!])) as Record<(typeof names)[number], string>;
      // The size first: the consistency check and OpenSSL's round trip grow with the cube of the size, and
      // an oversized key (a 16384-bit one took over a second) must be refused before either runs.
      const bits = rsaModulusBytes(m.n) * 8;
      if (bits < 2048 || bits > 4096) {
        throw VaultErrors.badParameter(`RSA keys of ${bits} bits cannot be imported; the size must be 2048, 3072 or 4096 bits.`);
      }
      try {
        // node:crypto loads any set of members, and signs with the CRT members only: a signature round trip
        // alone would accept a wrong `d`. The arithmetic check covers every member; the round trip proves
        // OpenSSL can use the key.
        if (!rsaMembersConsistent(m)) throw new Error("inconsistent");
        const priv = createPrivateKey({ key: { kty: "RSA", ...m }, format: "jwk" });
        const pub = createPublicKey({ key: { kty: "RSA", n: m.n, e: m.e }, format: "jwk" });
        const probe = Buffer.from("kvkey import check");
        if (!verify("sha256", probe, pub, sign("sha256", probe, priv))) throw new Error("inconsistent");
      } catch {
        throw VaultErrors.badParameter("The RSA key to import is not a valid private key: its members do not form a consistent key.");
      }
      return { family: "RSA", ...m };
    }
    case "EC": {
      const crv = jwk.crv;
      if (crv === undefined) throw VaultErrors.badParameter("The JSON Web Key is missing the required member 'crv'.");
      if (!isCurveName(crv)) throw VaultErrors.curveNotSupported(shown(crv));
      if (jwk.d === undefined) {
        throw VaultErrors.badParameter("The EC key to import has no private part (d); Key Vault imports private keys only.");
      }
      const x = member(jwk, "x", true)!;
      const y = member(jwk, "y", true)!;
      const d = member(jwk, "d", true)!;
      try {
        // node:crypto keeps the x and y it is given without checking them against d, so the public point
        // is recomputed from d (ECDH scalar multiplication) and compared.
        const info = CURVE_INFO[crv];
        const ecdh = createECDH(info.openssl);
        ecdh.setPrivateKey(Buffer.from(d, "base64url"));
        const point = ecdh.getPublicKey();
        const given = Buffer.concat([Buffer.of(0x04), Buffer.from(x, "base64url"), Buffer.from(y, "base64url")]);
        if (given.length !== 1 + 2 * info.coordinateBytes || !point.equals(given)) throw new Error("public point does not match d");
        createPrivateKey({ key: { kty: "EC", crv: info.nodeJwk, x, y, d }, format: "jwk" });
      } catch {
        throw VaultErrors.badParameter(`The EC key to import is not a valid private key on curve ${crv}.`);
      }
      return { family: "EC", crv, x, y, d };
    }
    case "oct": {
      const k = member(jwk, "k", true)!;
      const bits = Buffer.from(k, "base64url").length * 8;
      if (bits !== 128 && bits !== 192 && bits !== 256) {
        throw VaultErrors.badParameter(`Symmetric keys of ${bits} bits cannot be imported; the size must be 128, 192 or 256 bits.`);
      }
      return { family: "oct", k };
    }
  }
}

function bigint(base64url: string): bigint {
  const hex = Buffer.from(base64url, "base64url").toString("hex");
  return hex === "" ? 0n : BigInt(`0x${hex}`);
}

/** n = p*q, e*d = 1 mod (p-1) and (q-1), and the CRT members derived from d, p and q. */
function rsaMembersConsistent(m: Record<"n" | "e" | "d" | "p" | "q" | "dp" | "dq" | "qi", string>): boolean {
  const [n, e, d, p, q, dp, dq, qi] = [m.n, m.e, m.d, m.p, m.q, m.dp, m.dq, m.qi].map(bigint) as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  if (p <= 2n || q <= 2n || e < 3n || p * q !== n) return false;
  const p1 = p - 1n;
  const q1 = q - 1n;
  return (e * d) % p1 === 1n && (e * d) % q1 === 1n && dp === d % p1 && dq === d % q1 && (qi * q) % p === 1n;
}
