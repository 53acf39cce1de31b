import { createEmulator, systemClock } from "../../src/emulator/index.js";
import { KeyService } from "../../src/emulator/service/key-service.js";
import { KeyRepository } from "../../src/emulator/service/key-repository.js";
import { SqliteKeyStore } from "../../src/emulator/store/sqlite-store.js";
import { loadOrCreateSecurityDomain } from "../../src/emulator/security-domain-file.js";
import type { PrivateMaterial } from "../../src/emulator/crypto/material.js";
import { raw } from "../helpers/emulator.js";

// Shared by the crypto CLI suites: what the CLI cannot do for a test — import an AES key with known
// bytes (the CLI's import is another command's work), and read a key's private material — done on the
// same data directory the CLI uses, then closed so the CLI's own emulator sees the result.

/** PUT /keys/{name} into a Managed HSM of the embedded emulator at `home`, with the given raw AES key. */
export async function importOctKey(home: string, hsm: string, name: string, k: Buffer, keyOps: string[]): Promise<string> {
  const emulator = createEmulator({ dataDir: home });
  try {
    const response = await raw(emulator, {
      method: "PUT",
      url: `https://${hsm}.managedhsm.localhost/keys/${name}?api-version=2025-07-01`,
      body: { key: { kty: "oct-HSM", k: k.toString("base64url"), key_ops: keyOps } },
    });
    if (response.status !== 200) throw new Error(`import failed: ${response.status} ${response.body}`);
    return response.json.key.kid as string;
  } finally {
    emulator.close();
  }
}

/** The private members of a key, read through the emulator's service (never through the wire). */
export function privateMaterial(home: string, container: { name: string; kind: "vault" | "managedhsm" }, key: string): PrivateMaterial {
  const store = new SqliteKeyStore(home);
  try {
    const service = new KeyService(new KeyRepository(store, loadOrCreateSecurityDomain(home), systemClock));
    return service.getKeyWithMaterial(container, container.name, key).material;
  } finally {
    store.close();
  }
}

/** Every spelling a secret could leak in: hex, base64 (padded or not), base64url, and the raw bytes as latin1. */
export function spellings(secret: Buffer): string[] {
  const b64 = secret.toString("base64");
  return [secret.toString("hex"), secret.toString("hex").toUpperCase(), b64, b64.replace(/=+$/, ""), secret.toString("base64url"), secret.toString("latin1")];
}

/** Standard base64 / base64url / hex shapes of the crypto commands' output. */
export const STD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
export const LOWER_HEX = /^[0-9a-f]+$/;
