import { generateKeyPairSync } from "node:crypto";
import Database from "better-sqlite3";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEmulator, ManualClock, type Emulator } from "../../src/emulator/index.js";
import { API, raw, tempDataDir } from "../helpers/emulator.js";
import { startWebhookReceiver, type WebhookReceiver } from "../helpers/webhook.js";
import { eventually } from "../helpers/patience.js";

// Issue 11 at the emulator's own interface: the audit log (emulator.audit) and Key Vault's Event Grid
// events with webhook delivery (emulator.events), under a ManualClock.

const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const V = "https://mon.vault.localhost";
const H = "https://mon.managedhsm.localhost";

let clock: ManualClock;
let emulator: Emulator;
let receiver: WebhookReceiver | undefined;
let home: { dir: string; cleanup: () => void };

beforeEach(() => {
  clock = new ManualClock(START);
  home = tempDataDir();
});
afterEach(async () => {
  emulator?.close();
  await receiver?.close();
  receiver = undefined;
  home.cleanup();
});

const open = (extra: Partial<Parameters<typeof createEmulator>[0]> = {}) =>
  (emulator = createEmulator({ dataDir: home.dir, clock, ...extra }));
const create = (name: string, body: unknown = { kty: "EC", crv: "P-256" }, base = V) =>
  raw(emulator, { method: "POST", url: `${base}/keys/${name}/create?${API}`, body });
const get = (name: string, base = V) => raw(emulator, { method: "GET", url: `${base}/keys/${name}?${API}` });
const seconds = (ms: number) => Math.floor(ms / 1000);

describe("the audit log", () => {
  it("records each operation with Key Vault's operation name, the caller's claims, the result and the key version", async () => {
    open();
    const created = await create("k", { kty: "EC", crv: "P-256", key_ops: ["sign", "verify"] });
    const kid = created.json.key.kid as string;
    await get("k");
    const digest = Buffer.alloc(32, 7).toString("base64url");
    await raw(emulator, { method: "POST", url: `${V}/keys/k//sign?${API}`, body: { alg: "ES256", value: digest } });
    await raw(emulator, { method: "GET", url: `${V}/keys?${API}` });
    await raw(emulator, { method: "DELETE", url: `${V}/keys/k?${API}` });

    const log = emulator.audit.query();
    expect(log.map((r) => `${r.operationName} ${r.properties.httpStatusCode}`)).toEqual([
      "KeyCreate 200",
      "KeyGet 200",
      "KeySign 200",
      "KeyList 200",
      "KeyDelete 200",
    ]);
    const first = log[0]!;
    expect(Object.keys(first)).toEqual([
      "time",
      "resourceId",
      "operationName",
      "operationVersion",
      "category",
      "resultType",
      "resultSignature",
      "durationMs",
      "identity",
      "properties",
    ]);
    expect(first).toMatchObject({
      time: new Date(START).toISOString(),
      resourceId: "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/KVKEY-LOCAL/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/MON",
      operationVersion: "2025-07-01",
      category: "AuditEvent",
      resultType: "Success",
      resultSignature: "OK",
      identity: { claim: { sub: "test", tid: "00000000-0000-0000-0000-00000000cafe" }, tokenVerified: true },
      properties: { id: kid, httpStatusCode: 200, requestUri: `${V}/keys/k/create?${API}` },
    });
    expect(first.identity.claim!.oid).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.durationMs).toMatch(/^\d+$/);
    // The version the request used, from the answer (the sign went to "latest").
    expect(emulator.audit.rows({ operations: ["KeySign"] })[0]).toMatchObject({ keyName: "k", keyVersion: kid.split("/").pop() });
    expect(log[3]!.properties.id).toBeUndefined();
  });

  it("logs failed requests: 404, 403, 400 and 401, with the service's message, and --failed leaves out the bare challenge", async () => {
    open();
    await create("ro", { kty: "EC", crv: "P-256", key_ops: ["verify"] });
    expect((await get("missing")).status).toBe(404);
    const refused = await raw(emulator, { method: "POST", url: `${V}/keys/ro//sign?${API}`, body: { alg: "ES256", value: Buffer.alloc(32).toString("base64url") } });
    expect(refused.status).toBe(403);
    expect((await create("bad", { kty: "RSA", key_size: 1000 })).status).toBe(400);
    expect((await raw(emulator, { method: "GET", url: `${V}/keys/ro?${API}`, token: false })).status).toBe(401);
    expect((await raw(emulator, { method: "GET", url: `${V}/keys/ro?${API}`, token: "not-ours" })).status).toBe(401);

    const failed = emulator.audit.query({ failed: true, challenges: false });
    expect(failed.map((r) => [r.operationName, r.resultSignature, r.properties.httpStatusCode])).toEqual([
      ["KeyGet", "Not Found", 404],
      ["KeySign", "Forbidden", 403],
      ["KeyCreate", "Bad Request", 400],
      ["KeyGet", "Unauthorized", 401],
    ]);
    expect(failed[0]).toMatchObject({ resultType: "Success", resultDescription: expect.stringMatching(/^A key with \(name\/id\) missing was not found/) });
    expect(failed[1]!.resultDescription).toBe("Operation sign is not permitted on this key.");
    expect(failed[3]!.identity).toEqual({ claim: {}, tokenVerified: false });
    const challenges = emulator.audit.query({ failed: true }).filter((r) => !failed.some((f) => JSON.stringify(f) === JSON.stringify(r)));
    expect(challenges).toEqual([
      expect.objectContaining({ operationName: "KeyGet", identity: {}, resultDescription: "AKV10000: Request is missing a Bearer or PoP token." }),
    ]);
  });

  it("reads a token it did not issue (--auth any) without trusting it, and marks the record unverified", async () => {
    open({ authMode: "any" });
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const foreign = `${b64({ alg: "RS256" })}.${b64({ oid: "11111111-2222-3333-4444-555555555555", upn: "ann@contoso.example", appid: "app-1", secret: "x" })}.c2ln`;
    expect((await create("k", undefined)).status).toBe(200);
    expect((await raw(emulator, { method: "GET", url: `${V}/keys/k?${API}`, token: foreign })).status).toBe(200);
    const [, read] = emulator.audit.query();
    expect(read!.identity).toEqual({
      claim: { oid: "11111111-2222-3333-4444-555555555555", appid: "app-1", upn: "ann@contoso.example" },
      tokenVerified: false,
    });
  });

  it("holds no payload and no key material: not the imported private key, not the plaintext, not the ciphertext", async () => {
    open();
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwk = privateKey.export({ format: "jwk" }) as Record<string, string>;
    const imported = await raw(emulator, { method: "PUT", url: `${V}/keys/imp?${API}`, body: { key: { ...jwk, key_ops: ["encrypt", "decrypt"] } } });
    expect(imported.status).toBe(200);
    const plaintext = Buffer.from("the quarterly numbers, strictly confidential");
    const enc = await raw(emulator, { method: "POST", url: `${V}/keys/imp//encrypt?${API}`, body: { alg: "RSA-OAEP", value: plaintext.toString("base64url") } });
    const ciphertext = enc.json.value as string;
    const dec = await raw(emulator, { method: "POST", url: `${V}/keys/imp//decrypt?${API}`, body: { alg: "RSA-OAEP", value: ciphertext } });
    expect(Buffer.from(dec.json.value, "base64url").equals(plaintext)).toBe(true);
    const backup = await raw(emulator, { method: "POST", url: `${V}/keys/imp/backup?${API}` });

    const text = JSON.stringify(emulator.audit.query()) + JSON.stringify(emulator.audit.rows());
    expect(emulator.audit.query().map((r) => r.operationName)).toEqual(["KeyImport", "KeyEncrypt", "KeyDecrypt", "KeyBackup"]);
    const secrets = [
      jwk.d!, jwk.p!, jwk.q!, jwk.dp!, jwk.dq!,
      Buffer.from(jwk.d!, "base64url").toString("base64"),
      Buffer.from(jwk.d!, "base64url").toString("hex"),
      plaintext.toString("base64url"), plaintext.toString("base64"), plaintext.toString("utf8"), plaintext.toString("hex"),
      ciphertext, (backup.json.value as string).slice(0, 64),
    ];
    for (const secret of secrets) expect(text).not.toContain(secret);
    // The whole audit table, as stored.
    emulator.close();
    const db = new Database(join(home.dir, "kvkey.db"), { readonly: true });
    try {
      const dump = JSON.stringify(db.prepare("SELECT * FROM audit_log").all());
      expect(dump).toContain("KeyDecrypt");
      for (const secret of secrets) expect(dump).not.toContain(secret);
    } finally {
      db.close();
    }
  });

  it("filters by key, operation, time, vault and count", async () => {
    open();
    await create("a");
    clock.advance(60_000);
    await create("b");
    await get("a");
    await create("h1", undefined, H);
    expect(emulator.audit.query({ key: "A" }).map((r) => r.operationName)).toEqual(["KeyCreate", "KeyGet"]);
    expect(emulator.audit.query({ operations: ["KeyCreate"] })).toHaveLength(3);
    expect(emulator.audit.query({ since: START + 1 })).toHaveLength(3);
    const hsm = emulator.audit.query({ vault: { name: "mon", kind: "managedhsm" } });
    expect(hsm.map((r) => r.properties.id?.split("/")[4])).toEqual(["h1"]);
    expect(hsm[0]!.resourceId).toMatch(/\/PROVIDERS\/MICROSOFT\.KEYVAULT\/MANAGEDHSMS\/MON$/);
    expect(emulator.audit.query({ last: 2 }).map((r) => r.operationName)).toEqual(["KeyGet", "KeyCreate"]);
    const [last] = emulator.audit.rows({ last: 1 });
    expect(emulator.audit.rows({ afterId: last!.id! })).toEqual([]);
    // A path that names no operation is still a request to the vault.
    expect((await raw(emulator, { method: "GET", url: `${V}/secrets/s?${API}` })).status).toBe(404);
    expect(emulator.audit.query({ afterId: last!.id! })).toMatchObject([{ operationName: "Unknown", resultSignature: "Not Found" }]);
  });

  it("stamps records with the emulator clock, time shift included, and --since reads that clock too", async () => {
    // `kvkey emulator time-shift` moves the time a record carries, so a log read after a shift lines up
    // with the expiry and rotation the shift caused.
    open();
    await create("k");
    emulator.setTimeShift(30 * DAY_MS);
    await get("k");
    const [created, read] = emulator.audit.query();
    expect(created!.time).toBe(new Date(START).toISOString());
    expect(read!.time).toBe(new Date(START + 30 * DAY_MS).toISOString());
    expect(emulator.audit.query({ since: START + DAY_MS }).map((r) => r.operationName)).toEqual(["KeyGet"]);
  });

  it("keeps only the newest records (retention)", async () => {
    open({ monitoring: { audit: { retention: 5 } } });
    for (let i = 0; i < 12; i++) await get(`k${i}`);
    const kept = emulator.audit.rows();
    expect(kept.length).toBeGreaterThanOrEqual(5);
    expect(kept.length).toBeLessThan(10);
    expect(kept[kept.length - 1]!.keyName).toBe("k11");
  });

  it("never fails a request when the log cannot be written", async () => {
    open();
    await create("k");
    emulator.audit.flush();
    const other = new Database(join(home.dir, "kvkey.db"));
    other.exec("DROP TABLE audit_log");
    other.close();
    expect((await get("k")).status).toBe(200);
    expect((await create("k2")).status).toBe(200);
    expect(() => emulator.audit.flush()).not.toThrow();
  });
});

describe("Key Vault's Event Grid events", () => {
  it("delivers KeyNewVersionCreated, then KeyNearExpiry 30 days before exp and KeyExpired at exp, in the Event Grid schema", async () => {
    open();
    receiver = await startWebhookReceiver();
    const sub = await emulator.events.subscribe({ endpoint: receiver.url, name: "ops-hook" });
    expect(sub).toMatchObject({ name: "ops-hook", endpointUrl: receiver.url, deliveries: { pending: 0, delivered: 0, failed: 0 } });
    const exp = seconds(START + 40 * DAY_MS);
    const created = await create("k", { kty: "EC", crv: "P-256", attributes: { exp } });
    const kid = created.json.key.kid as string;
    const version = kid.split("/").pop()!;

    const [newVersion] = await receiver.waitForEvents(1);
    expect(Object.keys(newVersion!)).toEqual(["id", "topic", "subject", "eventType", "eventTime", "data", "dataVersion", "metadataVersion"]);
    expect(newVersion).toMatchObject({
      topic: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/kvkey-local/providers/Microsoft.KeyVault/vaults/mon",
      subject: "k",
      eventType: "Microsoft.KeyVault.KeyNewVersionCreated",
      eventTime: new Date(START).toISOString(),
      data: { Id: `${V}/keys/k/${version}`, VaultName: "mon", ObjectType: "Key", ObjectName: "k", Version: version, NBF: null, EXP: exp },
      dataVersion: "1",
      metadataVersion: "1",
    });
    expect(Object.keys(newVersion!.data)).toEqual(["Id", "VaultName", "ObjectType", "ObjectName", "Version", "NBF", "EXP"]);
    expect(receiver.posts[0]!.headers).toMatchObject({
      "content-type": "application/json; charset=utf-8",
      "aeg-event-type": "Notification",
      "aeg-subscription-name": "OPS-HOOK",
      "aeg-delivery-count": "0",
      "aeg-data-version": "1",
      "aeg-metadata-version": "1",
      "aeg-output-event-id": newVersion!.id,
    });
    expect(Array.isArray(receiver.posts[0]!.body) && (receiver.posts[0]!.body as unknown[]).length).toBe(1);

    // Day 9: nothing yet (near expiry is day 10).
    emulator.advanceTime(9 * DAY_MS);
    await get("k");
    // A delivery pass that finds nothing due: had the request raised an event, it would be delivered by now.
    await emulator.events.deliver();
    expect(receiver.events()).toHaveLength(1);
    // Day 10, by the clock shift itself.
    emulator.advanceTime(DAY_MS);
    const [, near] = await receiver.waitForEvents(2);
    expect(near).toMatchObject({ eventType: "Microsoft.KeyVault.KeyNearExpiry", subject: "k", data: { Version: version, EXP: exp } });
    expect(near!.eventTime).toBe(new Date(START + 10 * DAY_MS).toISOString());
    // Day 40, by the base clock and a request that touches the vault.
    clock.advance(30 * DAY_MS);
    await get("k");
    const [, , expired] = await receiver.waitForEvents(3);
    expect(expired).toMatchObject({ eventType: "Microsoft.KeyVault.KeyExpired", data: { Version: version, EXP: exp } });

    // Once each: more time and more requests raise nothing new.
    emulator.advanceTime(400 * DAY_MS);
    await get("k");
    expect(emulator.events.list().map((e) => e.event.eventType)).toEqual([
      "Microsoft.KeyVault.KeyNewVersionCreated",
      "Microsoft.KeyVault.KeyNearExpiry",
      "Microsoft.KeyVault.KeyExpired",
    ]);
    expect(emulator.events.list().map((e) => e.event.id)).toEqual(receiver.events().map((e) => e.id));
    // The receiver answers before the emulator records the delivery: the pass that posted it is awaited.
    await emulator.events.deliver();
    expect(emulator.events.subscriptions()[0]!.deliveries).toEqual({ pending: 0, delivered: 3, failed: 0 });
    // Key Vault logs its publications too.
    expect(emulator.audit.query({ key: "k" }).map((r) => r.operationName).filter((n) => n.endsWith("EventGridNotification"))).toEqual([
      "KeyNearExpiryEventGridNotification",
      "KeyExpiredEventGridNotification",
    ]);
  });

  it("one shift past both points raises both; the rotation policy's Notify sets the near-expiry time; a new exp is a new expiry", async () => {
    open();
    await create("a", { kty: "EC", crv: "P-256", attributes: { exp: seconds(START + 20 * DAY_MS) } });
    await create("b", { kty: "EC", crv: "P-256", attributes: { exp: seconds(START + 100 * DAY_MS) } });
    const policy = await raw(emulator, {
      method: "PUT",
      url: `${V}/keys/b/rotationpolicy?${API}`,
      body: { lifetimeActions: [{ trigger: { timeBeforeExpiry: "P95D" }, action: { type: "Notify" } }], attributes: {} },
    });
    expect(policy.status).toBe(200);
    const types = (key: string) => emulator.events.list({ key }).map((e) => e.event.eventType.replace("Microsoft.KeyVault.", ""));
    // Key a is already within 30 days of its expiry: near-expiry fires at once.
    expect(types("a")).toEqual(["KeyNewVersionCreated", "KeyNearExpiry"]);
    emulator.advanceTime(6 * DAY_MS);
    expect(types("b")).toEqual(["KeyNewVersionCreated", "KeyNearExpiry"]);
    emulator.advanceTime(200 * DAY_MS);
    expect(types("a")).toEqual(["KeyNewVersionCreated", "KeyNearExpiry", "KeyExpired"]);
    expect(types("b")).toEqual(["KeyNewVersionCreated", "KeyNearExpiry", "KeyExpired"]);

    // A later exp on the same version: its own near-expiry and expiry.
    const later = seconds(emulator.now() + 45 * DAY_MS);
    expect((await raw(emulator, { method: "PATCH", url: `${V}/keys/a/?${API}`, body: { attributes: { exp: later } } })).status).toBe(200);
    expect(types("a")).toHaveLength(3);
    emulator.advanceTime(16 * DAY_MS);
    expect(types("a")).toEqual(["KeyNewVersionCreated", "KeyNearExpiry", "KeyExpired", "KeyNearExpiry"]);
    expect(emulator.events.list({ key: "a", types: ["KeyNearExpiry"] }).map((e) => e.event.data.EXP)).toEqual([seconds(START + 20 * DAY_MS), later]);
  });

  it("raises KeyNewVersionCreated for create, import and rotate, not for update or restore; an HSM raises none", async () => {
    open();
    await create("k");
    await raw(emulator, { method: "POST", url: `${V}/keys/k/rotate?${API}` });
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await raw(emulator, { method: "PUT", url: `${V}/keys/imp?${API}`, body: { key: privateKey.export({ format: "jwk" }) } });
    await raw(emulator, { method: "PATCH", url: `${V}/keys/k/?${API}`, body: { tags: { a: "b" } } });
    const backup = (await raw(emulator, { method: "POST", url: `${V}/keys/imp/backup?${API}` })).json.value;
    await raw(emulator, { method: "DELETE", url: `${V}/keys/imp?${API}` });
    await raw(emulator, { method: "DELETE", url: `${V}/deletedkeys/imp?${API}` });
    clock.advance(5_000);
    expect((await raw(emulator, { method: "POST", url: `${V}/keys/restore?${API}`, body: { value: backup } })).status).toBe(200);
    await create("h", { kty: "EC", crv: "P-256", attributes: { exp: seconds(START + DAY_MS) } }, H);
    emulator.advanceTime(10 * DAY_MS);
    expect(emulator.events.list().map((e) => `${e.event.subject} ${e.event.eventType.replace("Microsoft.KeyVault.", "")}`)).toEqual([
      "k KeyNewVersionCreated",
      "k KeyNewVersionCreated",
      "imp KeyNewVersionCreated",
    ]);
  });

  it("retries a failing webhook with backoff, does not retry a 400, and filters subscriptions by type and vault", async () => {
    open({ monitoring: { delivery: { retryDelaysMs: [50] } } });
    receiver = await startWebhookReceiver();
    receiver.respond = (post) => {
      const type = (post.body as Array<{ eventType: string }>)[0]!.eventType;
      if (type.endsWith("KeyNewVersionCreated")) return { status: 400 };
      // The first attempt of each subscription's delivery fails with 503; the retry succeeds.
      const same = receiver!.posts.filter(
        (p) => p.headers["aeg-subscription-name"] === post.headers["aeg-subscription-name"] && (p.body as any)[0].eventType === type,
      );
      return { status: same.length === 1 ? 503 : 200 };
    };
    await emulator.events.subscribe({ endpoint: receiver.url, name: "all" });
    await emulator.events.subscribe({ endpoint: receiver.url, name: "near-only", eventTypes: ["KeyNearExpiry"], vaultName: "mon" });
    await emulator.events.subscribe({ endpoint: receiver.url, name: "elsewhere", vaultName: "other" });
    await create("k", { kty: "EC", crv: "P-256", attributes: { exp: seconds(START + 10 * DAY_MS) } });
    // The retries fall due 50 ms of real time after each failure: deliver until both have landed.
    await eventually(async () => {
      const byName = Object.fromEntries(emulator.events.subscriptions().map((s) => [s.name, s.deliveries]));
      if (byName.all?.delivered === 1 && byName["near-only"]?.delivered === 1) return true;
      await emulator.events.deliver();
      return false;
    }, "both retried deliveries");
    const subs = Object.fromEntries(emulator.events.subscriptions().map((s) => [s.name, s]));
    // all: KeyNewVersionCreated answered 400 (dropped), KeyNearExpiry delivered on a retry.
    expect(subs.all).toMatchObject({ deliveries: { pending: 0, delivered: 1, failed: 1 } });
    expect(subs["near-only"]).toMatchObject({ deliveries: { pending: 0, delivered: 1, failed: 0 }, includedEventTypes: ["Microsoft.KeyVault.KeyNearExpiry"] });
    expect(subs.elsewhere!.deliveries).toEqual({ pending: 0, delivered: 0, failed: 0 });
    const nearPosts = receiver.posts.filter((p) => (p.body as any)[0].eventType.endsWith("KeyNearExpiry"));
    expect(nearPosts.map((p) => p.headers["aeg-delivery-count"]).sort()).toEqual(["0", "0", "1", "1"]);
    expect(receiver.posts.filter((p) => (p.body as any)[0].eventType.endsWith("KeyNewVersionCreated"))).toHaveLength(1);
    expect(emulator.events.unsubscribe({ name: "ALL" })).toEqual(["all"]);
    expect(emulator.events.unsubscribe({ endpoint: receiver.url }).sort()).toEqual(["elsewhere", "near-only"]);
    expect(emulator.events.subscriptions()).toEqual([]);
  });

  it("delivers at least once across processes: what one process could not deliver, the next one does", async () => {
    receiver = await startWebhookReceiver();
    const port = Number(new URL(receiver.url).port);
    await receiver.close();
    // The retry waits long enough that this process (its pass loops while anything is due) does not get
    // to it again on a loaded machine; the next process finds it due.
    open({ monitoring: { delivery: { retryDelaysMs: [300] } } });
    await emulator.events.subscribe({ endpoint: `http://127.0.0.1:${port}/hook`, name: "later" });
    await create("k");
    await emulator.events.deliver();
    expect(emulator.events.subscriptions()[0]).toMatchObject({ deliveries: { pending: 1, delivered: 0 }, lastError: expect.any(String) });
    emulator.close();

    // The subscriber is back; another emulator on the data directory (another process, say the next
    // CLI command) delivers at its first request.
    receiver = await startWebhookReceiver(port);
    await new Promise((r) => setTimeout(r, 350));
    open();
    expect((await get("k")).status).toBe(200);
    const [event] = await receiver.waitForEvents(1);
    expect(event).toMatchObject({ eventType: "Microsoft.KeyVault.KeyNewVersionCreated", subject: "k" });
    // The count of earlier attempts carried over from the first process (a fresh delivery says 0). It is
    // at least 1, not exactly 1: the first process may retry again before it closes, and the test should
    // not depend on how busy the machine is.
    expect(Number(receiver.posts[0]!.headers["aeg-delivery-count"])).toBeGreaterThanOrEqual(1);
    await emulator.events.deliver();
    expect(emulator.events.subscriptions()[0]!.deliveries).toEqual({ pending: 0, delivered: 1, failed: 0 });
  });

  it("performs Event Grid's validation handshake when asked", async () => {
    open();
    receiver = await startWebhookReceiver();
    receiver.respond = (post) => {
      const [event] = post.body as Array<{ eventType: string; data: { validationCode: string } }>;
      return event!.eventType === "Microsoft.EventGrid.SubscriptionValidationEvent"
        ? { status: 200, body: JSON.stringify({ validationResponse: event!.data.validationCode }) }
        : { status: 200 };
    };
    await expect(emulator.events.subscribe({ endpoint: receiver.url, name: "checked", validate: true })).resolves.toMatchObject({ name: "checked" });
    expect(receiver.posts[0]!.headers["aeg-event-type"]).toBe("SubscriptionValidation");
    receiver.respond = () => ({ status: 200, body: "{}" });
    await expect(emulator.events.subscribe({ endpoint: receiver.url, name: "unchecked", validate: true })).rejects.toThrow(/validation handshake/);
    expect(emulator.events.subscriptions().map((s) => s.name)).toEqual(["checked"]);
  });
});

