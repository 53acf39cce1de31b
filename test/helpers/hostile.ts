import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createEmulator, LOCAL_ATTESTATION_AUTHORITY, type Emulator } from "../../src/emulator/index.js";
import { MAX_BODY_BYTES } from "../../src/emulator/http/pipeline.js";
import type { WireRequest, WireResponse } from "../../src/emulator/http/wire.js";
import type { Random } from "./prng.js";
import { tokenFor } from "./emulator.js";

// Hostile requests for the fuzz suites (test/reliability/fuzz-*.test.ts): an emulator seeded with keys
// of every family, a generator of malformed requests drawn from a seeded Random, and the contract
// every answer must keep. Shared by the in-process handler fuzz and the smaller sample over HTTPS.

/** The bench's bound for a single answer (a super-linear parser would exceed it): bench/hostile.mjs, never a test. */
export const SLOW_MS = 1500;

export const API = "api-version=2025-07-01";
export const VAULT = "fz.vault.localhost";
export const HSM = "fzh.managedhsm.localhost";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// One RSA key for every round (imported, so no round pays for RSA generation), and a TEE key.
export const rsaJwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }) as Record<string, string>;
const runtime = generateKeyPairSync("rsa", { modulusLength: 2048 });
export const b64u = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
export const POLICY = { version: "1.0.0", anyOf: [{ authority: LOCAL_ATTESTATION_AUTHORITY, allOf: [{ claim: "app", equals: "fuzz" }] }] };

export interface Seeded {
  emulator: Emulator;
  /** Private members of the seeded keys: no response may contain any of them. */
  secrets: Array<[string, string]>;
  attestation: string;
  versions: string[];
}

/** Seeds the given emulator (default: a fresh in-memory one with the identity endpoint). */
export async function seedEmulator(emulator: Emulator = createEmulator({ inMemory: true, identityEndpoint: true })): Promise<Seeded> {
  const send = async (method: string, url: string, body?: unknown) => {
    const res = await emulator.handle({
      method,
      url: `https://${url}`,
      headers: { authorization: `Bearer ${tokenFor(emulator, `https://${url}`)}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (res.status >= 300) throw new Error(`seeding ${method} ${url}: ${res.status} ${res.body}`);
    return res.body === "" ? undefined : JSON.parse(res.body);
  };
  const ec = await send("POST", `${VAULT}/keys/ec/create?${API}`, { kty: "EC", crv: "P-256" });
  await send("PUT", `${VAULT}/keys/rsa?${API}`, { key: rsaJwk });
  await send("POST", `${VAULT}/keys/gone/create?${API}`, { kty: "EC" });
  await send("DELETE", `${VAULT}/keys/gone?${API}`);
  await send("PUT", `${VAULT}/keys/ec/rotationpolicy?${API}`, {
    lifetimeActions: [{ trigger: { timeAfterCreate: "P90D" }, action: { type: "Rotate" } }],
    attributes: { expiryTime: "P1Y" },
  });
  const aesK = randomBytes(32);
  await send("PUT", `${HSM}/keys/aes?${API}`, {
    key: { kty: "oct-HSM", k: aesK.toString("base64url"), key_ops: ["encrypt", "decrypt", "wrapKey", "unwrapKey", "sign", "verify"] },
  });
  const xp = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }) as Record<string, string>;
  await send("PUT", `${HSM}/keys/xp?${API}`, {
    key: { ...xp, kty: "EC-HSM" },
    attributes: { exportable: true },
    release_policy: { data: b64u(POLICY) },
  });
  const attestation = await emulator.issueAttestationToken({ claims: { app: "fuzz" }, runtimeKey: runtime.publicKey });
  const secrets: Array<[string, string]> = [
    ...(["d", "p", "q", "dp", "dq", "qi"] as const).map((m): [string, string] => [`rsa ${m}`, rsaJwk[m]!]),
    ["aes k", aesK.toString("base64url")],
    ["exportable EC d", xp.d!],
  ];
  return { emulator, secrets, attestation, versions: [ec.key.kid.split("/").pop()] };
}

// ---- hostile values ------------------------------------------------------------------------------

/** Placeholders replaced after JSON.stringify by text that JSON.stringify could not produce (deep nesting). */
const DEEP = "\u0001DEEP:";
function expandDeep(text: string): string {
  return text.replace(/"\\u0001DEEP:(\w+):(\d+)"/g, (_m, kind: string, n: string) => {
    const depth = Number(n);
    if (kind === "array") return "[".repeat(depth) + "]".repeat(depth);
    if (kind === "object") return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
    return '{"anyOf":['.repeat(depth) + '{"claim":"app","equals":"fuzz"}' + "]}".repeat(depth);
  });
}

function hostile(r: Random): unknown {
  const makers: Array<() => unknown> = [
    () => null,
    () => true,
    () => false,
    () => 0,
    () => -1,
    () => 1.5,
    () => 1e308,
    () => -1e308,
    () => 2 ** 53 + 2,
    () => r.pick([128, 192, 256, 384, 521, 1024, 2047, 2049, 8192, 3, 65537, 4294967297]),
    () => "",
    () => " ",
    () => "\u0000",
    () => "a\u0000b",
    () => "\ud800",
    () => "../..",
    () => "%2e%2e",
    () => "x".repeat(r.pick([127, 128, 1000, 70_000])),
    () => "=".repeat(r.between(2_000, 120_000)) + "a",
    () => "/".repeat(r.between(2_000, 120_000)) + "a",
    () => "!!!not base64url!!!",
    () => "abcde",
    () => r.string(r.between(1, 80), B64URL),
    () => randomBytes(r.pick([1, 12, 16, 31, 32, 48, 64, 256, 513])).toString("base64url"),
    () => randomBytes(r.pick([16, 32])).toString("base64"),
    () => [],
    () => [null],
    () => Array.from({ length: r.pick([2, 16, 5000]) }, () => r.pick(["sign", "verify", "x", 1])),
    () => ({}),
    () => ({ toString: 1 }),
    () => ({ toString: 1, valueOf: 1 }),
    () => JSON.parse('{"__proto__":{"polluted":true}}'),
    () => ({ constructor: { prototype: { polluted: true } } }),
    () => `${DEEP}${r.pick(["array", "object"])}:${r.pick([100, 5_000, 60_000])}`,
    () => r.pick(["EC", "EC-HSM", "RSA", "RSA-HSM", "oct", "oct-HSM", "ec", "AES"]),
    () => r.pick(["P-256", "P-384", "P-521", "P-256K", "Ed25519", "secp256k1"]),
    () => r.pick(["RS256", "PS512", "ES256", "HS256", "RSA-OAEP", "RSA-OAEP-256", "RSA1_5", "A256GCM", "A256CBCPAD", "A256KW", "CKM_AES_KEY_WRAP_PAD", "none"]),
    () => r.pick(["P30D", "P1Y", "PT1H", "P0D", "P-1D", "P99999999999D", "1d", "P1.5D"]),
  ];
  return r.pick(makers)();
}

/** Either a hostile value or a plausible one. */
function value(r: Random, plausible: () => unknown): unknown {
  return r.chance(0.6) ? plausible() : hostile(r);
}

function members(r: Random, spec: Record<string, () => unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, plausible] of Object.entries(spec)) {
    if (r.chance(0.85)) out[name] = value(r, plausible);
  }
  if (r.chance(0.1)) out[r.pick(["extra", "__proto__", "constructor", "KTY", ""])] = hostile(r);
  return out;
}

function releasePolicyMember(r: Random): unknown {
  const data = r.pick<() => string>([
    () => b64u(POLICY),
    () => b64u(hostile(r)),
    () => b64u({ version: "1.0.0", anyOf: [{ authority: LOCAL_ATTESTATION_AUTHORITY, anyOf: [`${DEEP}policy:${r.pick([50, 3_000, 40_000])}`] }] }),
    () => b64u({ version: "1.0.0", anyOf: [{ authority: `https://a/${"/".repeat(r.between(1000, 100_000))}x`, allOf: [{ claim: "app", equals: "fuzz" }] }] }),
    () => {
      const v = hostile(r);
      return typeof v === "string" ? v : JSON.stringify(v);
    },
  ])();
  return members(r, { data: () => data, contentType: () => "application/json; charset=utf-8", immutable: () => r.chance(0.5) });
}

function attributesMember(r: Random): unknown {
  const now = Math.floor(Date.now() / 1000);
  return members(r, {
    enabled: () => r.chance(0.8),
    nbf: () => now - 60,
    exp: () => now + r.pick([-60, 3600, 86400 * 400]),
    exportable: () => r.chance(0.2),
  });
}

type BodyKind = "none" | "create" | "import" | "update" | "cipher" | "sign" | "verify" | "restore" | "rng" | "rotationPolicy" | "release";

function structuredBody(kind: BodyKind, r: Random, s: Seeded): unknown {
  switch (kind) {
    case "none":
      return hostile(r);
    case "create":
      return members(r, {
        kty: () => r.pick(["EC", "EC-HSM", "oct-HSM", "RSA"]),
        crv: () => r.pick(["P-256", "P-384", "P-256K"]),
        key_size: () => r.pick([128, 256, 2048]),
        public_exponent: () => 65537,
        key_ops: () => r.pick([["sign", "verify"], ["encrypt"], []]),
        attributes: () => attributesMember(r),
        tags: () => Object.fromEntries(Array.from({ length: r.pick([1, 15, 16, 200]) }, (_, i) => [`t${i}`, r.chance(0.9) ? "v" : hostile(r)])),
        release_policy: () => releasePolicyMember(r),
      });
    case "import":
      return members(r, {
        key: () =>
          r.pick<() => unknown>([
            () => ({ ...rsaJwk, [r.pick(["n", "e", "d", "p", "q", "dp", "dq", "qi"])]: hostile(r) }),
            () => members(r, { kty: () => "EC", crv: () => "P-256", x: () => r.string(43, B64URL), y: () => r.string(43, B64URL), d: () => r.string(43, B64URL) }),
            () => members(r, { kty: () => "oct-HSM", k: () => randomBytes(r.pick([16, 24, 32, 33])).toString("base64url") }),
            () => members(r, { kty: () => "RSA-HSM", key_hsm: () => b64u(hostile(r)), kid: () => `https://${VAULT}/keys/rsa` }),
            () => ({ kty: "RSA", n: "A".repeat(r.pick([1000, 400_000])), e: "AQAB", d: "A".repeat(1000), p: "Aw", q: "Aw", dp: "A", dq: "A", qi: "A" }),
          ])(),
        Hsm: () => r.chance(0.5),
        attributes: () => attributesMember(r),
        tags: () => ({ a: "b" }),
        release_policy: () => releasePolicyMember(r),
      });
    case "update":
      return members(r, {
        key_ops: () => ["sign"],
        attributes: () => attributesMember(r),
        tags: () => ({ fuzz: "yes" }),
        release_policy: () => releasePolicyMember(r),
      });
    case "cipher":
      return members(r, {
        alg: () => r.pick(["RSA-OAEP", "RSA-OAEP-256", "RSA1_5", "A256GCM", "A256CBC", "A256CBCPAD", "A256KW", "CKM_AES_KEY_WRAP_PAD"]),
        value: () => randomBytes(r.pick([0, 16, 32, 256])).toString("base64url"),
        iv: () => randomBytes(r.pick([12, 16])).toString("base64url"),
        tag: () => randomBytes(16).toString("base64url"),
        aad: () => randomBytes(8).toString("base64url"),
      });
    case "sign":
      return members(r, {
        alg: () => r.pick(["RS256", "PS384", "ES256", "ES384", "HS256"]),
        value: () => randomBytes(r.pick([32, 48, 64, 0])).toString("base64url"),
      });
    case "verify":
      return members(r, {
        alg: () => r.pick(["RS256", "ES256", "HS512"]),
        digest: () => randomBytes(32).toString("base64url"),
        value: () => randomBytes(r.pick([64, 256])).toString("base64url"),
      });
    case "restore":
      return members(r, { value: () => randomBytes(r.pick([0, 8, 100, 5000])).toString("base64url") });
    case "rng":
      return members(r, { count: () => r.pick([0, 1, 32, 128, 129, -5]) });
    case "rotationPolicy":
      return members(r, {
        lifetimeActions: () =>
          Array.from({ length: r.pick([0, 1, 2, 3]) }, () =>
            members(r, {
              trigger: () => members(r, { timeAfterCreate: () => "P30D", timeBeforeExpiry: () => "P30D" }),
              action: () => members(r, { type: () => r.pick(["Rotate", "Notify", "rotate", "Delete"]) }),
            }),
          ),
        attributes: () => members(r, { expiryTime: () => r.pick(["P1Y", "P28D", "P27D"]) }),
      });
    case "release":
      return members(r, {
        target: () => r.pick([s.attestation, s.attestation.slice(0, -3) + "abc", "a.b.c", "not-a-jwt"]),
        nonce: () => "n0nce",
        enc: () => r.pick(["CKM_RSA_AES_KEY_WRAP", "RSA_AES_KEY_WRAP_256", "RSA_AES_KEY_WRAP_384", "A256KW"]),
      });
  }
}

function rawBody(r: Random): string | undefined {
  return r.pick<() => string | undefined>([
    () => undefined,
    () => "",
    () => " \n\t",
    () => "null",
    () => "[]",
    () => "1",
    () => '"str"',
    () => "{",
    () => '{"kty":',
    () => "{'kty':'EC'}",
    () => '{"kty":"EC",}',
    () => "\u0000\u0001\u0002",
    () => randomBytes(r.pick([1, 64, 4096])).toString("latin1"),
    () => "\ufeff{}",
    () => `{"a":${"[".repeat(r.pick([10, 100_000]))}`,
    () => "x".repeat(MAX_BODY_BYTES + 1),
    () => JSON.stringify({ value: "A".repeat(MAX_BODY_BYTES) }),
  ])();
}

// ---- requests ------------------------------------------------------------------------------------

interface RouteTemplate {
  method: string;
  /** Segments after the host; {n} a key name, {v} a version. */
  path: string;
  body: BodyKind;
  /** The key names this route is most often sent for (so that requests get past the lookups). */
  names?: string[];
}

const ROUTES: RouteTemplate[] = [
  { method: "GET", path: "/keys", body: "none" },
  { method: "GET", path: "/keys/{n}/versions", body: "none" },
  { method: "GET", path: "/keys/{n}", body: "none" },
  { method: "GET", path: "/keys/{n}/{v}", body: "none" },
  { method: "PATCH", path: "/keys/{n}/{v}", body: "update" },
  { method: "PATCH", path: "/keys/{n}", body: "update" },
  { method: "DELETE", path: "/keys/{n}", body: "none", names: ["gone", "fresh", "new-key"] },
  { method: "PUT", path: "/keys/{n}", body: "import", names: ["gone", "fresh", "rsa"] },
  { method: "POST", path: "/keys/{n}/create", body: "create", names: ["gone", "fresh", "ec"] },
  { method: "POST", path: "/keys/{n}/backup", body: "none" },
  { method: "POST", path: "/keys/restore", body: "restore" },
  { method: "POST", path: "/keys/{n}/{v}/encrypt", body: "cipher", names: ["rsa", "aes", "ec"] },
  { method: "POST", path: "/keys/{n}/{v}/decrypt", body: "cipher", names: ["rsa", "aes"] },
  { method: "POST", path: "/keys/{n}/{v}/wrapkey", body: "cipher", names: ["rsa", "aes", "xp"] },
  { method: "POST", path: "/keys/{n}/{v}/unwrapkey", body: "cipher", names: ["rsa", "aes"] },
  { method: "POST", path: "/keys/{n}/{v}/sign", body: "sign", names: ["ec", "rsa", "aes", "xp"] },
  { method: "POST", path: "/keys/{n}/{v}/verify", body: "verify", names: ["ec", "rsa", "aes"] },
  // Rotating "rsa" generates an RSA key (tens of milliseconds): rarely.
  { method: "POST", path: "/keys/{n}/rotate", body: "none", names: ["ec", "aes", "xp", "gone"] },
  { method: "GET", path: "/keys/{n}/rotationpolicy", body: "none" },
  { method: "PUT", path: "/keys/{n}/rotationpolicy", body: "rotationPolicy" },
  { method: "POST", path: "/keys/{n}/{v}/release", body: "release", names: ["xp", "aes"] },
  { method: "GET", path: "/keys/{n}/{v}/attestation", body: "none" },
  { method: "GET", path: "/deletedkeys", body: "none" },
  { method: "GET", path: "/deletedkeys/{n}", body: "none" },
  { method: "DELETE", path: "/deletedkeys/{n}", body: "none", names: ["gone", "fresh"] },
  { method: "POST", path: "/deletedkeys/{n}/recover", body: "none", names: ["gone", "fresh"] },
  { method: "POST", path: "/rng", body: "rng" },
  { method: "GET", path: "/msi/token", body: "none" },
];

const NAMES = ["ec", "rsa", "aes", "xp", "gone", "fresh", "new-key"];
const PATH_TRICKS = [
  "",
  ".",
  "..",
  "%2e%2e",
  "%2E%2e",
  ".%2e",
  "a%2Fb",
  "a%2fb%2f..",
  "%2F",
  "a%00b",
  "%00",
  "\u0000",
  "%",
  "%zz",
  "%e0%80%80",
  "%ff%fe",
  "a b",
  "%20",
  "ключ",
  "a_b",
  "-",
  "k".repeat(127),
  "k".repeat(128),
  "k".repeat(20_000),
  "keys",
  "restore",
  "versions",
  "?",
  "#frag",
  "a;b",
];
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "FOO", "", "get", "pOsT", "GET ", "G\u0000ET"];
const API_VERSIONS = ["2025-07-01", "7.0", "7.4-preview.1", "7.6", "", "2099-01-01", "7", "latest", "2025-07-01 ", "%00", "x".repeat(5000), "2025-07-01&api-version=7.0"];
const HOSTS = [
  "",
  "localhost",
  "127.0.0.1",
  "[::1]:8443",
  "fz.vault.localhost:99999",
  "fz.vault.localhost:0",
  "FZ.VAULT.LOCALHOST",
  "x..vault.localhost",
  ".vault.localhost",
  `${"a".repeat(25)}.vault.localhost`,
  `${"a".repeat(70_000)}.vault.localhost`,
  "fz.vault.localhost@evil.example",
  "evil.example",
  "fz.managedhsm.localhost",
  "fz.vault.localhost\u0000.evil",
  "fz.vault.localhost:8443:8443",
];

function fill(route: RouteTemplate, r: Random, s: Seeded): string {
  return route.path
    .split("/")
    .map((segment) => {
      if (segment === "{n}") return r.chance(0.15) ? r.pick(PATH_TRICKS) : route.names && r.chance(0.9) ? r.pick(route.names) : r.pick(NAMES);
      if (segment === "{v}") {
        return r.pick([() => "", () => "", () => s.versions[0]!, () => randomBytes(16).toString("hex"), () => r.pick(PATH_TRICKS)])();
      }
      if (segment !== "" && r.chance(0.03)) return r.pick(PATH_TRICKS);
      return segment;
    })
    .join("/");
}

export function request(r: Random, s: Seeded): WireRequest {
  const route = r.pick(ROUTES);
  const hsmNames = ["aes", "xp"];
  const container = route.path === "/rng" || route.body === "release" || r.chance(0.15) ? HSM : VAULT;
  const path = fill(route, r, s);
  // A key of the HSM addressed in the vault (or the other way round) is just a 404: keep them apart mostly.
  if (r.chance(0.9)) for (const name of hsmNames) if (path.startsWith(`/keys/${name}/`) || path === `/keys/${name}`) return requestFor(route, r, s, HSM, path);
  return requestFor(route, r, s, container, path);
}

function requestFor(route: RouteTemplate, r: Random, s: Seeded, container: string, path: string): WireRequest {
  let host = r.chance(0.06) ? r.pick(HOSTS) : container;
  if (r.chance(0.04)) path = r.pick(["/keys/../deletedkeys/gone", "/keys/%2e%2e/%2e%2e/x", "//keys", "/keys//", "/./keys", "/keys/ec/../../rng", `/${"a/".repeat(5000)}`, "keys", "*"]);
  if (r.chance(0.03)) path += r.pick(["/", "//", "/extra", "/extra/more/segments", "%2F"]);
  let query = r.chance(0.1) ? (r.chance(0.2) ? "" : `api-version=${r.pick(API_VERSIONS)}`) : API;
  if (r.chance(0.06)) query += r.pick(["&maxresults=0", "&maxresults=26", "&maxresults=1.5", "&maxresults=-1", "&$skiptoken=%%%", "&$skiptoken=" + b64u("v:NaN"), "&$skiptoken=" + b64u("n:\u0000"), "&a=%ZZ", "&&&", "&api-version=7.0"]);
  if (route.path === "/msi/token") query = r.pick(["api-version=2019-08-01&resource=https://vault.localhost", "resource=", "", "resource=%00", `resource=${"r".repeat(5000)}`]);
  const method = r.chance(0.08) ? r.pick(METHODS) : route.method;
  const url = `https://${host}${path}${query === "" ? "" : `?${query}`}`;

  const headers: Record<string, string | undefined> = { "content-type": "application/json" };
  const tokenKind = r.next();
  if (tokenKind < 0.9) headers.authorization = `Bearer ${tokenFor(s.emulator, `https://${container}`)}`;
  else if (tokenKind < 0.94) headers.authorization = r.pick(["", "Bearer", "Bearer ", "Basic abc", "bearer x.y.z", `Bearer ${"a".repeat(20_000)}`, "Bearer a.b", "Bearer \u0000"]);
  else if (tokenKind < 0.97) headers.authorization = `Bearer ${s.emulator.issueToken("fuzz", "https://elsewhere.example").token}`;
  if (r.chance(0.05)) host = r.pick(HOSTS);
  if (r.chance(0.08)) headers.host = host;
  if (r.chance(0.05)) headers["content-type"] = r.pick(["text/plain", "", "application/json; charset=latin1", "multipart/form-data; boundary=x"]);
  if (r.chance(0.03)) headers["x-identity-header"] = r.pick(["", s.emulator.identityHeader, "wrong"]);
  if (r.chance(0.03)) headers[r.pick(["x-ms-client-request-id", "content-length", "transfer-encoding", "x-\u0000"])] = r.pick(["-1", "abc", "9".repeat(40), "chunked"]);

  let body: string | undefined;
  if (r.chance(0.2)) body = rawBody(r);
  else {
    const value = structuredBody(route.body, r, s);
    body = value === undefined ? undefined : expandDeep(JSON.stringify(value));
  }
  return { method, url, headers, ...(body === undefined ? {} : { body }) };
}

/**
 * A huge RSA "key" whose members pass the arithmetic consistency checks (n = pq, ed = 1 mod p-1 and
 * q-1, CRT members) but whose p and q are random odd numbers: cheap to make, costly to check.
 */
export function compositeRsaJwk(bits: number): Record<string, string> {
  const rnd = (n: number) => BigInt(`0x${randomBytes(n / 8).toString("hex")}`) | 1n | (1n << BigInt(n - 1));
  const gcd = (a: bigint, b: bigint) => {
    while (b) [a, b] = [b, a % b];
    return a;
  };
  const inv = (a: bigint, m: bigint): bigint | undefined => {
    let [r0, r1, s0, s1] = [((a % m) + m) % m, m, 1n, 0n];
    while (r1 !== 0n) {
      const q = r0 / r1;
      [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
    }
    return r0 === 1n ? ((s0 % m) + m) % m : undefined;
  };
  const e = 65537n;
  for (;;) {
    const p = rnd(bits / 2);
    const q = rnd(bits / 2);
    const d = gcd(p, q) === 1n ? inv(e, ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n)) : undefined;
    const qi = d === undefined ? undefined : inv(q, p);
    if (d === undefined || qi === undefined) continue;
    const b = (x: bigint) => {
      const hex = x.toString(16);
      return Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex").toString("base64url");
    };
    return { kty: "RSA", n: b(p * q), e: b(e), d: b(d), p: b(p), q: b(q), dp: b(d % (p - 1n)), dq: b(d % (q - 1n)), qi: b(qi) };
  }
}

// ---- the contract ----------------------------------------------------------------------------------

export function describeRequest(req: WireRequest): string {
  const cut = (t: string) => (t.length > 300 ? `${t.slice(0, 300)}... (${t.length} chars)` : t);
  return JSON.stringify({ method: req.method, url: cut(req.url), headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, cut(v ?? "")])), body: req.body === undefined ? undefined : cut(req.body) });
}

/** What is wrong with an answer, or undefined when it keeps the contract. */
export function violation(req: WireRequest, res: WireResponse, s: Seeded): string | undefined {
  if (!Number.isInteger(res.status) || res.status < 200 || res.status >= 500) return `status ${res.status}: ${res.body.slice(0, 300)}`;
  for (const [name, secret] of s.secrets) if (res.body.includes(secret)) return `the answer contains the ${name} member`;
  if (res.status === 204) return res.body === "" ? undefined : "a 204 with a body";
  const identity = (() => {
    try {
      return new URL(req.url).pathname === "/msi/token";
    } catch {
      return false;
    }
  })();
  if (res.status === 401 && res.body === "") {
    // The Managed HSM challenge: empty body by design, with the WWW-Authenticate header.
    return /managedhsm/.test(res.headers["www-authenticate"] ?? "") ? undefined : "an empty 401 that is not a Managed HSM challenge";
  }
  let json: any;
  try {
    json = JSON.parse(res.body);
  } catch {
    return `the body is not JSON: ${res.body.slice(0, 200)}`;
  }
  if (!/^application\/json/.test(res.headers["content-type"] ?? "")) return `content-type ${res.headers["content-type"]}`;
  if (res.status < 300) return undefined;
  if (identity && typeof json?.error === "string" && typeof json?.error_description === "string") return undefined; // OAuth-style, by design
  const error = json?.error;
  if (!error || typeof error.code !== "string" || error.code === "" || typeof error.message !== "string" || error.message === "") {
    return `not the service's error envelope: ${res.body.slice(0, 200)}`;
  }
  if (/\bat .*\.(ts|js):\d+/.test(error.message)) return "a stack trace in the message";
  return undefined;
}

// ---- the named corpus: every category at least once, whatever the random draw ----------------------

/** Named attacks, each category at least once (test/reliability/fuzz-handler.test.ts; timed by bench/hostile.mjs). */
export function hostileCorpus(s: Seeded): Array<[string, WireRequest]> {
  const token = (host: string) => `Bearer ${tokenFor(s.emulator, `https://${host}`)}`;
  const req = (method: string, path: string, body?: string, host = VAULT, extra: Record<string, string> = {}): WireRequest => ({
    method,
    url: `https://${host}${path}`,
    headers: { authorization: token(host), "content-type": "application/json", ...extra },
    ...(body === undefined ? {} : { body }),
  });
  const deepPolicy = (depth: number) =>
    JSON.stringify({
      kty: "EC-HSM",
      attributes: { exportable: true },
      release_policy: {
        data: b64u(
          `{"version":"1.0.0","anyOf":[{"authority":"${LOCAL_ATTESTATION_AUTHORITY}","anyOf":[` +
            '{"anyOf":['.repeat(depth) +
            '{"claim":"app","equals":"fuzz"}' +
            "]}".repeat(depth) +
            "]}]}",
        ),
      },
    });
  return [
    ["a megabyte of '=' then 'a' in a base64url member (quadratic trim)", req("POST", `/keys/rsa//encrypt?${API}`, JSON.stringify({ alg: "RSA-OAEP", value: "=".repeat(MAX_BODY_BYTES - 100) + "a" }))],
    ["'=' run in a restore blob", req("POST", `/keys/restore?${API}`, JSON.stringify({ value: "=".repeat(500_000) + "a" }))],
    ["a release policy nested 40 000 deep", req("POST", `/keys/deep/create?${API}`, deepPolicy(40_000), HSM)],
    ["a release policy whose authority ends in 200 000 slashes then 'x'", req("POST", `/keys/slash/create?${API}`, JSON.stringify({
      kty: "EC-HSM",
      attributes: { exportable: true },
      release_policy: { data: b64u({ version: "1.0.0", anyOf: [{ authority: `https://a/${"/".repeat(200_000)}x`, allOf: [{ claim: "app", equals: "fuzz" }] }] }) },
    }), HSM)],
    ["kty {toString: 1}", req("POST", `/keys/k/create?${API}`, '{"kty":{"toString":1}}')],
    ["import kty {toString: 1}", req("PUT", `/keys/k?${API}`, '{"key":{"kty":{"toString":1}}}')],
    ["import EC crv {toString: 1}", req("PUT", `/keys/k?${API}`, '{"key":{"kty":"EC","crv":{"toString":1},"d":"AA"}}')],
    ["create crv {toString: 1}", req("POST", `/keys/k/create?${API}`, '{"kty":"EC","crv":{"toString":1}}')],
    ["tags with a non-string value object", req("POST", `/keys/k/create?${API}`, '{"kty":"EC","tags":{"a":{"toString":1}}}')],
    ["__proto__ member", req("POST", `/keys/k/create?${API}`, '{"kty":"EC","__proto__":{"kty":"RSA"},"tags":{"__proto__":"x"}}')],
    ["a consistent 24 576-bit RSA key (OpenSSL's check grows with the cube of the size)", req("PUT", `/keys/huge?${API}`, JSON.stringify({ key: compositeRsaJwk(24_576) }))],
    ["an RSA import with a 400 KB modulus", req("PUT", `/keys/big?${API}`, JSON.stringify({ key: { ...rsaJwk, n: "A".repeat(400_000), d: "B".repeat(400_000), p: "C".repeat(200_000), q: "D".repeat(200_000) } }))],
    ["a body over the limit", req("POST", `/keys/k/create?${API}`, "x".repeat(MAX_BODY_BYTES + 1))],
    ["an empty body", req("POST", `/keys/k/create?${API}`, "")],
    ["a non-object body", req("POST", `/keys/k/create?${API}`, "[1,2,3]")],
    ["JSON nested 100 000 deep", req("POST", `/keys/k/create?${API}`, "[".repeat(100_000) + "]".repeat(100_000))],
    ["invalid JSON", req("POST", `/keys/k/create?${API}`, '{"kty":"EC"')],
    ["unknown api-version", req("GET", "/keys?api-version=2099-01-01")],
    ["no api-version", req("GET", "/keys")],
    ["path with ..", req("GET", `/keys/../deletedkeys/gone?${API}`)],
    ["path with %2e%2e", req("GET", `/keys/%2e%2e/%2e%2e/rng?${API}`)],
    ["encoded slash in a name", req("GET", `/keys/ec%2F..%2Frsa?${API}`)],
    ["a NUL byte in a name", req("POST", `/keys/a%00b/create?${API}`, '{"kty":"EC"}')],
    ["a raw NUL byte in the path", req("GET", `/keys/a\u0000b?${API}`)],
    ["a bad percent escape", req("GET", `/keys/%zz?${API}`)],
    ["a 128-character name", req("POST", `/keys/${"k".repeat(128)}/create?${API}`, '{"kty":"EC"}')],
    ["a 100 000-character name", req("GET", `/keys/${"k".repeat(100_000)}?${API}`)],
    ["a 100 000-character version", req("GET", `/keys/ec/${"f".repeat(100_000)}?${API}`)],
    ["method FOO", req("FOO", `/keys?${API}`)],
    ["an empty method", req("", `/keys?${API}`)],
    ["method CONNECT", req("CONNECT", `/keys?${API}`)],
    ["an unparseable URL", { method: "GET", url: "https://[bad/keys", headers: { authorization: token(VAULT) } }],
    ["a host of 70 000 characters", req("GET", `/keys?${API}`, undefined, `${"a".repeat(70_000)}.vault.localhost`)],
    ["a host header with userinfo", req("GET", `/keys?${API}`, undefined, VAULT, { host: "fz.vault.localhost@evil.example" })],
    ["no token on a vault (challenge)", { method: "GET", url: `https://${VAULT}/keys?${API}`, headers: {} }],
    ["no token on an HSM (empty-body challenge)", { method: "GET", url: `https://${HSM}/keys?${API}`, headers: {} }],
    ["a token of 50 000 characters", { method: "GET", url: `https://${VAULT}/keys?${API}`, headers: { authorization: `Bearer ${"a.".repeat(25_000)}` } }],
    ["a token for another audience", { method: "GET", url: `https://${VAULT}/keys?${API}`, headers: { authorization: `Bearer ${s.emulator.issueToken("x", "https://elsewhere").token}` } }],
    ["skiptoken garbage", req("GET", `/keys/ec/versions?${API}&$skiptoken=${b64u("v:1e400")}`)],
    ["maxresults 1e1", req("GET", `/keys?${API}&maxresults=1e1`)],
    ["rng count 1e9", req("POST", `/rng?${API}`, '{"count":1000000000}', HSM)],
    ["release with a truncated token", req("POST", `/keys/xp//release?${API}`, JSON.stringify({ target: s.attestation.slice(0, 40) }), HSM)],
    ["release with an 'enc' nested 100 000 deep (echoed in the message)", req("POST", `/keys/xp//release?${API}`, `{"target":"${s.attestation}","enc":${"[".repeat(100_000)}${"]".repeat(100_000)}}`, HSM)],
    ["release with a huge nonce", req("POST", `/keys/xp//release?${API}`, JSON.stringify({ target: s.attestation, nonce: "n".repeat(500_000) }), HSM)],
    ["rotation policy with 10 000 actions", req("PUT", `/keys/ec/rotationpolicy?${API}`, JSON.stringify({ lifetimeActions: Array.from({ length: 10_000 }, () => ({ trigger: { timeAfterCreate: "P30D" }, action: { type: "Notify" } })) }))],
    ["rotation policy with a 100 000-digit duration", req("PUT", `/keys/ec/rotationpolicy?${API}`, JSON.stringify({ lifetimeActions: [{ trigger: { timeAfterCreate: `P${"9".repeat(100_000)}D` }, action: { type: "Rotate" } }] }))],
    ["BYOK blob of junk", req("PUT", `/keys/byok?${API}`, JSON.stringify({ key: { kty: "RSA-HSM", key_hsm: b64u({ schema_version: "1.0.0", header: { kid: `https://${VAULT}/keys/rsa`, alg: "dir", enc: "CKM_RSA_AES_KEY_WRAP" }, ciphertext: "AAAA" }) } }))],
    ["create under the name of a deleted key (409)", req("POST", `/keys/gone/create?${API}`, '{"kty":"EC"}')],
    ["identity endpoint, POST", { method: "POST", url: `https://${VAULT}/msi/token?resource=x`, headers: {} }],
  ];
}

