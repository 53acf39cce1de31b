import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEmulator, ManualClock, type Emulator } from "../../src/emulator/index.js";
import { API, raw, type RawResponse } from "../helpers/emulator.js";

// Raw requests straight into emulator.handle(): the wire details every SDK depends on, pinned without
// an SDK in between (the SDK would hide or normalise several of them).

const VAULT = "https://wire.vault.localhost";
const HSM = "https://wire.managedhsm.localhost";
const START_S = Date.UTC(2026, 2, 1) / 1000;
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k"];

let emulator: Emulator;
let clock: ManualClock;

beforeEach(() => {
  clock = new ManualClock(START_S * 1000);
  emulator = createEmulator({ inMemory: true, clock });
});
afterEach(() => emulator.close());

const create = (base: string, name: string, body: unknown = { kty: "EC", crv: "P-256" }, headers?: Record<string, string>) =>
  raw(emulator, { method: "POST", url: `${base}/keys/${name}/create?${API}`, body, ...(headers ? { headers } : {}) });

function expectError(res: RawResponse, status: number, code: string): void {
  expect({ status: res.status, body: res.json }).toMatchObject({ status, body: { error: { code } } });
  expect(typeof res.json.error.message).toBe("string");
  expect(res.json.error.message.length).toBeGreaterThan(0);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
}

/** Every member name anywhere in a JSON value. */
function memberNames(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) memberNames(v, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      memberNames(v, out);
    }
  }
  return out;
}

describe("the 401 challenge", () => {
  it("answers a request without a token with 401 and WWW-Authenticate before reading the body", async () => {
    const res = await raw(emulator, { method: "POST", url: `${VAULT}/keys/k/create?${API}`, body: "{not json", token: false });
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer authorization="https:\/\/login\.microsoftonline\.com\/[0-9a-f-]+", resource="https:\/\/vault\.localhost"$/);
    // Nothing happened: the vault was not even created.
    expectError(await raw(emulator, { method: "GET", url: `${VAULT}/keys?${API}` }), 404, "VaultNotFound");
  });

  it("challenges before checking the api-version or the route", async () => {
    const noVersion = await raw(emulator, { method: "GET", url: `${VAULT}/keys/k`, token: false });
    expect(noVersion.status).toBe(401);
    const badRoute = await raw(emulator, { method: "GET", url: `${VAULT}/nothing/here?api-version=1.0`, token: false });
    expect(badRoute.status).toBe(401);
    expect(badRoute.headers["www-authenticate"]).toContain('resource="https://vault.localhost"');
  });

  it("names https://managedhsm.localhost for a Managed HSM, with an empty body as the service does", async () => {
    const res = await raw(emulator, { method: "GET", url: `${HSM}/keys?${API}`, token: false });
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toMatch(/, resource="https:\/\/managedhsm\.localhost"$/);
    expect(res.body).toBe("");
  });

  it("keeps the port of the Host header in the resource", async () => {
    const res = await raw(emulator, {
      method: "GET",
      url: `https://wire.vault.localhost:8443/keys?${API}`,
      headers: { host: "wire.vault.localhost:8443" },
      token: false,
    });
    expect(res.headers["www-authenticate"]).toMatch(/, resource="https:\/\/vault\.localhost:8443"$/);
    const hsm = await raw(emulator, {
      method: "GET",
      url: `https://wire.managedhsm.localhost:9443/keys?${API}`,
      headers: { host: "wire.managedhsm.localhost:9443" },
      token: false,
    });
    expect(hsm.headers["www-authenticate"]).toMatch(/, resource="https:\/\/managedhsm\.localhost:9443"$/);
  });

  it("answers a bad token with 401 too", async () => {
    const other = createEmulator({ inMemory: true });
    try {
      const foreign = other.issueToken().token;
      const [tampered, garbage, wrongSigner] = await Promise.all([
        raw(emulator, { method: "GET", url: `${VAULT}/keys?${API}`, token: emulator.issueToken().token.slice(0, -2) + "xx" }),
        raw(emulator, { method: "GET", url: `${VAULT}/keys?${API}`, token: "not-a-token" }),
        raw(emulator, { method: "GET", url: `${VAULT}/keys?${API}`, token: foreign }),
      ]);
      for (const res of [tampered, garbage, wrongSigner]) {
        expect(res.status).toBe(401);
        expect(res.headers["www-authenticate"]).toContain('resource="https://vault.localhost"');
        expect(res.json.error.code).toBe("Unauthorized");
      }
    } finally {
      other.close();
    }
  });
});

describe("paths and api-version", () => {
  it("reads the latest version at the trailing-slash path the SDK sends", async () => {
    await create(VAULT, "k");
    const latest = await create(VAULT, "k");
    const res = await raw(emulator, { method: "GET", url: `${VAULT}/keys/k/?${API}` });
    expect(res.status).toBe(200);
    expect(res.json.key.kid).toBe(latest.json.key.kid);

    const patched = await raw(emulator, { method: "PATCH", url: `${VAULT}/keys/k/?${API}`, body: { tags: { t: "1" } } });
    expect(patched.status).toBe(200);
    expect(patched.json.key.kid).toBe(latest.json.key.kid);
    expect(patched.json.tags).toEqual({ t: "1" });
  });

  it("routes the double-slash path (versionless key operation) to the latest version", async () => {
    await create(VAULT, "rsa", { kty: "RSA", key_size: 2048 });
    const latest = await create(VAULT, "rsa", { kty: "RSA", key_size: 2048 });
    const res = await raw(emulator, { method: "POST", url: `${VAULT}/keys/rsa//encrypt?${API}`, body: { alg: "RSA-OAEP-256", value: "aGVsbG8" } });
    expect(res.status).toBe(200);
    expect(res.json.kid).toBe(latest.json.key.kid);
    const missing = await raw(emulator, { method: "POST", url: `${VAULT}/keys/nope//encrypt?${API}`, body: { alg: "RSA-OAEP-256", value: "aGVsbG8" } });
    expectError(missing, 404, "KeyNotFound");
  });

  it("accepts the api%2Dversion spelling of the query key", async () => {
    const res = await create(VAULT, "enc");
    expect(res.status).toBe(200);
    const get = await raw(emulator, { method: "GET", url: `${VAULT}/keys/enc/?api%2Dversion=2025-07-01` });
    expect(get.status).toBe(200);
  });

  it("refuses an unknown api-version with the service's wording", async () => {
    const res = await raw(emulator, { method: "GET", url: `${VAULT}/keys?api-version=2099-01-01` });
    expectError(res, 400, "BadParameter");
    expect(res.json.error.message).toBe(
      "The specified version (2099-01-01) is not recognized. Consider using the latest supported version (2025-07-01).",
    );
  });

  it("refuses a missing or empty api-version with 400 BadParameter", async () => {
    expectError(await raw(emulator, { method: "GET", url: `${VAULT}/keys` }), 400, "BadParameter");
    expectError(await raw(emulator, { method: "GET", url: `${VAULT}/keys?api-version=` }), 400, "BadParameter");
  });

  it("accepts older versions and previews", async () => {
    for (const version of ["7.0", "7.4-preview.1", "7.6-preview.2", "7.5", "2025-07-01"]) {
      const res = await raw(emulator, { method: "POST", url: `${VAULT}/keys/old/create?api-version=${version}`, body: { kty: "EC" } });
      expect({ version, status: res.status }).toEqual({ version, status: 200 });
    }
  });

  it("answers an unknown path with 404 and a wrong method with 405, in the error envelope", async () => {
    expectError(await raw(emulator, { method: "GET", url: `${VAULT}/secrets/x?${API}` }), 404, "NotFound");
    expectError(await raw(emulator, { method: "PUT", url: `${VAULT}/keys/k/create?${API}`, body: {} }), 405, "MethodNotAllowed");
  });
});

describe("wire shapes", () => {
  it("writes times as integer Unix seconds", async () => {
    clock.advance(1_500);
    const res = await create(VAULT, "t", { kty: "EC", attributes: { nbf: START_S + 60, exp: START_S + 3600 } });
    expect(res.status).toBe(200);
    const a = res.json.attributes;
    expect(a).toMatchObject({ created: START_S + 1, updated: START_S + 1, nbf: START_S + 60, exp: START_S + 3600, enabled: true });
    for (const member of ["created", "updated", "nbf", "exp"]) expect(Number.isInteger(a[member])).toBe(true);
    expect(res.body).toContain(`"created":${START_S + 1}`);
  });

  it("encodes binary members as base64url without padding", async () => {
    const rsa = await create(VAULT, "b64", { kty: "RSA", key_size: 2048, public_exponent: 3 });
    expect(rsa.json.key.e).toBe("Aw");
    const ec = await create(VAULT, "b64ec", { kty: "EC", crv: "P-521" });
    for (const value of [rsa.json.key.n, rsa.json.key.e, ec.json.key.x, ec.json.key.y]) {
      expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(Buffer.from(ec.json.key.x, "base64url")).toHaveLength(66);
  });

  it("builds kid, recoveryId and nextLink from the request's host, port included", async () => {
    const withPort = { host: "wire.vault.localhost:8443" };
    const base = "https://wire.vault.localhost:8443";
    const created = await create(base, "p1", { kty: "EC" }, withPort);
    await create(base, "p2", { kty: "EC" }, withPort);
    expect(created.json.key.kid).toMatch(/^https:\/\/wire\.vault\.localhost:8443\/keys\/p1\/[0-9a-f]{32}$/);

    // Computed per request, never stored: the same key read without a port has no port in its kid.
    const plain = await raw(emulator, { method: "GET", url: `${VAULT}/keys/p1?${API}` });
    expect(plain.json.key.kid).toBe(created.json.key.kid.replace(":8443", ""));

    const list = await raw(emulator, { method: "GET", url: `${base}/keys?${API}&maxresults=1`, headers: withPort });
    expect(list.json.value).toHaveLength(1);
    expect(list.json.value[0].kid).toBe(`${base}/keys/p1`);
    expect(list.json.nextLink).toMatch(/^https:\/\/wire\.vault\.localhost:8443\/keys\?api-version=2025-07-01&\$skiptoken=[A-Za-z0-9_%-]+&maxresults=1$/);
    const second = await raw(emulator, { method: "GET", url: list.json.nextLink, headers: withPort });
    expect(second.json.value.map((i: { kid: string }) => i.kid)).toEqual([`${base}/keys/p2`]);
    expect(second.json.nextLink).toBeNull();

    const deleted = await raw(emulator, { method: "DELETE", url: `${base}/keys/p1?${API}`, headers: withPort });
    expect(deleted.json.recoveryId).toBe(`${base}/deletedkeys/p1`);
    expect(deleted.json.key.kid).toBe(created.json.key.kid);
  });

  it("keeps the api-version of the request in nextLink", async () => {
    await create(VAULT, "a");
    await create(VAULT, "b");
    const list = await raw(emulator, { method: "GET", url: `${VAULT}/keys?api-version=7.4&maxresults=1` });
    expect(new URL(list.json.nextLink).searchParams.get("api-version")).toBe("7.4");
  });

  it("answers purge with 204 and an empty body", async () => {
    await create(VAULT, "gone");
    await raw(emulator, { method: "DELETE", url: `${VAULT}/keys/gone?${API}` });
    const res = await raw(emulator, { method: "DELETE", url: `${VAULT}/deletedkeys/gone?${API}` });
    expect(res.status).toBe(204);
    expect(res.body).toBe("");
  });
});

describe("error envelope and codes", () => {
  it("KeyNotFound 404 with the service's message and nothing else", async () => {
    await create(VAULT, "present");
    const res = await raw(emulator, { method: "GET", url: `${VAULT}/keys/absent?${API}` });
    expectError(res, 404, "KeyNotFound");
    expect(Object.keys(res.json)).toEqual(["error"]);
    expect(Object.keys(res.json.error).sort()).toEqual(["code", "message"]);
    expect(res.json.error.message).toMatch(/^A key with \(name\/id\) absent was not found in this key vault\./);
  });

  it("Conflict 409 with innererror ObjectIsDeletedButRecoverable", async () => {
    await create(VAULT, "del");
    await raw(emulator, { method: "DELETE", url: `${VAULT}/keys/del?${API}` });
    const res = await create(VAULT, "del");
    expectError(res, 409, "Conflict");
    expect(res.json.error.innererror).toEqual({ code: "ObjectIsDeletedButRecoverable" });
    const imported = await raw(emulator, {
      method: "PUT",
      url: `${VAULT}/keys/del?${API}`,
      body: { key: privateJwk("ec") },
    });
    expectError(imported, 409, "Conflict");
    expect(imported.json.error.innererror.code).toBe("ObjectIsDeletedButRecoverable");
  });

  it("Forbidden 403 for purge under purge protection", async () => {
    emulator.configureVault({ name: "wire", kind: "vault", purgeProtection: true });
    await create(VAULT, "pp");
    await raw(emulator, { method: "DELETE", url: `${VAULT}/keys/pp?${API}` });
    expectError(await raw(emulator, { method: "DELETE", url: `${VAULT}/deletedkeys/pp?${API}` }), 403, "Forbidden");
  });

  it("KeyCurveNotSupported 400 for an unknown curve", async () => {
    expectError(await create(VAULT, "c", { kty: "EC", crv: "P-192" }), 400, "KeyCurveNotSupported");
    expectError(await create(VAULT, "c", { kty: "EC", crv: "Ed25519" }), 400, "KeyCurveNotSupported");
  });

  it("BadParameter 400 for a bad key name, key type or size", async () => {
    expectError(await create(VAULT, "bad_name"), 400, "BadParameter");
    expectError(await create(VAULT, "k", { kty: "DSA" }), 400, "BadParameter");
    expectError(await create(VAULT, "k", { kty: "RSA", key_size: 1024 }), 400, "BadParameter");
    expectError(await create(VAULT, "k", { kty: "RSA", public_exponent: 4 }), 400, "BadParameter");
    expectError(await create(VAULT, "k", { kty: "oct-HSM", key_size: 256 }), 400, "BadParameter");
    expectError(await create(HSM, "k", { kty: "oct-HSM", key_size: 512 }), 400, "BadParameter");
  });
});

describe("a caller's mistake is never a 5xx", () => {
  const bodies: Array<[string, string, unknown]> = [
    // [method, path, body]
    ["POST", "/keys/m/create", "{not json"],
    ["POST", "/keys/m/create", ""],
    ["POST", "/keys/m/create", "[]"],
    ["POST", "/keys/m/create", '"text"'],
    ["POST", "/keys/m/create", "null"],
    ["POST", "/keys/m/create", {}],
    ["POST", "/keys/m/create", { kty: 5 }],
    ["POST", "/keys/m/create", { kty: "RSA", key_size: "2048" }],
    ["POST", "/keys/m/create", { kty: "RSA", key_size: 2048.5 }],
    ["POST", "/keys/m/create", { kty: "RSA", key_size: 1e300 }],
    ["POST", "/keys/m/create", { kty: "RSA", public_exponent: "3" }],
    ["POST", "/keys/m/create", { kty: "RSA", public_exponent: 1e300 }],
    ["POST", "/keys/m/create", { kty: "EC", crv: 7 }],
    ["POST", "/keys/m/create", { kty: "EC", key_ops: "sign" }],
    ["POST", "/keys/m/create", { kty: "EC", key_ops: ["fly"] }],
    ["POST", "/keys/m/create", { kty: "EC", key_ops: [1] }],
    ["POST", "/keys/m/create", { kty: "EC", attributes: [] }],
    ["POST", "/keys/m/create", { kty: "EC", attributes: "on" }],
    ["POST", "/keys/m/create", { kty: "EC", attributes: { enabled: "yes" } }],
    ["POST", "/keys/m/create", { kty: "EC", attributes: { nbf: "soon" } }],
    ["POST", "/keys/m/create", { kty: "EC", attributes: { exp: 1.5 } }],
    ["POST", "/keys/m/create", { kty: "EC", attributes: { exp: -1 } }],
    ["POST", "/keys/m/create", { kty: "EC", attributes: { exp: 1e20 } }],
    ["POST", "/keys/m/create", { kty: "EC", attributes: { exportable: "true" } }],
    ["POST", "/keys/m/create", { kty: "EC", tags: [] }],
    ["POST", "/keys/m/create", { kty: "EC", tags: { a: 1 } }],
    ["POST", "/keys/m/create", { kty: "EC", tags: { a: { b: "c" } } }],
    ["POST", "/keys/m/create", { kty: "EC", tags: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, "v"])) }],
    ["POST", "/keys/m/create", { kty: "EC", release_policy: "x" }],
    ["POST", "/keys/m/create", { kty: "EC", release_policy: { data: 5 } }],
    ["POST", "/keys/m/create", { kty: "EC", release_policy: { data: "!!!" } }],
    ["POST", "/keys/m/create", { kty: "EC", release_policy: { data: "bm90IGpzb24" } }],
    ["POST", "/keys/m/create", { kty: "EC", release_policy: { data: "e30", immutable: "no" } }],
    ["POST", "/keys/m/create", { kty: "EC", attributes: { exportable: true }, release_policy: { data: "e30", contentType: 5 } }],
    ["PUT", "/keys/m", { key: "x" }],
    ["PUT", "/keys/m", {}],
    ["PUT", "/keys/m", { key: { kty: 5 } }],
    ["PUT", "/keys/m", { key: { kty: "RSA", n: 5, e: "AQAB", d: "AQAB" } }],
    ["PUT", "/keys/m", { key: { kty: "RSA", n: "AQAB", e: "AQAB", d: "AQAB", p: "AQAB", q: "AQAB", dp: "AQAB", dq: "AQAB", qi: "AQAB" } }],
    ["PUT", "/keys/m", { key: { kty: "RSA", n: "***", e: "AQAB", d: "AQAB", p: "AQAB", q: "AQAB", dp: "AQAB", dq: "AQAB", qi: "AQAB" } }],
    ["PUT", "/keys/m", { key: { kty: "EC", crv: "P-256", x: "AA", y: "AA", d: "AA" } }],
    ["PUT", "/keys/m", { key: { kty: "EC", crv: "P-256", x: "AA", y: "AA" } }],
    ["PUT", "/keys/m", { key: { kty: "EC", crv: 5, x: "AA", y: "AA", d: "AA" } }],
    ["PUT", "/keys/m", { key: { kty: "oct", k: "AAAA" } }],
    ["PUT", "/keys/m", { key: { ...privateJwk("ec"), key_ops: "sign" } }],
    ["PUT", "/keys/m", { key: privateJwk("ec"), Hsm: "yes" }],
    ["PATCH", "/keys/existing", { attributes: { enabled: 1 } }],
    ["PATCH", "/keys/existing", { key_ops: {} }],
    ["PATCH", "/keys/existing", "{"],
    ["PATCH", "/keys/existing/not-a-version", {}],
    ["POST", "/keys/restore", { value: 5 }],
    ["POST", "/keys/restore", { value: "not base64!" }],
    ["POST", "/keys/restore", { value: "AAAA" }],
    ["POST", "/keys/restore", { value: Buffer.from("KVKEYBAK\u0001").toString("base64url") + "A".repeat(80) }],
    ["POST", "/keys/restore", {}],
    ["GET", "/keys?maxresults=0", undefined],
    ["GET", "/keys?maxresults=26", undefined],
    ["GET", "/keys?maxresults=abc", undefined],
    ["GET", "/keys?$skiptoken=garbage", undefined],
    ["GET", "/keys?$skiptoken=%FF%FE", undefined],
    ["GET", "/keys/existing/versions?$skiptoken=bjp4", undefined],
    ["GET", "/deletedkeys?maxresults=-1", undefined],
    ["GET", "/keys/%E0%A4%A", undefined],
    ["GET", "/keys/" + "a".repeat(300), undefined],
    ["DELETE", "/keys/not-there", undefined],
    ["POST", "/deletedkeys/not-there/recover", undefined],
  ];

  it.each(bodies.map((b, i) => [i, ...b] as const))("#%i %s %s", async (_i, method, path, body) => {
    await create(VAULT, "existing");
    const sep = path.includes("?") ? "&" : "?";
    const res = await raw(emulator, { method, url: `${VAULT}${path}${sep}${API}`, ...(body !== undefined ? { body } : {}) });
    expect(res.status, res.body).toBeGreaterThanOrEqual(400);
    expect(res.status, res.body).toBeLessThan(500);
    // One code word, or the service's own spaced code for a restore blob it cannot read.
    expect(res.json.error.code).toMatch(/^[A-Za-z]+$|^Malformed backup blob$/);
  });

  it("refuses a body above the size limit without parsing it", async () => {
    const res = await raw(emulator, { method: "POST", url: `${VAULT}/keys/big/create?${API}`, body: `{"kty":"EC","tags":{"a":"${"x".repeat(1_100_000)}"}}` });
    expect(res.status).toBe(413);
    // The same code the HTTPS server gives when it refuses the body before the handler sees it.
    expect(res.json.error).toEqual({ code: "RequestBodyTooLarge", message: "The request body exceeds the limit of 1048576 bytes." });
  });
});

describe("private material never leaves", () => {
  it("is absent from every GET, list, update, delete, recover and restore answer", async () => {
    const imported = privateJwk("rsa");
    const answers: RawResponse[] = [];
    const call = async (method: string, url: string, body?: unknown) => {
      const res = await raw(emulator, { method, url, ...(body !== undefined ? { body } : {}) });
      expect(res.status, `${method} ${url}: ${res.body}`).toBeLessThan(300);
      answers.push(res);
      return res;
    };
    await call("PUT", `${VAULT}/keys/imp?${API}`, { key: imported });
    await call("POST", `${VAULT}/keys/ec/create?${API}`, { kty: "EC", crv: "P-256K" });
    await call("POST", `${HSM}/keys/sym/create?${API}`, { kty: "oct-HSM", key_size: 256 });
    await call("PUT", `${HSM}/keys/sym-imp?${API}`, { key: { kty: "oct", k: Buffer.alloc(32, 7).toString("base64url") } });
    for (const [base, name] of [[VAULT, "imp"], [VAULT, "ec"], [HSM, "sym"], [HSM, "sym-imp"]] as const) {
      await call("GET", `${base}/keys/${name}?${API}`);
      await call("GET", `${base}/keys/${name}/versions?${API}`);
      await call("PATCH", `${base}/keys/${name}/?${API}`, { tags: { x: "y" } });
      const backup = await call("POST", `${base}/keys/${name}/backup?${API}`);
      await call("DELETE", `${base}/keys/${name}?${API}`);
      await call("GET", `${base}/deletedkeys/${name}?${API}`);
      await call("GET", `${base}/deletedkeys?${API}`);
      await call("POST", `${base}/deletedkeys/${name}/recover?${API}`);
      await call("GET", `${base}/keys?${API}`);
      await call("DELETE", `${base}/keys/${name}?${API}`);
      await call("DELETE", `${base}/deletedkeys/${name}?${API}`);
      await call("POST", `${base}/keys/restore?${API}`, { value: backup.json.value });
    }
    expect(answers.length).toBeGreaterThan(40);
    for (const res of answers) {
      const names = memberNames(res.json);
      for (const member of PRIVATE_MEMBERS) expect(names.has(member), `${member} in ${res.body.slice(0, 200)}`).toBe(false);
      expect(res.body).not.toContain(imported.d);
      expect(res.body).not.toContain(imported.p);
      expect(res.body).not.toContain(Buffer.alloc(32, 7).toString("base64url"));
    }
  });
});

function privateJwk(kind: "rsa" | "ec"): Record<string, string> {
  const { privateKey } = kind === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ec", { namedCurve: "P-256" });
  return privateKey.export({ format: "jwk" }) as Record<string, string>;
}
