import { createHmac, timingSafeEqual } from "node:crypto";
import type { HashName } from "./algorithms.js";

// HS256/384/512 on oct-HSM keys: an RFC 2104 HMAC of the request's value with the key. Unlike the
// asymmetric algorithms there is no digest-length rule: the value is MAC'd as given (if a caller
// sends a digest, the MAC is over that digest, and verify must be given the same bytes).

export function hmacSign(key: Buffer, hash: HashName, value: Buffer): Buffer {
  return createHmac(hash, key).update(value).digest();
}

export function hmacVerify(key: Buffer, hash: HashName, value: Buffer, signature: Buffer): boolean {
  const expected = hmacSign(key, hash, value);
  return signature.length === expected.length && timingSafeEqual(signature, expected);
}
