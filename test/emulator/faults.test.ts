import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createHash } from "node:crypto";
import { createEmulator, type Emulator } from "../../src/emulator/index.js";
import { API, raw, tempDataDir, testVault, type TestVault } from "../helpers/emulator.js";

// Fault injection (issue 22, item 5), through the in-process transport the SDK uses: rules hit requests
// by operation, vault, key and seeded rate, answer a status with Retry-After, delay, or drop the
// connection (the client sees a connection reset); the SDK's own retry policies react; every hit is in
// the audit log.

const VAULT = "https://faults.vault.localhost";
let tv: TestVault;

beforeEach(() => {
  tv = testVault({ vaultUrl: VAULT, faultInjection: true });
});
afterEach(() => tv.close());

/** A client whose SDK retries (the shared one does not), with no waiting between attempts. */
const retrying = () => tv.clientFor(VAULT, { retryOptions: { maxRetries: 3, retryDelayInMs: 1, maxRetryDelayInMs: 1 } });
const digest = createHash("sha256").update("x").digest();
const sent = (path: string) => tv.exchanges.filter((e) => e.url.includes(path) && e.status !== 401).map((e) => e.status);

describe("status faults", () => {
  test("an injected 503 on sign is retried by the SDK, which then succeeds; the audit log marks the hit", async () => {
    const client = retrying();
    await client.createKey("signer", "EC");
    tv.emulator.faults.set(["op=sign,status=503,retry-after=0,count=1"]);
    const result = await client.getCryptographyClient("signer").sign("ES256", digest);
    expect(result.result.length).toBe(64);
    expect(sent("/sign?")).toEqual([503, 200]);

    const hits = tv.emulator.audit.query({ faults: true });
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      operationName: "KeySign",
      resultSignature: "Service Unavailable",
      properties: { httpStatusCode: 503, injectedFault: "rule 1: op=sign,count=1,status=503,retry-after=0" },
    });
    expect(tv.emulator.faults.list().rules).toEqual([{ position: 1, rule: "op=sign,count=1,status=503,retry-after=0", injected: 1 }]);
  });

  test("the answers' wire form: 429 is the service's Throttled body; 503 and 500 the service's envelope; Retry-After as asked", async () => {
    await tv.client.createKey("k", "EC");
    tv.emulator.faults.set(["key=k,op=getKey,status=429", "key=k,op=getKey,status=503,retry-after=7,count=1", "key=k,op=getKey,status=500"]);
    const first = await raw(tv.emulator, { method: "GET", url: `${VAULT}/keys/k?${API}` });
    expect(first.status).toBe(429);
    expect(first.body).toBe('{"error":{"code":"Throttled","message":"Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached"}}');
    expect(first.headers["retry-after"]).toBe("1");
    tv.emulator.faults.set(["key=k,op=getKey,status=503,retry-after=7,count=1", "key=k,op=getKey,status=500"]);
    const second = await raw(tv.emulator, { method: "GET", url: `${VAULT}/keys/k?${API}` });
    expect(second.status).toBe(503);
    expect(second.json.error).toEqual({ code: "ServiceUnavailable", message: "The service is temporarily unavailable; retry later. (Injected by the emulator's fault rule 1.)" });
    expect(second.headers["retry-after"]).toBe("7");
    // Rule 1 is spent (count=1): the next request falls through to rule 2.
    const third = await raw(tv.emulator, { method: "GET", url: `${VAULT}/keys/k?${API}` });
    expect(third.status).toBe(500);
    expect(third.json.error.code).toBe("InternalServerError");
    expect(third.headers["retry-after"]).toBeUndefined();
  });

  test("rules match by vault and key: other vaults and keys are untouched", async () => {
    await tv.client.createKey("hit", "EC");
    await tv.client.createKey("miss", "EC");
    await tv.clientFor("https://elsewhere.vault.localhost").createKey("hit", "EC");
    tv.emulator.faults.set(["vault=faults,key=hit,status=500"]);
    expect((await raw(tv.emulator, { method: "GET", url: `${VAULT}/keys/hit?${API}` })).status).toBe(500);
    expect((await raw(tv.emulator, { method: "GET", url: `${VAULT}/keys/miss?${API}` })).status).toBe(200);
    expect((await raw(tv.emulator, { method: "GET", url: `https://elsewhere.vault.localhost/keys/hit?${API}` })).status).toBe(200);
    expect((await raw(tv.emulator, { method: "GET", url: `${VAULT}/keys?${API}` })).status).toBe(200);
  });

  test("faults come after the challenge: an SDK's first, token-less request still gets its 401", async () => {
    tv.emulator.faults.set(["status=503,retry-after=0"]);
    const res = await raw(tv.emulator, { method: "GET", url: `${VAULT}/keys?${API}`, token: false });
    expect(res.status).toBe(401);
  });
});

describe("delays and dropped connections", () => {
  test("a delay holds the request, then the operation runs as usual; the audit log marks it", async () => {
    await tv.client.createKey("slow", "EC");
    tv.emulator.faults.set(["op=getKey,delay=30ms"]);
    expect((await tv.client.getKey("slow")).name).toBe("slow");
    const [hit] = tv.emulator.audit.query({ faults: true });
    expect(hit).toMatchObject({ operationName: "KeyGet", properties: { httpStatusCode: 200, injectedFault: "rule 1: op=getkey,delay=30ms" } });
  });

  test("a dropped connection is a connection reset to the client; the SDK retries it like a network failure", async () => {
    const client = retrying();
    await client.createKey("flaky", "EC");
    tv.emulator.faults.set(["op=getKey,drop,count=2"]);
    expect((await client.getKey("flaky")).name).toBe("flaky");
    const hits = tv.emulator.audit.query({ faults: true });
    expect(hits.map((h) => [h.properties.httpStatusCode, h.resultSignature, h.resultType])).toEqual([
      [0, "Connection Dropped", "Failure"],
      [0, "Connection Dropped", "Failure"],
    ]);
    // Without retries the application sees the reset itself.
    tv.emulator.faults.set(["op=getKey,drop,count=1"]);
    const err = await tv.client.getKey("flaky").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ECONNRESET" });
  });
});

describe("rate and seed", () => {
  const run = async (emulator: Emulator, seed: number) => {
    emulator.faults.set(["op=getKey,rate=0.5,status=500"], seed);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await raw(emulator, { method: "GET", url: `${VAULT}/keys/k?${API}` })).status);
    return statuses;
  };

  test("the same seed hits the same requests; another seed others; about half at rate 0.5", async () => {
    await tv.client.createKey("k", "EC");
    const a = await run(tv.emulator, 7);
    const b = await run(tv.emulator, 7);
    const c = await run(tv.emulator, 8);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const hits = a.filter((s) => s === 500).length;
    expect(hits).toBeGreaterThan(5);
    expect(hits).toBeLessThan(35);
    expect(new Set(a)).toEqual(new Set([200, 500]));
    expect(tv.emulator.faults.list().seed).toBe(8);
  });
});

describe("scope", () => {
  test("the rules are the data directory's: set by one emulator, applied by another that injects; the CLI's kind does not inject", async () => {
    const temp = tempDataDir();
    const cli = createEmulator({ dataDir: temp.dir });
    const served = createEmulator({ dataDir: temp.dir, faultInjection: true });
    try {
      await raw(cli, { method: "POST", url: `${VAULT}/keys/k/create?${API}`, body: { kty: "EC" } });
      // Read once so the served emulator caches "no rules"; the change must still reach it.
      expect((await raw(served, { method: "GET", url: `${VAULT}/keys/k?${API}` })).status).toBe(200);
      cli.faults.set(["op=getKey,status=503"], 1);
      expect((await raw(served, { method: "GET", url: `${VAULT}/keys/k?${API}` })).status).toBe(503);
      expect((await raw(cli, { method: "GET", url: `${VAULT}/keys/k?${API}` })).status).toBe(200);
      cli.faults.clear();
      expect((await raw(served, { method: "GET", url: `${VAULT}/keys/k?${API}` })).status).toBe(200);
    } finally {
      cli.close();
      served.close();
      temp.cleanup();
    }
  });

  test("a wrong rule is refused with what is wrong, and the rules stay as they were", () => {
    tv.emulator.faults.set(["status=503"], 3);
    expect(() => tv.emulator.faults.set(["status=503", "op=nothing,status=500"])).toThrow(/'nothing' is not an operation name/);
    expect(tv.emulator.faults.list()).toEqual({ seed: 3, rules: [{ position: 1, rule: "status=503", injected: 0 }] });
  });
});
