import { afterAll, beforeEach, describe, expect, test } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { KeyClient } from "@azure/keyvault-keys";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { ManualClock, createEmulator, type Emulator } from "../../src/emulator/index.js";
import { embeddedConnection } from "../../src/vault-client/embedded.js";
import { API, raw, tempDataDir } from "../helpers/emulator.js";

// Key Vault's service limits (issue 22, item 4): per vault, over 10 seconds of the emulator clock, weighted
// by key type and operation class as learn.microsoft.com/azure/key-vault/general/service-limits documents
// them; past them 429 Throttled with Retry-After. A ManualClock: nothing here depends on speed.

const VAULT = "https://limits.vault.localhost";
const THROTTLED = '{"error":{"code":"Throttled","message":"Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached"}}';
let clock: ManualClock;
let emulator: Emulator;
const emulators: Emulator[] = [];

beforeEach(() => {
  clock = new ManualClock();
  emulator = createEmulator({ inMemory: true, clock, profile: "azure", softDeleteDelays: { deleteMs: 0, recoverMs: 0, purgeMs: 0, restoreMs: 0 } });
  emulators.push(emulator);
});
afterAll(() => emulators.forEach((e) => e.close()));

const create = (name: string, body: unknown = { kty: "EC" }, e = emulator) => raw(e, { method: "POST", url: `${VAULT}/keys/${name}/create?${API}`, body });
// One RSA-4096 key for the whole file (generating one per test would dominate it), imported as RSA-HSM.
let rsa4096: Record<string, string> | undefined;
const importBig = () => {
  rsa4096 ??= generateKeyPairSync("rsa", { modulusLength: 4096 }).privateKey.export({ format: "jwk" }) as Record<string, string>;
  return raw(emulator, { method: "PUT", url: `${VAULT}/keys/big?${API}`, body: { key: rsa4096, Hsm: true } });
};
const get = (name: string) => raw(emulator, { method: "GET", url: `${VAULT}/keys/${name}?${API}` });

describe("creates", () => {
  test("20 software-key creates per 10 s; the 21st is 429 Throttled with Retry-After until the window has room", async () => {
    for (let i = 0; i < 20; i++) expect((await create(`k${i}`)).status).toBe(200);
    const refused = await create("k20");
    expect(refused.status).toBe(429);
    expect(refused.body).toBe(THROTTLED);
    expect(refused.headers["retry-after"]).toBe("10");
    clock.advance(9_500);
    const later = await create("k20");
    expect(later.status).toBe(429);
    expect(later.headers["retry-after"]).toBe("1");
    clock.advance(500);
    expect((await create("k20")).status).toBe(200);
  });

  test("HSM keys: 10 creates (imports count as creates); other transactions have their own budget", async () => {
    for (let i = 0; i < 10; i++) expect((await create(`h${i}`, { kty: "EC-HSM" })).status).toBe(200);
    expect((await create("h10", { kty: "EC-HSM" })).status).toBe(429);
    expect((await get("h0")).status).toBe(200);
    // One create budget for both protections, weighted: 10 HSM creates are all of it.
    expect((await create("s0")).status).toBe(429);
  });

  test("the create budget is weighted: 5 HSM creates and 10 software creates fill it", async () => {
    for (let i = 0; i < 5; i++) expect((await create(`h${i}`, { kty: "EC-HSM" })).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await create(`s${i}`)).status).toBe(200);
    expect((await create("one-more")).status).toBe(429);
  });
});

describe("other transactions", () => {
  test("weighted by key type: 248 RSA-4096 HSM reads and 16 EC-HSM reads are the whole 10-second budget", async () => {
    expect((await importBig()).status).toBe(200);
    expect((await create("ec", { kty: "EC-HSM" })).status).toBe(200);
    for (let i = 0; i < 248; i++) expect((await get("big")).status).toBe(200);
    for (let i = 0; i < 16; i++) expect((await get("ec")).status).toBe(200);
    const refused = await get("ec");
    expect(refused.status).toBe(429);
    expect(refused.body).toBe(THROTTLED);
    // 429s count nothing: once the window moves on, everything is allowed again.
    for (let i = 0; i < 5; i++) expect((await get("ec")).status).toBe(429);
    clock.advance(10_000);
    expect((await get("big")).status).toBe(200);
  });

  // 249 RSA-4096 HSM reads use 249/250 of the budget; what is left is 1/250 = 16 transactions of 1/4,000.
  test.each([
    ["a software EC key's reads (4,000 per 10 s)", "soft", { kty: "EC" }],
    ["a software RSA-2048 key's reads (4,000)", "rsa", { kty: "RSA" }],
    ["reads of a key that does not exist, a vault transaction (4,000)", "missing", undefined],
  ] as const)("weights: %s", async (_title, name, body) => {
    expect((await importBig()).status).toBe(200);
    if (body) expect((await create(name, body)).status).toBe(200);
    for (let i = 0; i < 249; i++) expect((await get("big")).status).toBe(200);
    const answered = body ? 200 : 404;
    for (let i = 0; i < 16; i++) expect((await get(name)).status, `read ${i}`).toBe(answered);
    expect((await get(name)).status).toBe(429);
  });

  test("lists are vault transactions too", async () => {
    expect((await importBig()).status).toBe(200);
    for (let i = 0; i < 249; i++) expect((await get("big")).status).toBe(200);
    for (let i = 0; i < 16; i++) expect((await raw(emulator, { method: "GET", url: `${VAULT}/keys?${API}` })).status).toBe(200);
    expect((await raw(emulator, { method: "GET", url: `${VAULT}/deletedkeys?${API}` })).status).toBe(429);
  });
});

describe("scope", () => {
  test("per vault: another vault has its own budget; Managed HSMs are not throttled", async () => {
    for (let i = 0; i < 20; i++) await create(`k${i}`);
    expect((await create("k20")).status).toBe(429);
    expect((await raw(emulator, { method: "POST", url: `https://other.vault.localhost/keys/k/create?${API}`, body: { kty: "EC" } })).status).toBe(200);
    for (let i = 0; i < 25; i++) {
      expect((await raw(emulator, { method: "POST", url: `https://limits.managedhsm.localhost/keys/a${i}/create?${API}`, body: { kty: "oct-HSM" } })).status).toBe(200);
    }
  });

  test("off by default, and on alone with throttle: true", async () => {
    const plain = createEmulator({ inMemory: true, clock });
    const only = createEmulator({ inMemory: true, clock, throttle: true });
    emulators.push(plain, only);
    for (let i = 0; i < 25; i++) expect((await create(`k${i}`, { kty: "EC" }, plain)).status).toBe(200);
    for (let i = 0; i < 20; i++) expect((await create(`k${i}`, { kty: "EC" }, only)).status).toBe(200);
    expect((await create("k20", { kty: "EC" }, only)).status).toBe(429);
  });
});

describe("across processes", () => {
  test("every emulator on a data directory counts against the same budget (as cluster workers do)", async () => {
    const temp = tempDataDir();
    const a = createEmulator({ dataDir: temp.dir, clock, throttle: true });
    const b = createEmulator({ dataDir: temp.dir, clock, throttle: true });
    try {
      for (let i = 0; i < 10; i++) {
        expect((await create(`a${i}`, { kty: "EC" }, a)).status).toBe(200);
        expect((await create(`b${i}`, { kty: "EC" }, b)).status).toBe(200);
      }
      expect((await create("one-more", { kty: "EC" }, a)).status).toBe(429);
      expect((await create("one-more", { kty: "EC" }, b)).status).toBe(429);
    } finally {
      a.close();
      b.close();
      temp.cleanup();
    }
  });
});

describe("through the SDK", () => {
  test("a throttled create is retried by the SDK's own retry policy after Retry-After, and succeeds", async () => {
    for (let i = 0; i < 20; i++) await create(`k${i}`);
    clock.advance(9_500);
    const { httpClient: inner, credential } = embeddedConnection(emulator);
    const statuses: Array<{ status: number; retryAfter: string | undefined }> = [];
    // The SDK waits Retry-After seconds of real time before retrying; that wait passes on the emulator's
    // (manual) clock too, as it would on a real one.
    const httpClient: HttpClient = {
      async sendRequest(request) {
        const response = await inner.sendRequest(request);
        const retryAfter = response.headers.get("retry-after");
        statuses.push({ status: response.status, retryAfter });
        if (response.status === 429 && retryAfter) clock.advance(Number(retryAfter) * 1000);
        return response;
      },
    };
    const client = new KeyClient(VAULT, credential, { httpClient, retryOptions: { maxRetries: 2 } });
    const key = await client.createKey("after-the-wait", "EC");
    expect(key.name).toBe("after-the-wait");
    expect(statuses.filter((s) => s.status !== 401)).toEqual([
      { status: 429, retryAfter: "1" },
      { status: 200, retryAfter: undefined },
    ]);
  });
});
