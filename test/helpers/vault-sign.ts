import { createHash } from "node:crypto";
import { testVault } from "./emulator.js";
import { openssl, scratchDir } from "./byok.js";
import { rawToDer } from "../emulator/crypto/helpers.js";

// "A signature made in the vault verifies with openssl": the key the CLI imported into a data
// directory signs through the SDK (the emulator opened on the same directory, after the CLI closed it),
// and the openssl command line verifies the signature with the public key of the original file.

const ALG: Record<string, { alg: string; hash: string }> = {
  RSA: { alg: "RS256", hash: "sha256" },
  "P-256": { alg: "ES256", hash: "sha256" },
  "P-256K": { alg: "ES256K", hash: "sha256" },
  "P-384": { alg: "ES384", hash: "sha384" },
  "P-521": { alg: "ES512", hash: "sha512" },
};

/** Signs `data` with the key `kid` in the data directory `home`; true when openssl verifies it with `publicPem`. */
export async function vaultSignatureVerifiesWithOpenssl(home: string, kid: string, family: string, publicPem: string): Promise<boolean> {
  const { alg, hash } = ALG[family]!;
  const url = new URL(kid);
  const [, , name, version] = url.pathname.split("/");
  const vault = testVault({ dataDir: home, vaultUrl: url.origin });
  const s = scratchDir("kvkey-sig-");
  try {
    const data = Buffer.from(`signed in the vault by ${kid}`);
    const digest = createHash(hash).update(data).digest();
    const { result } = await vault.client.getCryptographyClient(name!, { keyVersion: version! }).sign(alg, digest);
    const signature = family === "RSA" ? Buffer.from(result) : rawToDer(result);
    const out = openssl(["dgst", `-${hash}`, "-verify", s.file("pub.pem", publicPem), "-signature", s.file("sig.bin", signature), s.file("data.bin", data)]);
    return out.toString().includes("Verified OK");
  } finally {
    vault.close();
    s.cleanup();
  }
}
