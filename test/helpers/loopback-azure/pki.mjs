// A throw-away certificate authority and one server certificate signed by it, for a loopback "Azure":
// clients trust the CA (NODE_EXTRA_CA_CERTS for kvkey, REQUESTS_CA_BUNDLE for az) and never switch
// verification off. Keys come from node:crypto; node-forge writes the X.509 parts.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import forge from "node-forge";

export const AZURE_NAMES = [
  "*.vault.azure.net",
  "vault.azure.net",
  "*.managedhsm.azure.net",
  "managedhsm.azure.net",
  "login.microsoftonline.com",
  "management.azure.com",
  "localhost",
];

function rsaKey() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

function serial() {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString("hex");
}

const lf = (pem) => pem.replace(/\r\n/g, "\n");

/** A certificate for `publicPem`, valid from an hour ago for 30 days, signed by `signer`. */
function certificate(publicPem, subject, issuer, extensions, signer) {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 3_600_000);
  cert.validity.notAfter = new Date(Date.now() + 30 * 86_400_000);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  cert.setExtensions(extensions);
  cert.sign(signer, forge.md.sha256.create());
  return cert;
}

/** { caPem, certPem, keyPem } for the given DNS names (and 127.0.0.1). */
export function makeTestPki(names = AZURE_NAMES) {
  const caKey = rsaKey();
  const caPrivate = forge.pki.privateKeyFromPem(caKey.privatePem);
  const caSubject = [{ name: "commonName", value: "kvkey loopback Azure test CA" }];
  const ca = certificate(
    caKey.publicPem,
    caSubject,
    caSubject,
    [
      { name: "basicConstraints", cA: true, critical: true, pathLenConstraint: 0 },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
      { name: "subjectKeyIdentifier" },
    ],
    caPrivate,
  );
  const serverKey = rsaKey();
  const cert = certificate(
    serverKey.publicPem,
    [{ name: "commonName", value: names[0] }],
    caSubject,
    [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [...names.map((value) => ({ type: 2, value })), { type: 7, ip: "127.0.0.1" }] },
      { name: "authorityKeyIdentifier", keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
    ],
    caPrivate,
  );
  return { caPem: lf(forge.pki.certificateToPem(ca)), certPem: lf(forge.pki.certificateToPem(cert)), keyPem: serverKey.privatePem };
}
