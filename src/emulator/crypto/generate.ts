import { generateKeyPair, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import type { CurveName, KeyFamily } from "../domain/key.js";
import { CURVE_INFO } from "./curves.js";
import { materialFromNodeJwk, type PrivateMaterial } from "./material.js";

const generateKeyPairAsync = promisify(generateKeyPair);

export type KeySpec =
  | { family: "RSA"; size: number; publicExponent: number }
  | { family: "EC"; curve: CurveName }
  | { family: "oct"; size: number };

/**
 * Generates new key material. RSA generation runs on libuv's thread pool (node's async API), so a
 * 4096-bit key, which takes about a second, does not stall a served emulator's other requests.
 */
export async function generateKeyMaterial(spec: KeySpec): Promise<PrivateMaterial> {
  switch (spec.family) {
    case "RSA": {
      const { privateKey } = await generateKeyPairAsync("rsa", {
        modulusLength: spec.size,
        publicExponent: spec.publicExponent,
      });
      return materialFromNodeJwk(privateKey.export({ format: "jwk" }));
    }
    case "EC": {
      const { privateKey } = await generateKeyPairAsync("ec", { namedCurve: CURVE_INFO[spec.curve].openssl });
      return materialFromNodeJwk(privateKey.export({ format: "jwk" }));
    }
    case "oct":
      return { family: "oct", k: randomBytes(spec.size / 8).toString("base64url") };
  }
}

export function familyOfSpec(spec: KeySpec): KeyFamily {
  return spec.family;
}
