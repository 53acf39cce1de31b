import { generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureDirectory, tightenMode } from "../../shared/files.js";

// The served emulator's TLS: a local CA, created once per data directory, and a server certificate it
// signs for localhost, *.vault.localhost, *.managedhsm.localhost and the loopback addresses. Clients
// trust the CA file (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, SSL_CERT_FILE or a trust store); nobody
// has to switch verification off. node:crypto cannot issue X.509 certificates, so node-forge does that
// part (loaded only here); the keys themselves come from OpenSSL.

export const TLS_DIR = "tls";
export const CA_FILE = "ca.pem";

export interface TlsMaterial {
  caPath: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

const CA_DAYS = 3650;
const SERVER_DAYS = 825;

export const SERVER_NAMES = ["localhost", "*.vault.localhost", "*.managedhsm.localhost", "vault.localhost", "managedhsm.localhost"];
export const SERVER_IPS = ["127.0.0.1", "::1"];

function newRsaKey(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

function writePrivate(path: string, content: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/** Loads the CA and server certificate from the data directory, creating what is missing. */
export async function ensureTlsMaterial(dataDir: string): Promise<TlsMaterial> {
  const dir = join(dataDir, TLS_DIR);
  ensureDirectory(dir, 0o700, "the TLS folder");
  const paths = {
    ca: join(dir, CA_FILE),
    caKey: join(dir, "ca-key.pem"),
    cert: join(dir, "server.pem"),
    key: join(dir, "server-key.pem"),
  };
  // Existing material made looser than kvkey writes it (the private keys are 0600, the folder 0700).
  tightenMode(dir, 0o700);
  tightenMode(paths.caKey, 0o600);
  tightenMode(paths.key, 0o600);
  // The certificates are public, but clients are told to trust ca.pem: nobody else may write them.
  tightenMode(paths.ca, 0o644);
  tightenMode(paths.cert, 0o644);
  refuseWritableByOthers([dir, paths.ca, paths.caKey, paths.cert, paths.key]);
  if (!existsSync(paths.ca) || !existsSync(paths.caKey)) {
    const ca = await issueCa();
    writePrivate(paths.caKey, ca.keyPem);
    writeFileSync(paths.ca, ca.certPem, { mode: 0o644 });
    // A new CA invalidates any old server certificate.
    const server = await issueServerCertificate(ca.certPem, ca.keyPem);
    writePrivate(paths.key, server.keyPem);
    writeFileSync(paths.cert, server.certPem, { mode: 0o644 });
  } else if (!existsSync(paths.cert) || !existsSync(paths.key)) {
    const server = await issueServerCertificate(readFileSync(paths.ca, "utf8"), readFileSync(paths.caKey, "utf8"));
    writePrivate(paths.key, server.keyPem);
    writeFileSync(paths.cert, server.certPem, { mode: 0o644 });
  }
  return {
    caPath: paths.ca,
    caPem: readFileSync(paths.ca, "utf8"),
    certPem: readFileSync(paths.cert, "utf8"),
    keyPem: readFileSync(paths.key, "utf8"),
  };
}

/**
 * Whoever can write ca.pem or the keys can make every client of the emulator trust their server. Modes
 * are tightened above; a file whose mode kvkey cannot change (another owner) is refused, not used.
 */
function refuseWritableByOthers(paths: string[]): void {
  for (const path of paths) {
    let mode: number;
    try {
      mode = statSync(path).mode & 0o777;
    } catch {
      continue; // not made yet
    }
    if ((mode & 0o022) !== 0) {
      throw new Error(
        `${path} is writable by other users (mode 0${mode.toString(8)}) and kvkey cannot change its mode: clients are told to trust ` +
          "this CA, so the emulator does not serve with it. Remove group and other write permission (chmod go-w), or delete the tls folder to have a new CA made.",
      );
    }
  }
}

/** TLS material that lives only in memory (for `--in-memory` and tests). */
export async function ephemeralTlsMaterial(): Promise<Omit<TlsMaterial, "caPath">> {
  const ca = await issueCa();
  const server = await issueServerCertificate(ca.certPem, ca.keyPem);
  return { caPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem };
}

async function issueCa(): Promise<{ certPem: string; keyPem: string }> {
  const { default: forge } = await import("node-forge");
  const key = newRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(key.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + CA_DAYS * 86_400_000);
  const subject = [
    { name: "commonName", value: "kvkey local emulator CA" },
    { name: "organizationName", value: "kvkey" },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true, pathLenConstraint: 0 },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(key.privatePem), forge.md.sha256.create());
  return { certPem: unixLines(forge.pki.certificateToPem(cert)), keyPem: key.privatePem };
}

/** node-forge writes PEM with CRLF; every other tool (and diff) expects LF. */
function unixLines(pem: string): string {
  return pem.replace(/\r\n/g, "\n");
}

async function issueServerCertificate(caCertPem: string, caKeyPem: string): Promise<{ certPem: string; keyPem: string }> {
  const { default: forge } = await import("node-forge");
  const caCert = forge.pki.certificateFromPem(caCertPem);
  const key = newRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(key.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + SERVER_DAYS * 86_400_000);
  cert.setSubject([{ name: "commonName", value: "localhost" }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [...SERVER_NAMES.map((value) => ({ type: 2, value })), ...SERVER_IPS.map((ip) => ({ type: 7, ip }))],
    },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(caKeyPem), forge.md.sha256.create());
  return { certPem: unixLines(forge.pki.certificateToPem(cert)), keyPem: key.privatePem };
}

/** A positive 16-byte serial number in hex (the high bit cleared so DER keeps it positive). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString("hex");
}
