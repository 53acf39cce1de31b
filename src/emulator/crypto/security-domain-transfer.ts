import { constants, createHash, createPrivateKey, publicEncrypt, privateDecrypt, randomBytes, X509Certificate } from "node:crypto";
import { VaultErrors } from "../domain/errors.js";

// Moving a Managed HSM's security domain between HSMs, in the shape of `az keyvault security-domain
// download|upload`: the domain key is split into N shares of which any M recover it (Shamir's secret
// sharing over GF(2^8), byte by byte), and each share is encrypted (RSA-OAEP-256) to one of the N
// "wrapping key" certificates, so no single key holder can restore the domain. az's limits are kept:
// 3 to 10 certificates, a quorum of 2 to 10 (and no more than the certificates), RSA keys of 2048 bits
// or more. Simplification: the file is the emulator's own JSON (the service's security-domain blob is
// an encrypted HSM backup that only an HSM can read, and uploading goes through an exchange key the HSM
// hands out); it carries the same information, the shares, for the same holders.

export const SECURITY_DOMAIN_FORMAT = "kvkey-security-domain";

export interface SecurityDomainFile {
  format: typeof SECURITY_DOMAIN_FORMAT;
  version: 1;
  /** The HSM it was downloaded from, for people reading the file. */
  hsm: string;
  /** The domain's public fingerprint: checked after the shares are combined. */
  domainId: string;
  required: number;
  shares: Array<{ x5t: string; "x5t#S256": string; alg: "RSA-OAEP-256"; index: number; value: string }>;
}

export interface WrappingKey {
  /** PEM private key (PKCS#8 or PKCS#1). */
  privateKeyPem: string;
  password?: string;
  /** PEM certificate of the same key pair (az wants it beside the key, as `{name}.cer`). */
  certificatePem: string;
}

// ---- GF(2^8) arithmetic (the AES field, x^8 + x^4 + x^3 + x + 1) -----------------------------------

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x ^= (x << 1) ^ (x & 0x80 ? 0x11b : 0); // multiply by 3 (the generator)
    x &= 0xff;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
}
const mul = (a: number, b: number) => (a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!);
const div = (a: number, b: number) => (a === 0 ? 0 : EXP[LOG[a]! + 255 - LOG[b]!]!);

/** N shares of `secret`, any `required` of which recover it; share i is the polynomials at x = i (1..N). */
export function splitSecret(secret: Buffer, count: number, required: number): Buffer[] {
  const shares = Array.from({ length: count }, () => Buffer.alloc(secret.length));
  for (let byte = 0; byte < secret.length; byte++) {
    const coefficients = [secret[byte]!, ...randomBytes(required - 1)];
    for (let s = 0; s < count; s++) {
      const x = s + 1;
      let y = 0;
      for (let c = coefficients.length - 1; c >= 0; c--) y = mul(y, x) ^ coefficients[c]!;
      shares[s]![byte] = y;
    }
  }
  return shares;
}

/** The secret from shares given as (x, bytes): Lagrange interpolation at 0. */
export function combineShares(shares: Array<{ x: number; value: Buffer }>): Buffer {
  const length = shares[0]!.value.length;
  const out = Buffer.alloc(length);
  for (let byte = 0; byte < length; byte++) {
    let sum = 0;
    for (let i = 0; i < shares.length; i++) {
      let basis = 1;
      for (let j = 0; j < shares.length; j++) {
        if (i === j) continue;
        basis = mul(basis, div(shares[j]!.x, shares[j]!.x ^ shares[i]!.x));
      }
      sum ^= mul(shares[i]!.value[byte]!, basis);
    }
    out[byte] = sum;
  }
  return out;
}

// ---- the file ----------------------------------------------------------------------------------------

const b64u = (b: Buffer) => b.toString("base64url");

function certificateOf(pem: string, what: string): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw VaultErrors.badParameter(`${what} is not a PEM X.509 certificate.`);
  }
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== "rsa" || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw VaultErrors.badParameter("Only RSA >= 2048 is supported.");
  }
  return cert;
}

function thumbprints(cert: X509Certificate): { x5t: string; s256: string } {
  return { x5t: b64u(createHash("sha1").update(cert.raw).digest()), s256: b64u(createHash("sha256").update(cert.raw).digest()) };
}

/** The security-domain file for a domain key, its shares encrypted to the given certificates. */
export function sealSecurityDomainFile(hsm: string, domainId: string, key: Buffer, certificates: readonly string[], required: number): SecurityDomainFile {
  if (certificates.length < 3 || certificates.length > 10) throw VaultErrors.badParameter("The number of wrapping keys (N) should be in range [3, 10].");
  if (!Number.isInteger(required) || required < 2 || required > 10) {
    throw VaultErrors.badParameter("The quorum of security domain (M) should be in range [2, 10].");
  }
  if (required > certificates.length) {
    throw VaultErrors.badParameter(`The quorum of security domain (M = ${required}) cannot exceed the number of wrapping keys (N = ${certificates.length}).`);
  }
  const certs = certificates.map((pem, i) => certificateOf(pem, `Wrapping key certificate ${i + 1}`));
  const shares = splitSecret(key, certs.length, required);
  return {
    format: SECURITY_DOMAIN_FORMAT,
    version: 1,
    hsm,
    domainId,
    required,
    shares: certs.map((cert, i) => {
      const { x5t, s256 } = thumbprints(cert);
      const value = publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, shares[i]!);
      return { x5t, "x5t#S256": s256, alg: "RSA-OAEP-256" as const, index: i + 1, value: b64u(value) };
    }),
  };
}

/** The domain key of a security-domain file, from at least `required` of its wrapping keys. */
export function openSecurityDomainFile(content: string, keys: readonly WrappingKey[]): { key: Buffer; domainId: string; required: number } {
  let file: SecurityDomainFile;
  try {
    file = JSON.parse(content) as SecurityDomainFile;
  } catch {
    throw VaultErrors.badParameter("The security domain file is not JSON.");
  }
  if (file?.format !== SECURITY_DOMAIN_FORMAT || file.version !== 1 || !Array.isArray(file.shares) || typeof file.required !== "number") {
    throw VaultErrors.badParameter("The security domain file was not written by `kvkey emulator security-domain download`.");
  }
  if (keys.length < file.required) {
    throw VaultErrors.badParameter(`Length of --sd-wrapping-keys list should not less than ${file.required} for decrypting this SD file.`);
  }
  const opened: Array<{ x: number; value: Buffer }> = [];
  for (const [i, wrapping] of keys.entries()) {
    const { s256 } = thumbprints(certificateOf(wrapping.certificatePem, `The certificate of wrapping key ${i + 1}`));
    const share = file.shares.find((s) => s["x5t#S256"] === s256);
    if (!share) throw VaultErrors.badParameter(`Wrapping key ${i + 1} holds no share of this security domain.`);
    let privateKey;
    try {
      privateKey = createPrivateKey({ key: wrapping.privateKeyPem, ...(wrapping.password !== undefined ? { passphrase: wrapping.password } : {}) });
    } catch {
      throw VaultErrors.badParameter(`Wrapping key ${i + 1} is not a PEM private key (or its password is wrong).`);
    }
    let value: Buffer;
    try {
      value = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, Buffer.from(share.value, "base64url"));
    } catch {
      throw VaultErrors.badParameter(`Wrapping key ${i + 1} does not open its share: the private key does not belong to its certificate.`);
    }
    if (!opened.some((o) => o.x === share.index)) opened.push({ x: share.index, value });
    if (opened.length === file.required) break;
  }
  if (opened.length < file.required) {
    throw VaultErrors.badParameter(`${opened.length} distinct shares were opened; this security domain needs ${file.required}.`);
  }
  return { key: combineShares(opened), domainId: file.domainId, required: file.required };
}
