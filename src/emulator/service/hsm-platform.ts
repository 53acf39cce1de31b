import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from "node:crypto";
import { SealError, type SecurityDomain } from "../crypto/seal.js";
import { VaultErrors } from "../domain/errors.js";
import type { PlatformKeyStore } from "../store/platform-key-store.js";

// The emulated HSM platform's own keys and certificates, one set per data directory (in the database,
// sealed under the security domain). A root CA ("kvkey emulated HSM root") signs one certificate per
// purpose:
//   attestation-authority  signs attestation tokens: the emulator plays Microsoft Azure Attestation;
//   key-release            signs the answer of a secure key release (a JWS with x5c, as the service's);
//   key-attestation        signs key attestation statements (GET .../attestation), verifiable with openssl.
// They are made on first use (an RSA-2048 key and a certificate each), so an emulator that never releases
// or attests a key never pays for them. node-forge issues the certificates (node:crypto cannot).

export type PlatformPurpose = "attestation-authority" | "key-release" | "key-attestation";

export interface PlatformSigner {
  privateKey: KeyObject;
  /** PEM, leaf first, root last. */
  chainPem: string[];
  /** DER of the same certificates (x5c members are their standard base64). */
  chainDer: Buffer[];
  /** Upper-case hex SHA-1 thumbprint of the leaf (the `kid` the service puts in its JWS headers). */
  thumbprintHex: string;
  /** base64url SHA-1 and SHA-256 thumbprints (`x5t`, `x5t#S256`). */
  x5t: string;
  x5tS256: string;
}

const SUBJECTS: Record<PlatformPurpose | "root", string> = {
  root: "kvkey emulated HSM root",
  "attestation-authority": "kvkey local attestation authority",
  "key-release": "kvkey emulated HSM key release",
  "key-attestation": "kvkey emulated HSM key attestation",
};

const YEARS = 10;

// node-forge loads on first use only (as tls/local-ca.ts does).
type Forge = typeof import("node-forge");
let forgeModule: Forge | undefined;
async function loadForge(): Promise<Forge> {
  forgeModule ??= (await import("node-forge")).default;
  return forgeModule;
}
function forge(): Forge {
  if (!forgeModule) throw new Error("node-forge is not loaded yet");
  return forgeModule;
}

export class HsmPlatform {
  private readonly signers = new Map<string, PlatformSigner>();

  constructor(
    private readonly keys: PlatformKeyStore,
    private readonly domain: SecurityDomain,
  ) {}

  async signer(purpose: PlatformPurpose): Promise<PlatformSigner> {
    const cached = this.signers.get(purpose);
    if (cached) return cached;
    await loadForge();
    let row = this.keys.getSigningKey(purpose);
    if (!row) {
      const root = this.root();
      const leaf = issue(SUBJECTS[purpose], { keyPem: root.keyPem, certPem: root.chain[0]! });
      // First writer wins when two processes create it at once; both then use the stored one.
      this.keys.insertSigningKey(purpose, { material: this.seal(purpose, leaf.keyPem), chain: [leaf.certPem, ...root.chain].join("") });
      row = this.keys.getSigningKey(purpose)!;
    }
    const signer = toSigner(this.open(purpose, row.material), row.chain);
    this.signers.set(purpose, signer);
    return signer;
  }

  /** The root CA certificate (PEM): what a user trusts to verify attestations and tokens. */
  async rootPem(): Promise<string> {
    await loadForge();
    return this.root().chain[0]!;
  }

  private root(): { keyPem: string; chain: string[] } {
    let row = this.keys.getSigningKey("root");
    if (!row) {
      const root = issue(SUBJECTS.root);
      this.keys.insertSigningKey("root", { material: this.seal("root", root.keyPem), chain: root.certPem });
      row = this.keys.getSigningKey("root")!;
    }
    return { keyPem: this.open("root", row.material), chain: splitPem(row.chain) };
  }

  private seal(name: string, pem: string): Buffer {
    return this.domain.seal(Buffer.from(pem, "utf8"), `hsm-platform/${name}`);
  }

  private open(name: string, sealed: Buffer): string {
    try {
      return this.domain.open(sealed, `hsm-platform/${name}`).toString("utf8");
    } catch (err) {
      // The platform's keys live in the database sealed like key material: a replaced security domain
      // makes them unreadable too, and the caller gets the same 409 as for a key (errors.ts).
      if (err instanceof SealError) throw VaultErrors.securityDomainMismatch(`the emulated HSM platform's ${name} key`);
      throw err;
    }
  }
}

function splitPem(chain: string): string[] {
  return chain.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g)?.map((c) => (c.endsWith("\n") ? c : `${c}\n`)) ?? [];
}

function toSigner(keyPem: string, chain: string): PlatformSigner {
  const chainPem = splitPem(chain);
  const chainDer = chainPem.map((pem) => Buffer.from(new X509Certificate(pem).raw));
  const leaf = chainDer[0]!;
  return {
    privateKey: createPrivateKey(keyPem),
    chainPem,
    chainDer,
    thumbprintHex: createHash("sha1").update(leaf).digest("hex").toUpperCase(),
    x5t: createHash("sha1").update(leaf).digest("base64url"),
    x5tS256: createHash("sha256").update(leaf).digest("base64url"),
  };
}

/** A self-signed CA (no issuer given) or a leaf signed by the issuer, with a fresh RSA-2048 key. */
function issue(commonName: string, issuer?: { keyPem: string; certPem: string }): { keyPem: string; certPem: string } {
  const f = forge();
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const cert = f.pki.createCertificate();
  cert.publicKey = f.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  cert.serialNumber = `01${randomBytes(15).toString("hex")}`;
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + YEARS * 365 * 86_400_000);
  const subject = [
    { name: "commonName", value: commonName },
    { name: "organizationName", value: "kvkey" },
  ];
  cert.setSubject(subject);
  if (issuer) {
    cert.setIssuer(f.pki.certificateFromPem(issuer.certPem).subject.attributes);
    cert.setExtensions([
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "subjectKeyIdentifier" },
    ]);
    cert.sign(f.pki.privateKeyFromPem(issuer.keyPem), f.md.sha256.create());
  } else {
    cert.setIssuer(subject);
    cert.setExtensions([
      { name: "basicConstraints", cA: true, critical: true, pathLenConstraint: 0 },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
      { name: "subjectKeyIdentifier" },
    ]);
    cert.sign(f.pki.privateKeyFromPem(keyPem), f.md.sha256.create());
  }
  return { keyPem, certPem: f.pki.certificateToPem(cert).replace(/\r\n/g, "\n") };
}

/** node-forge, for modules that build CMS signed data with the platform's keys. */
export function nodeForge(): Promise<Forge> {
  return loadForge();
}
