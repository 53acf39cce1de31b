import { openssl, scratchDir } from "./byok.js";

// Every key file `kvkey import --pem-file` is meant to read, made by the openssl command line at test
// time (never by kvkey's code, never committed). One RSA and one P-256 key underlie the encrypted and
// re-encoded variants, so each variant must yield the same public key as openssl's.

export const PASSWORD = "pässwörd secret";

export interface KeyFixtures {
  dir: string;
  path(name: string): string;
  cleanup(): void;
  /** PEM file name -> openssl's SubjectPublicKeyInfo of the key it holds. */
  publicPem: Record<string, string>;
}

export const RSA_VARIANTS = [
  "rsa-pkcs8.pem",
  "rsa-pkcs1.pem",
  "rsa-pkcs8-aes256.pem",
  "rsa-pkcs8-aes128.pem",
  "rsa-pkcs8-des3.pem",
  "rsa-legacy-aes256.pem",
  "rsa-legacy-des3.pem",
  "rsa-3072.pem",
] as const;
export const ENCRYPTED = new Set([
  "rsa-pkcs8-aes256.pem",
  "rsa-pkcs8-aes128.pem",
  "rsa-pkcs8-des3.pem",
  "rsa-legacy-aes256.pem",
  "rsa-legacy-des3.pem",
  "ec-p256-pkcs8-aes256.pem",
  "ec-p256-pkcs8-des3.pem",
  "ec-p256-legacy-aes256.pem",
  "rsa-pkcs8-scrypt.pem",
]);
export const EC_VARIANTS = [
  ["ec-p256-sec1.pem", "P-256"],
  ["ec-p256-pkcs8.pem", "P-256"],
  ["ec-p256-pkcs8-aes256.pem", "P-256"],
  ["ec-p256-pkcs8-des3.pem", "P-256"],
  ["ec-p256-legacy-aes256.pem", "P-256"],
  ["ec-p256k-pkcs8.pem", "P-256K"],
  ["ec-p256k-sec1.pem", "P-256K"],
  ["ec-p384-pkcs8.pem", "P-384"],
  ["ec-p521-pkcs8.pem", "P-521"],
] as const;

export function makeKeyFixtures(): KeyFixtures {
  const s = scratchDir("kvkey-pem-");
  const p = (name: string) => s.file(name);
  const pass = ["-passout", `pass:${PASSWORD}`];
  const run = (...args: string[]) => openssl(args);

  // RSA: one key, every encoding.
  run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", p("rsa-pkcs8.pem"));
  run("rsa", "-in", p("rsa-pkcs8.pem"), "-traditional", "-out", p("rsa-pkcs1.pem"));
  run("pkcs8", "-topk8", "-in", p("rsa-pkcs8.pem"), "-v2", "aes-256-cbc", ...pass, "-out", p("rsa-pkcs8-aes256.pem"));
  run("pkcs8", "-topk8", "-in", p("rsa-pkcs8.pem"), "-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1", ...pass, "-out", p("rsa-pkcs8-aes128.pem"));
  run("pkcs8", "-topk8", "-in", p("rsa-pkcs8.pem"), "-v2", "des3", ...pass, "-out", p("rsa-pkcs8-des3.pem"));
  run("pkcs8", "-topk8", "-in", p("rsa-pkcs8.pem"), "-scrypt", ...pass, "-out", p("rsa-pkcs8-scrypt.pem"));
  run("rsa", "-in", p("rsa-pkcs8.pem"), "-aes256", "-traditional", ...pass, "-out", p("rsa-legacy-aes256.pem"));
  run("rsa", "-in", p("rsa-pkcs8.pem"), "-des3", "-traditional", ...pass, "-out", p("rsa-legacy-des3.pem"));
  run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", "-out", p("rsa-3072.pem"));

  // EC: SEC1 as `openssl ecparam -genkey` writes it (with an EC PARAMETERS block first), PKCS#8, encrypted.
  run("ecparam", "-name", "prime256v1", "-genkey", "-out", p("ec-p256-sec1.pem"));
  run("pkcs8", "-topk8", "-nocrypt", "-in", p("ec-p256-sec1.pem"), "-out", p("ec-p256-pkcs8.pem"));
  run("pkcs8", "-topk8", "-in", p("ec-p256-sec1.pem"), "-v2", "aes-256-cbc", ...pass, "-out", p("ec-p256-pkcs8-aes256.pem"));
  run("pkcs8", "-topk8", "-in", p("ec-p256-sec1.pem"), "-v2", "des3", ...pass, "-out", p("ec-p256-pkcs8-des3.pem"));
  run("ec", "-in", p("ec-p256-sec1.pem"), "-aes256", ...pass, "-out", p("ec-p256-legacy-aes256.pem"));
  run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1", "-out", p("ec-p256k-pkcs8.pem"));
  run("ec", "-in", p("ec-p256k-pkcs8.pem"), "-out", p("ec-p256k-sec1.pem"));
  run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", p("ec-p384-pkcs8.pem"));
  run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521", "-out", p("ec-p521-pkcs8.pem"));

  // A certificate and its key in one file, the certificate first (as many tools write bundles).
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("bundle-key.pem"), "-out", p("bundle-cert.pem"), "-days", "1", "-subj", "/CN=kvkey test");
  s.file("bundle.pem", openssl(["x509", "-in", p("bundle-cert.pem")]).toString() + openssl(["pkey", "-in", p("bundle-key.pem")]).toString());

  // What cannot be imported.
  run("pkey", "-in", p("rsa-pkcs8.pem"), "-pubout", "-out", p("rsa-public.pem"));
  run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", p("rsa-1024.pem"));
  run("ecparam", "-name", "secp224r1", "-genkey", "-noout", "-out", p("ec-secp224r1.pem"));
  run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:brainpoolP256r1", "-out", p("ec-brainpool.pem"));
  run("genpkey", "-algorithm", "ed25519", "-out", p("ed25519.pem"));
  run("genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:1024", "-out", p("dsa-params.pem"));
  run("genpkey", "-paramfile", p("dsa-params.pem"), "-out", p("dsa.pem"));
  run("dsa", "-in", p("dsa.pem"), "-out", p("dsa-traditional.pem"));
  run("pkey", "-in", p("rsa-pkcs8.pem"), "-outform", "DER", "-out", p("rsa.der"));

  const publicPem: Record<string, string> = {};
  for (const name of [...RSA_VARIANTS, ...EC_VARIANTS.map(([n]) => n), "bundle-key.pem", "rsa-pkcs8-scrypt.pem"]) {
    const passin = ENCRYPTED.has(name) ? ["-passin", `pass:${PASSWORD}`] : [];
    publicPem[name] = openssl(["pkey", "-in", p(name), "-pubout", ...passin]).toString();
  }
  return { dir: s.dir, path: p, cleanup: s.cleanup, publicPem };
}
