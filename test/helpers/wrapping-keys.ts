import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";

/** An RSA key pair and a self-signed certificate for it, as `az keyvault security-domain` wrapping keys are made (openssl req -x509). */
export function wrappingKey(bits = 2048): { privateKeyPem: string; certificatePem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  const privateKeyPem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ format: "pem", type: "spki" }).toString());
  cert.serialNumber = "01";
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const attrs = [{ name: "commonName", value: "sd wrapping key" }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(forge.pki.privateKeyFromPem(privateKey.export({ format: "pem", type: "pkcs1" }).toString()), forge.md.sha256.create());
  return { privateKeyPem, certificatePem: forge.pki.certificateToPem(cert) };
}
