import { execFileSync } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KeyVaultKey } from "@azure/keyvault-keys";

// BYOK transfer blobs and key fixtures made by the openssl command line only, so the emulator's unwrap
// and kvkey's own blob builder are each checked against an implementation that is neither of them.

export type ByokEnc = "CKM_RSA_AES_KEY_WRAP" | "RSA_AES_KEY_WRAP_256" | "RSA_AES_KEY_WRAP_384";
export const OAEP_HASH: Record<ByokEnc, string> = {
  CKM_RSA_AES_KEY_WRAP: "sha1",
  RSA_AES_KEY_WRAP_256: "sha256",
  RSA_AES_KEY_WRAP_384: "sha384",
};

export function openssl(args: string[], input?: Uint8Array | string): Buffer {
  return execFileSync("openssl", args, { input, stdio: ["pipe", "pipe", "pipe"] });
}

/** A scratch directory; `file(name, content?)` gives (and optionally writes) a path in it. */
export function scratchDir(prefix = "kvkey-keys-"): { dir: string; file(name: string, content?: Uint8Array | string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file(name, content) {
      const path = join(dir, name);
      if (content !== undefined) writeFileSync(path, content);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The KEK's public key as SubjectPublicKeyInfo PEM, from the JWK the vault returned (what `kvkey download` would write). */
export function publicPemOf(key: KeyVaultKey): string {
  const jwk = key.key!;
  return createPublicKey({
    key: { kty: "RSA", n: Buffer.from(jwk.n!).toString("base64url"), e: Buffer.from(jwk.e!).toString("base64url") },
    format: "jwk",
  })
    .export({ type: "spki", format: "pem" })
    .toString();
}

/**
 * A .byok file made with openssl as Microsoft's BYOK specification describes: a fresh AES-256 key
 * (openssl rand), RSA-OAEP with the enc's hash (MGF1 with the same hash) over it for the KEK, AES key
 * wrap with padding (id-aes256-wrap-pad, RFC 5649) over the target's plaintext, concatenated.
 * `plaintextFile` is PKCS#8 DER (RSA/EC) or the raw key bytes (oct).
 */
export function opensslByokBlob(
  scratch: ReturnType<typeof scratchDir>,
  opts: { kekPublicPem: string; kid: string; plaintextFile: string; enc?: ByokEnc; tag?: string },
): string {
  const enc = opts.enc ?? "CKM_RSA_AES_KEY_WRAP";
  const tag = opts.tag ?? Math.random().toString(36).slice(2);
  const kek = scratch.file(`kek-${tag}.pub.pem`, opts.kekPublicPem);
  const aesKey = scratch.file(`aes-${tag}.key`);
  openssl(["rand", "-out", aesKey, "32"]);
  const hex = readFileSync(aesKey).toString("hex");
  const wrappedKey = openssl(["enc", "-id-aes256-wrap-pad", "-iv", "A65959A6", "-K", hex, "-in", opts.plaintextFile]);
  const hash = OAEP_HASH[enc];
  const wrappedAes = openssl([
    "pkeyutl", "-encrypt", "-pubin", "-inkey", kek, "-in", aesKey,
    "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", `rsa_oaep_md:${hash}`, "-pkeyopt", `rsa_mgf1_md:${hash}`,
  ]);
  return JSON.stringify({
    schema_version: "1.0.0",
    header: { kid: opts.kid, alg: "dir", enc },
    ciphertext: Buffer.concat([wrappedAes, wrappedKey]).toString("base64url"),
    generator: "openssl (kvkey tests)",
  });
}

/** openssl genpkey / ecparam fixtures; returns the PEM path. */
export function opensslRsaKey(scratch: ReturnType<typeof scratchDir>, name: string, bits = 2048): string {
  const path = scratch.file(name);
  openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", `rsa_keygen_bits:${bits}`, "-out", path]);
  return path;
}

export function opensslEcKey(scratch: ReturnType<typeof scratchDir>, name: string, curve: string): string {
  const path = scratch.file(name);
  openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", `ec_paramgen_curve:${curve}`, "-out", path]);
  return path;
}

/** PKCS#8 DER of a PEM private key (openssl pkcs8 -topk8 -nocrypt). */
export function opensslPkcs8Der(scratch: ReturnType<typeof scratchDir>, pemPath: string): string {
  const out = `${pemPath}.p8.der`;
  openssl(["pkcs8", "-topk8", "-nocrypt", "-in", pemPath, "-outform", "DER", "-out", out]);
  return out;
}

/** openssl's public key of a private key file: SubjectPublicKeyInfo PEM. */
export function opensslPublicPem(pemPath: string, passin?: string): string {
  return openssl(["pkey", "-in", pemPath, "-pubout", ...(passin ? ["-passin", `pass:${passin}`] : [])]).toString();
}

/** RSA modulus / EC point of a public PEM, via node (to compare with what the vault returns). */
export function publicJwkOfPem(publicPem: string): { n?: string; e?: string; x?: string; y?: string; crv?: string } {
  return createPublicKey(publicPem).export({ format: "jwk" }) as { n?: string; e?: string; x?: string; y?: string; crv?: string };
}
