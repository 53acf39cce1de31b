import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createHash, createPublicKey, verify } from "node:crypto";
import { createEmulator, type Emulator } from "../../src/emulator/index.js";
import { API, raw, tempDataDir } from "../helpers/emulator.js";

// The cache of unsealed key material must never serve a key that changed: every request reads the key's
// row, and material is found only by the sealed bytes of that row. Two emulators on one data directory
// stand for two processes (CLI and served emulator, or two cluster workers): each has its own cache.

const VAULT = "https://cache.vault.localhost";
const digest = createHash("sha256").update("kvkey cache test").digest();

let home: ReturnType<typeof tempDataDir>;
let a: Emulator;
let b: Emulator;

beforeEach(() => {
  home = tempDataDir();
  a = createEmulator({ dataDir: home.dir });
  b = createEmulator({ dataDir: home.dir });
});
afterEach(() => {
  a.close();
  b.close();
  home.cleanup();
});

const sign = (e: Emulator, name: string) => raw(e, { method: "POST", url: `${VAULT}/keys/${name}//sign?${API}`, body: { alg: "ES256", value: digest.toString("base64url") } });
const create = (e: Emulator, name: string) => raw(e, { method: "POST", url: `${VAULT}/keys/${name}/create?${API}`, body: { kty: "EC", crv: "P-256" } });
const update = (e: Emulator, name: string, body: unknown) => raw(e, { method: "PATCH", url: `${VAULT}/keys/${name}/?${API}`, body });

function verifies(jwk: Record<string, unknown>, signature: string): boolean {
  const key = createPublicKey({ key: { kty: "EC", crv: jwk.crv as string, x: jwk.x as string, y: jwk.y as string }, format: "jwk" });
  // The digest is SHA-256 of this message: node:crypto verifies over the message itself.
  return verify("sha256", Buffer.from("kvkey cache test"), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
}

describe("cached key material is never served stale", () => {
  test("disable, then enable, in the same emulator", async () => {
    expect((await create(a, "k")).status).toBe(200);
    expect((await sign(a, "k")).status).toBe(200); // now cached
    expect((await update(a, "k", { attributes: { enabled: false } })).status).toBe(200);
    const refused = await sign(a, "k");
    expect(refused.status).toBe(403);
    expect((await update(a, "k", { attributes: { enabled: true } })).status).toBe(200);
    expect((await sign(a, "k")).status).toBe(200);
  });

  test("a change made by another emulator on the same data directory is seen at once", async () => {
    expect((await create(a, "k")).status).toBe(200);
    expect((await sign(a, "k")).status).toBe(200);
    expect((await update(b, "k", { attributes: { enabled: false } })).status).toBe(200);
    expect((await sign(a, "k")).status).toBe(403);
    expect((await update(b, "k", { attributes: { enabled: true }, key_ops: ["verify"] })).status).toBe(200);
    expect((await sign(a, "k")).status).toBe(403);
    expect((await update(b, "k", { key_ops: ["sign", "verify"] })).status).toBe(200);
    expect((await sign(a, "k")).status).toBe(200);
  });

  test("delete then read answers 404 in both emulators", async () => {
    expect((await create(a, "k")).status).toBe(200);
    expect((await sign(a, "k")).status).toBe(200);
    expect((await sign(b, "k")).status).toBe(200);
    expect((await raw(b, { method: "DELETE", url: `${VAULT}/keys/k?${API}` })).status).toBe(200);
    expect((await sign(a, "k")).status).toBe(404);
    expect((await sign(b, "k")).status).toBe(404);
    expect((await raw(a, { method: "GET", url: `${VAULT}/keys/k/?${API}` })).status).toBe(404);
  });

  test("purge and create again under the same name: the new key signs, not the cached old one", async () => {
    const first = await create(a, "k");
    expect((await sign(a, "k")).status).toBe(200);
    expect((await raw(b, { method: "DELETE", url: `${VAULT}/keys/k?${API}` })).status).toBe(200);
    expect((await raw(b, { method: "DELETE", url: `${VAULT}/deletedkeys/k?${API}` })).status).toBe(204);
    const second = await create(b, "k");
    expect(second.json.key.x).not.toBe(first.json.key.x);
    const signed = await sign(a, "k");
    expect(signed.status).toBe(200);
    expect(signed.json.kid).toBe(second.json.key.kid);
    expect(verifies(second.json.key, signed.json.value)).toBe(true);
    expect(verifies(first.json.key, signed.json.value)).toBe(false);
  });

  test("a recovered key signs again; an explicit old version keeps its own material", async () => {
    const v1 = await create(a, "k");
    const v2 = await create(a, "k");
    const old = await raw(a, { method: "POST", url: `${v1.json.key.kid}/sign?${API}`, body: { alg: "ES256", value: digest.toString("base64url") } });
    expect(old.status).toBe(200);
    expect(verifies(v1.json.key, old.json.value)).toBe(true);
    expect((await raw(b, { method: "DELETE", url: `${VAULT}/keys/k?${API}` })).status).toBe(200);
    expect((await sign(a, "k")).status).toBe(404);
    expect((await raw(b, { method: "POST", url: `${VAULT}/deletedkeys/k/recover?${API}` })).status).toBe(200);
    const latest = await sign(a, "k");
    expect(latest.status).toBe(200);
    expect(verifies(v2.json.key, latest.json.value)).toBe(true);
  });
});
