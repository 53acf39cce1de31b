import { tokenFor } from "../../helpers/emulator.js";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicKey, type KeyObject } from "node:crypto";
import type { KeyVaultKey } from "@azure/keyvault-keys";
import type { Emulator } from "../../../src/emulator/index.js";

// Shared by the crypto suites: raw REST calls (for what the SDK would do locally, or to see statuses
// and error bodies exactly), the public half of a key as node/openssl want it, and an openssl runner.

export const API = "api-version=2025-07-01";

export interface RawResponse {
  status: number;
  body: any;
}

/** One REST call straight into the emulator's handler, with a valid token (no SDK in between). */
export async function raw(emulator: Emulator, method: string, url: string, body?: unknown): Promise<RawResponse> {
  const response = await emulator.handle({
    method,
    url: url.includes("?") ? `${url}&${API}` : `${url}?${API}`,
    headers: { authorization: `Bearer ${tokenFor(emulator, url)}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: response.body === "" ? undefined : JSON.parse(response.body) };
}

export const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");
export const unb64u = (text: string): Buffer => Buffer.from(text, "base64url");

/** The public key of an SDK KeyVaultKey (RSA or EC) as a node KeyObject, from the JWK the service returned. */
export function publicKeyOf(key: KeyVaultKey): KeyObject {
  const jwk = key.key!;
  if (jwk.n && jwk.e) return createPublicKey({ key: { kty: "RSA", n: b64u(jwk.n), e: b64u(jwk.e) }, format: "jwk" });
  const crv = jwk.crv === "P-256K" ? "secp256k1" : jwk.crv!;
  return createPublicKey({ key: { kty: "EC", crv, x: b64u(jwk.x!), y: b64u(jwk.y!) }, format: "jwk" });
}

/** A scratch directory for openssl's input files. */
export function scratch(): { path(name: string, content?: Uint8Array | string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "kvkey-crypto-"));
  return {
    path(name, content) {
      const file = join(dir, name);
      if (content !== undefined) writeFileSync(file, content);
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs the openssl CLI; returns stdout, or throws with openssl's stderr. */
export function openssl(args: string[], input?: Uint8Array): Buffer {
  return execFileSync("openssl", args, { input, stdio: ["pipe", "pipe", "pipe"] });
}

/** openssl's verdict on a signature: true for "Verified OK", false for "Verification failure". */
export function opensslVerifies(args: string[]): boolean {
  try {
    return openssl(args).toString().includes("Verified OK");
  } catch (err) {
    const out = String((err as { stdout?: Buffer }).stdout ?? "");
    if (out.includes("Verification failure")) return false;
    throw err;
  }
}

/** Raw r||s (Key Vault's ES* format) -> DER ECDSA-Sig-Value (what openssl wants). Independent of the emulator. */
export function rawToDer(signature: Uint8Array): Buffer {
  const half = signature.length / 2;
  const integer = (bytes: Uint8Array): Buffer => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let v = Buffer.from(bytes.subarray(i));
    if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02]), derLength(v.length), v]);
  };
  const body = Buffer.concat([integer(signature.subarray(0, half)), integer(signature.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

function derLength(n: number): Buffer {
  return n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
}
