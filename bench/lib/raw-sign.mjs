// The single-core raw signing rate of node:crypto, the baseline the served emulator is compared with.
// Usage: node bench/lib/raw-sign.mjs [milliseconds]  -> one JSON line { rs256, es256 } in signatures/s.
// RS256: crypto.sign("sha256", 32 bytes, RSA-2048 KeyObject); ES256: the same over a P-256 key (OpenSSL
// hashes and signs natively; the emulator must sign a caller's digest, which node:crypto cannot do).
import { createHash, generateKeyPairSync, sign } from "node:crypto";

const duration = Number(process.argv[2] ?? 3000);
const data = createHash("sha256").update("kvkey bench").digest();

function rate(key) {
  for (let i = 0; i < 100; i++) sign("sha256", data, key);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < duration) {
    sign("sha256", data, key);
    n++;
  }
  return (n * 1000) / (performance.now() - t0);
}

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
console.log(JSON.stringify({ rs256: rate(rsa), es256: rate(ec) }));
