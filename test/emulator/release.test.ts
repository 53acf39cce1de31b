import { execFileSync } from "node:child_process";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LOCAL_ATTESTATION_AUTHORITY, ManualClock, type Emulator } from "../../src/emulator/index.js";
import { signRs256 } from "../../src/emulator/crypto/jws.js";
import { API, raw, testVault, type TestVault } from "../helpers/emulator.js";
import { openRelease, publicJwkOfReleased } from "../helpers/release.js";

// Release policies (the AKV.SKR rules), secure key release against the emulator's attestation authority,
// and key attestation (GET .../attestation) verified with openssl.

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const H = "https://skr.managedhsm.localhost";
const V = "https://skr.vault.localhost";

const runtime = generateKeyPairSync("rsa", { modulusLength: 2048 });
const b64u = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function policy(conditions: unknown[], mode: "allOf" | "anyOf" = "allOf", authority = LOCAL_ATTESTATION_AUTHORITY) {
  return { version: "1.0.0", anyOf: [{ authority, [mode]: conditions }] };
}
const CVM = policy([
  { claim: "x-ms-isolation-tee.x-ms-compliance-status", equals: "azure-compliant-cvm" },
  { claim: "x-ms-attestation-type", equals: "sevsnpvm" },
]);

let clock: ManualClock;
let vault: TestVault;
let emulator: Emulator;
beforeEach(() => {
  clock = new ManualClock(START);
  vault = testVault({ vaultUrl: H, clock });
  emulator = vault.emulator;
});
afterEach(() => vault.close());

const create = (base: string, name: string, body: Record<string, unknown>) => raw(emulator, { method: "POST", url: `${base}/keys/${name}/create?${API}`, body });
const exportable = (releasePolicy: unknown, extra: Record<string, unknown> = {}) => ({
  kty: "RSA-HSM",
  attributes: { exportable: true },
  release_policy: { data: b64u(releasePolicy), ...extra },
});
const release = (name: string, body: unknown, base = H, version = "") =>
  raw(emulator, { method: "POST", url: `${base}/keys/${name}${version ? `/${version}` : ""}/release?${API}`, body });

const goodClaims = { "x-ms-isolation-tee.x-ms-compliance-status": "azure-compliant-cvm", "x-ms-attestation-type": "sevsnpvm" };

describe("release policy rules (create, import, update)", () => {
  it("AKV.SKR.1004: an exportable key needs a release policy (service text)", async () => {
    const res = await create(H, "k", { kty: "RSA-HSM", attributes: { exportable: true } });
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: "BadParameter", message: "AKV.SKR.1004: Exportable keys must have release policy." });
    // Import follows the same rule (its body reaches the check by another path).
    const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
    const imported = await raw(emulator, { method: "PUT", url: `${H}/keys/imp?${API}`, body: { key: jwk, attributes: { exportable: true } } });
    expect(imported.status).toBe(400);
    expect(imported.json.error).toEqual({ code: "BadParameter", message: "AKV.SKR.1004: Exportable keys must have release policy." });
  });

  it("AKV.SKR.1005: a release policy needs an exportable key (service text), on create, import and update", async () => {
    const res = await create(H, "k", { kty: "RSA-HSM", release_policy: { data: b64u(CVM) } });
    expect(res.json.error).toEqual({ code: "BadParameter", message: "AKV.SKR.1005: Non-exportable keys must not have release policy." });
    const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
    const imported = await raw(emulator, { method: "PUT", url: `${H}/keys/imp?${API}`, body: { key: jwk, release_policy: { data: b64u(CVM) } } });
    expect(imported.json.error.message).toMatch(/^AKV\.SKR\.1005: /);
    await create(H, "plain", { kty: "EC-HSM" });
    const patched = await raw(emulator, { method: "PATCH", url: `${H}/keys/plain/?${API}`, body: { release_policy: { data: b64u(CVM) } } });
    expect(patched.json.error.message).toMatch(/^AKV\.SKR\.1005: /);
  });

  it("AKV.SKR.1020: an immutable policy cannot be changed (service text); a mutable one can, then be made immutable", async () => {
    await create(H, "m", exportable(CVM));
    const next = policy([{ claim: "a", equals: "b" }]);
    const changed = await raw(emulator, { method: "PATCH", url: `${H}/keys/m/?${API}`, body: { release_policy: { data: b64u(next), immutable: true } } });
    expect(changed.status).toBe(200);
    expect(changed.json.release_policy).toMatchObject({ immutable: true, data: b64u(next) });
    const refused = await raw(emulator, { method: "PATCH", url: `${H}/keys/m/?${API}`, body: { release_policy: { data: b64u(CVM) } } });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toEqual({ code: "BadParameter", message: "AKV.SKR.1020: Immutable Key Release Policy cannot be modified." });
  });

  it("AKV.SKR.1016: a policy is set on the key, not on one version", async () => {
    const created = await create(H, "v", exportable(CVM));
    const version = created.json.key.kid.split("/").pop();
    const res = await raw(emulator, { method: "PATCH", url: `${H}/keys/v/${version}?${API}`, body: { release_policy: { data: b64u(CVM) } } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe("AKV.SKR.1016: Key Release Policy can only be set on versionless key");
    expect((await raw(emulator, { method: "PATCH", url: `${H}/keys/v/${version}?${API}`, body: { tags: { a: "b" } } })).status).toBe(200);
  });

  it("AKV.SKR.1003: the exportable attribute of an existing key cannot be changed", async () => {
    await create(H, "e", exportable(CVM));
    await create(H, "n", { kty: "EC-HSM" });
    for (const [name, exportableValue] of [["e", false], ["n", true]] as const) {
      const res = await raw(emulator, { method: "PATCH", url: `${H}/keys/${name}/?${API}`, body: { attributes: { exportable: exportableValue } } });
      expect(res.status).toBe(400);
      expect(res.json.error.message).toMatch(/^AKV\.SKR\.1003: /);
    }
    expect((await raw(emulator, { method: "PATCH", url: `${H}/keys/e/?${API}`, body: { attributes: { exportable: true } } })).status).toBe(200);
  });

  it("AKV.SKR.1006: in a key vault an exportable key must be HSM-protected (a managed HSM's keys always are)", async () => {
    const soft = await create(V, "soft", { kty: "RSA", attributes: { exportable: true }, release_policy: { data: b64u(CVM) } });
    expect(soft.status).toBe(400);
    expect(soft.json.error.message).toMatch(/^AKV\.SKR\.1006: Exportable keys must be HSM-protected; a RSA key cannot be exportable/);
    const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
    const imported = await raw(emulator, { method: "PUT", url: `${V}/keys/imp?${API}`, body: { key: jwk, attributes: { exportable: true }, release_policy: { data: b64u(CVM) } } });
    expect(imported.json.error.message).toMatch(/^AKV\.SKR\.1006: /);
    const hsmImport = await raw(emulator, { method: "PUT", url: `${V}/keys/imp?${API}`, body: { key: jwk, Hsm: true, attributes: { exportable: true }, release_policy: { data: b64u(CVM) } } });
    expect(hsmImport.status).toBe(200);
    expect((await create(V, "hard", { kty: "RSA-HSM", attributes: { exportable: true }, release_policy: { data: b64u(CVM) } })).status).toBe(200);
    expect((await create(H, "plain-type", { kty: "RSA", attributes: { exportable: true }, release_policy: { data: b64u(CVM) } })).status).toBe(200);
  });

  const documents: Array<[string, unknown, RegExp]> = [
    ["a policy without a version (the service's Managed HSM text)", { anyOf: [{ authority: "https://a", allOf: [{ claim: "c", equals: "v" }] }] }, /^Key Release Policy: missing 'version' property$/],
    ["a policy that is not an object", ["x"], /the policy must be a JSON object/],
    ["a policy with neither anyOf nor allOf", { version: "1.0.0" }, /exactly one of 'anyOf' and 'allOf'/],
    ["an authority block without an authority", { version: "1.0.0", anyOf: [{ allOf: [{ claim: "c", equals: "v" }] }] }, /must name its 'authority'/],
    ["a condition without equals", policy([{ claim: "c" }]), /must have an 'equals' value/],
    ["a release policy that is not JSON", "not json", /is not valid JSON/],
  ];
  it.each(documents)("refuses %s with 400 BadParameter", async (_title, document, message) => {
    const data = typeof document === "string" ? Buffer.from(document).toString("base64url") : b64u(document);
    const res = await create(H, "doc", { kty: "RSA-HSM", attributes: { exportable: true }, release_policy: { data } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("BadParameter");
    expect(res.json.error.message).toMatch(message);
  });
});

describe("POST /keys/{name}/{version}/release", () => {
  it("releases the key wrapped for the token's runtime key, signed by the HSM, in the service's shape", async () => {
    const created = await create(H, "rel", exportable(CVM, { immutable: true }));
    const token = await emulator.issueAttestationToken({ claims: goodClaims, runtimeKey: runtime.publicKey, runtimeKeyId: "tee-key" });
    const res = await release("rel", { target: token, nonce: "n-1" });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json)).toEqual(["value"]);
    const opened = openRelease(res.json.value, runtime.privateKey);
    expect(opened.signatureValid).toBe(true);
    expect(opened.header).toMatchObject({ alg: "RS256", typ: "JWT", x5t: expect.any(String), "x5t#S256": expect.any(String) });
    expect(opened.header.kid).toMatch(/^[0-9A-F]{40}$/);
    expect(opened.payload.request).toEqual({ "api-version": "2025-07-01", enc: "CKM_RSA_AES_KEY_WRAP", kid: `${H}/keys/rel`, nonce: "n-1" });
    expect(opened.payload.response.key.attributes).toMatchObject({ exportable: true, enabled: true });
    expect(opened.payload.response.key.release_policy.data).toBe(b64u(CVM));
    expect(opened.blob).toMatchObject({ schema_version: "1.0", header: { kid: "tee-key", alg: "dir", enc: "CKM_RSA_AES_KEY_WRAP" } });
    const released = publicJwkOfReleased(opened.plaintext);
    expect(released.n).toBe(created.json.key.n);
    expect(released.e).toBe(created.json.key.e);
    expect(opened.payload.response.key.key.n).toBe(created.json.key.n);
  });

  it("wraps with RSA_AES_KEY_WRAP_256/384 as asked, releases a given version, EC and oct keys too", async () => {
    const first = await create(H, "ver", exportable(CVM));
    const firstVersion = first.json.key.kid.split("/").pop();
    await create(H, "ver", exportable(CVM));
    const token = await emulator.issueAttestationToken({ claims: goodClaims, runtimeKey: runtime.publicKey });
    for (const enc of ["RSA_AES_KEY_WRAP_256", "RSA_AES_KEY_WRAP_384"]) {
      const res = await raw(emulator, { method: "POST", url: `${H}/keys/ver/${firstVersion}/release?${API}`, body: { target: token, enc } });
      expect(res.status).toBe(200);
      const opened = openRelease(res.json.value, runtime.privateKey);
      expect(opened.blob.header.enc).toBe(enc);
      expect(opened.payload.request.kid).toBe(`${H}/keys/ver/${firstVersion}`);
      expect(publicJwkOfReleased(opened.plaintext).n).toBe(first.json.key.n);
    }

    const ec = await create(H, "ec", { kty: "EC-HSM", crv: "P-384", attributes: { exportable: true }, release_policy: { data: b64u(CVM) } });
    const ecOpened = openRelease((await release("ec", { target: token })).json.value, runtime.privateKey);
    expect(publicJwkOfReleased(ecOpened.plaintext)).toMatchObject({ crv: "P-384", x: ec.json.key.x, y: ec.json.key.y });

    await create(H, "aes", { kty: "oct-HSM", key_size: 256, attributes: { exportable: true }, release_policy: { data: b64u(CVM) } });
    const aesOpened = openRelease((await release("aes", { target: token })).json.value, runtime.privateKey);
    expect(aesOpened.plaintext).toHaveLength(32);
    // The released bytes are the key: what the HSM encrypts, they decrypt.
    const enc = await raw(emulator, { method: "POST", url: `${H}/keys/aes//encrypt?${API}`, body: { alg: "A256GCM", value: Buffer.from("secret").toString("base64url") } });
    const { createDecipheriv } = await import("node:crypto");
    const decipher = createDecipheriv("aes-256-gcm", aesOpened.plaintext, Buffer.from(enc.json.iv, "base64url"));
    decipher.setAuthTag(Buffer.from(enc.json.tag, "base64url"));
    expect(Buffer.concat([decipher.update(Buffer.from(enc.json.value, "base64url")), decipher.final()]).toString()).toBe("secret");
  });

  it("works through the SDK's releaseKey, in a key vault as well", async () => {
    const client = vault.clientFor(V);
    const policyBytes = Buffer.from(JSON.stringify(policy([{ claim: "app", equals: "billing" }])));
    const key = await client.createRsaKey("sdk", { hsm: true, exportable: true, releasePolicy: { encodedPolicy: policyBytes } });
    const token = await emulator.issueAttestationToken({ claims: { app: "billing" }, runtimeKey: runtime.publicKey });
    const result = await client.releaseKey("sdk", token, { algorithm: "RSA_AES_KEY_WRAP_256", nonce: "abc" });
    const opened = openRelease(result.value, runtime.privateKey);
    expect(Buffer.from(publicJwkOfReleased(opened.plaintext).n as string, "base64url")).toEqual(Buffer.from(key.key!.n!));
  });

  it("anyOf needs one matching claim, allOf all of them; booleans compare as text", async () => {
    await create(H, "any", exportable(policy([{ claim: "a", equals: "1" }, { claim: "b", equals: "true" }], "anyOf")));
    const onlyB = await emulator.issueAttestationToken({ claims: { b: true }, runtimeKey: runtime.publicKey });
    expect((await release("any", { target: onlyB })).status).toBe(200);
    await create(H, "all", exportable(policy([{ claim: "a", equals: "1" }, { claim: "b", equals: "true" }])));
    expect((await release("all", { target: onlyB })).status).toBe(403);
    const both = await emulator.issueAttestationToken({ claims: { a: "1", b: "true" }, runtimeKey: runtime.publicKey });
    expect((await release("all", { target: both })).status).toBe(200);
  });

  it("403 Forbidden for a wrong claim, a wrong signer, an expired token, or an issuer the policy does not name", async () => {
    await create(H, "deny", exportable(CVM));
    const forbidden = async (target: string, message: RegExp) => {
      const res = await release("deny", { target });
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe("Forbidden");
      expect(res.json.error.message).toMatch(message);
    };
    const wrongClaim = await emulator.issueAttestationToken({ claims: { ...goodClaims, "x-ms-attestation-type": "tdxvm" }, runtimeKey: runtime.publicKey });
    await forbidden(wrongClaim, /claims do not satisfy the key's release policy/);

    // The same header and claims, signed by a key that is not the emulator's attestation authority.
    const good = await emulator.issueAttestationToken({ claims: goodClaims, runtimeKey: runtime.publicKey });
    const [h, p] = good.split(".");
    const header = JSON.parse(Buffer.from(h!, "base64url").toString());
    const payload = JSON.parse(Buffer.from(p!, "base64url").toString());
    const impostor = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    await forbidden(signRs256(header, payload, impostor), /not signed by a trusted attestation authority/);
    // A token from another emulator (data directory) is another authority's key, too.
    const other = testVault({ clock });
    try {
      await forbidden(await other.emulator.issueAttestationToken({ claims: goodClaims, runtimeKey: runtime.publicKey }), /not signed by a trusted/);
    } finally {
      other.close();
    }

    const short = await emulator.issueAttestationToken({ claims: goodClaims, runtimeKey: runtime.publicKey, lifetimeSeconds: 600 });
    expect((await release("deny", { target: short })).status).toBe(200);
    emulator.setTimeShift(601_000);
    await forbidden(short, /The attestation token has expired/);

    await create(H, "elsewhere", exportable(policy([{ claim: "x-ms-attestation-type", equals: "sevsnpvm" }], "allOf", "https://sharedeus.eus.attest.azure.net/")));
    const res = await release("elsewhere", { target: await emulator.issueAttestationToken({ claims: goodClaims, runtimeKey: runtime.publicKey }) });
    expect(res.status).toBe(403);
    expect(res.json.error.message).toMatch(/issuer 'https:\/\/attestation\.localhost' is not an authority of the key's release policy/);
  });

  it("400 BadParameter for a key that is not exportable, a target that is not a token, no runtime key, an unknown enc", async () => {
    await create(H, "plain", { kty: "RSA-HSM" });
    await create(H, "ok", exportable(CVM));
    const token = await emulator.issueAttestationToken({ claims: goodClaims, runtimeKey: runtime.publicKey });
    const cases: Array<[string, unknown, RegExp]> = [
      ["plain", { target: token }, /cannot be released: only a key created with exportable true and a release policy/],
      ["ok", { target: "not-a-jwt" }, /not an attestation token/],
      ["ok", {}, /'target'.*is required/],
      ["ok", { target: await emulator.issueAttestationToken({ claims: goodClaims }) }, /carries no RSA runtime key/],
      ["ok", { target: token, enc: "AES" }, /'enc' \("AES"\) is not a key encryption algorithm/],
    ];
    for (const [name, body, message] of cases) {
      const res = await release(name, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.message).toMatch(message);
    }
    expect((await release("missing", { target: token })).status).toBe(404);
  });
});

describe("GET /keys/{name}/{version}/attestation", () => {
  it("returns the bundle with attributes.attestation, signed by the emulated HSM's chain and verifiable with openssl", async () => {
    const created = await create(H, "att", { kty: "RSA-HSM" });
    const res = await raw(emulator, { method: "GET", url: `${H}/keys/att/attestation?${API}` });
    expect(res.status).toBe(200);
    expect(res.json.key.kid).toBe(created.json.key.kid);
    const att = res.json.attributes.attestation;
    expect(att.version).toBe("1.0.0");
    const pem = Buffer.from(att.certificatePemFile, "base64url").toString();
    const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)!;
    expect(certs).toHaveLength(2);
    expect(new X509Certificate(certs[0]!).subject).toContain("kvkey emulated HSM key attestation");

    const dir = mkdtempSync(join(tmpdir(), "kvkey-att-"));
    try {
      writeFileSync(join(dir, "root.pem"), `${certs[1]}\n`);
      writeFileSync(join(dir, "pub.der"), Buffer.from(att.publicKeyAttestation, "base64url"));
      writeFileSync(join(dir, "priv.der"), Buffer.from(att.privateKeyAttestation, "base64url"));
      const verified = (file: string) =>
        JSON.parse(execFileSync("openssl", ["cms", "-verify", "-inform", "DER", "-in", join(dir, file), "-CAfile", join(dir, "root.pem"), "-purpose", "any"], { stdio: ["ignore", "pipe", "pipe"] }).toString());
      const pub = verified("pub.der");
      expect(pub).toMatchObject({ statement: "public", kty: "RSA-HSM", kid: expect.stringContaining("/keys/att/") });
      expect((await import("node:crypto")).createPublicKey(pub.publicKey).export({ format: "jwk" }).n).toBe(created.json.key.n);
      expect(verified("priv.der")).toMatchObject({ statement: "private", attributes: { CKA_SENSITIVE: true, CKA_EXTRACTABLE: false } });
      // Another root does not verify it.
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "k.pem"), "-out", join(dir, "other.pem"), "-subj", "/CN=other", "-days", "1"], { stdio: "ignore" });
      expect(() =>
        execFileSync("openssl", ["cms", "-verify", "-inform", "DER", "-in", join(dir, "pub.der"), "-CAfile", join(dir, "other.pem"), "-purpose", "any"], { stdio: "pipe" }),
      ).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("works through the SDK's getKeyAttestation for a version; a software key has no attestation", async () => {
    const created = await vault.client.createKey("sdk", "EC-HSM", { curve: "P-256" });
    const attested = await vault.client.getKeyAttestation("sdk", { version: created.properties.version! });
    expect(attested.properties.attestation?.version).toBe("1.0.0");
    expect(Buffer.from(attested.properties.attestation!.certificatePemFile!).toString()).toContain("BEGIN CERTIFICATE");
    const v = vault.clientFor(V);
    await v.createEcKey("soft", { curve: "P-256" });
    await expect(v.getKeyAttestation("soft")).rejects.toMatchObject({ statusCode: 400, code: "BadParameter" });
  });
});
