import type { CurveName } from "../domain/key.js";

// Key Vault's curve names against OpenSSL's and the JWK names node:crypto emits.
interface CurveInfo {
  openssl: string;
  nodeJwk: string;
  /** Bytes in one coordinate (and in each half of a raw r||s signature). */
  coordinateBytes: number;
}

export const CURVE_INFO: Record<CurveName, CurveInfo> = {
  "P-256": { openssl: "prime256v1", nodeJwk: "P-256", coordinateBytes: 32 },
  "P-256K": { openssl: "secp256k1", nodeJwk: "secp256k1", coordinateBytes: 32 },
  "P-384": { openssl: "secp384r1", nodeJwk: "P-384", coordinateBytes: 48 },
  "P-521": { openssl: "secp521r1", nodeJwk: "P-521", coordinateBytes: 66 },
};

export function curveFromNodeJwk(crv: string): CurveName | undefined {
  for (const [name, info] of Object.entries(CURVE_INFO)) {
    if (info.nodeJwk === crv || name === crv) return name as CurveName;
  }
  return undefined;
}
