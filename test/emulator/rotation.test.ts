import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEmulator, ManualClock, type Emulator } from "../../src/emulator/index.js";
import { API, raw, tempDataDir, testVault, type TestVault } from "../helpers/emulator.js";
import { patient } from "../helpers/patience.js";

// Rotation policies (GET/PUT /keys/{n}/rotationpolicy), on-demand rotation (POST /keys/{n}/rotate) and
// automatic rotation under the emulator clock. Every validation rule answers 400 BadParameter.

const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const V = "https://rot.vault.localhost";
const H = "https://rot.managedhsm.localhost";

let clock: ManualClock;
let vault: TestVault;
let emulator: Emulator;

beforeEach(() => {
  clock = new ManualClock(START);
  vault = testVault({ vaultUrl: V, clock });
  emulator = vault.emulator;
});
afterEach(() => vault.close());

const put = (base: string, name: string, body: unknown) => raw(emulator, { method: "PUT", url: `${base}/keys/${name}/rotationpolicy?${API}`, body });
const get = (base: string, name: string) => raw(emulator, { method: "GET", url: `${base}/keys/${name}/rotationpolicy?${API}` });
const rotate = (base: string, name: string) => raw(emulator, { method: "POST", url: `${base}/keys/${name}/rotate?${API}` });
const create = (base: string, name: string, body: unknown = { kty: "EC", crv: "P-256" }) =>
  raw(emulator, { method: "POST", url: `${base}/keys/${name}/create?${API}`, body });
const versions = async (base: string, name: string) =>
  (await raw(emulator, { method: "GET", url: `${base}/keys/${name}/versions?${API}` })).json.value as Array<{ kid: string; attributes: { created: number; exp?: number } }>;

const rotateAfter = (duration: string, expiryTime?: string) => ({
  lifetimeActions: [{ trigger: { timeAfterCreate: duration }, action: { type: "Rotate" } }],
  attributes: expiryTime ? { expiryTime } : {},
});

describe("GET and PUT /keys/{name}/rotationpolicy", () => {
  it("answers the default policy for a key without one: Notify 30 days before expiry in a vault, nothing in a managed HSM", async () => {
    await create(V, "k");
    const res = await get(V, "k");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      id: `${V}/keys/k/rotationpolicy`,
      lifetimeActions: [{ trigger: { timeBeforeExpiry: "P30D" }, action: { type: "Notify" } }],
      attributes: {},
    });
    await create(H, "k");
    expect((await get(H, "k")).json).toEqual({ id: `${H}/keys/k/rotationpolicy`, lifetimeActions: [], attributes: {} });
  });

  it("stores a policy, adds the default Notify action in a vault, and keeps created while updated moves", async () => {
    await create(V, "k");
    const res = await put(V, "k", rotateAfter("P30D", "P90D"));
    expect(res.status).toBe(200);
    const t = START / 1000;
    expect(res.json).toEqual({
      id: `${V}/keys/k/rotationpolicy`,
      lifetimeActions: [
        { trigger: { timeAfterCreate: "P30D" }, action: { type: "Rotate" } },
        { trigger: { timeBeforeExpiry: "P30D" }, action: { type: "Notify" } },
      ],
      attributes: { expiryTime: "P90D", created: t, updated: t },
    });
    expect((await get(V, "k")).json).toEqual(res.json);
    clock.advance(60_000);
    const again = await put(V, "k", { lifetimeActions: [{ trigger: { timeBeforeExpiry: "P20D" }, action: { type: "notify" } }], attributes: {} });
    expect(again.json.lifetimeActions).toEqual([{ trigger: { timeBeforeExpiry: "P20D" }, action: { type: "Notify" } }]);
    expect(again.json.attributes).toEqual({ created: t, updated: t + 60 });
  });

  it("works through the SDK (getKeyRotationPolicy, updateKeyRotationPolicy)", async () => {
    await vault.client.createEcKey("sdk", { curve: "P-256" });
    const updated = await vault.client.updateKeyRotationPolicy("sdk", { lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P1Y" }], expiresIn: "P2Y" });
    expect(updated).toMatchObject({ expiresIn: "P2Y", id: `${V}/keys/sdk/rotationpolicy`, createdOn: new Date(START) });
    expect((await vault.client.getKeyRotationPolicy("sdk")).lifetimeActions).toEqual([
      { action: "Rotate", timeAfterCreate: "P1Y", timeBeforeExpiry: undefined },
      { action: "Notify", timeAfterCreate: undefined, timeBeforeExpiry: "P30D" },
    ]);
  });

  it("is 404 KeyNotFound for a missing or deleted key", async () => {
    await create(V, "gone");
    expect((await get(V, "missing")).json.error.code).toBe("KeyNotFound");
    expect((await put(V, "missing", rotateAfter("P30D"))).status).toBe(404);
    await raw(emulator, { method: "DELETE", url: `${V}/keys/gone?${API}` });
    expect((await get(V, "gone")).status).toBe(404);
  });

  const rules: Array<[string, string, unknown, RegExp]> = [
    ["a duration that is not ISO 8601", V, rotateAfter("30 days"), /'30 days' of lifetimeActions\[0\]\.trigger\.timeAfterCreate is not a valid ISO 8601 duration/],
    ["an expiryTime that is not ISO 8601", V, rotateAfter("P30D", "90D"), /'90D' of attributes\.expiryTime is not a valid ISO 8601 duration/],
    ["an expiryTime under 28 days", V, rotateAfter("P7D", "P27D"), /expiryTime \(P27D\) is shorter than the minimum of 28 days/],
    ["an expiryTime of 4 weeks in hours under 28 days", V, rotateAfter("P7D", "PT671H"), /shorter than the minimum of 28 days/],
    ["two Rotate actions", V, { lifetimeActions: [rotateAfter("P30D").lifetimeActions[0], rotateAfter("P40D").lifetimeActions[0]] }, /at most one Rotate action; this one has 2/],
    ["two Notify actions", V, { lifetimeActions: [{ trigger: { timeBeforeExpiry: "P30D" }, action: { type: "Notify" } }, { trigger: { timeBeforeExpiry: "P10D" }, action: { type: "Notify" } }] }, /at most one Notify action; this one has 2/],
    ["a Notify action in a managed HSM", H, { lifetimeActions: [{ trigger: { timeBeforeExpiry: "P30D" }, action: { type: "Notify" } }] }, /Notify actions are not supported in a managed HSM/],
    ["a Notify action triggered after creation", V, { lifetimeActions: [{ trigger: { timeAfterCreate: "P30D" }, action: { type: "Notify" } }] }, /a Notify action is triggered by timeBeforeExpiry only/],
    ["an action with both triggers", V, { lifetimeActions: [{ trigger: { timeAfterCreate: "P30D", timeBeforeExpiry: "P30D" }, action: { type: "Rotate" } }], attributes: { expiryTime: "P90D" } }, /exactly one trigger: timeAfterCreate or timeBeforeExpiry \(it has both\)/],
    ["an action without a trigger", V, { lifetimeActions: [{ action: { type: "Rotate" } }] }, /exactly one trigger.*\(it has none\)/],
    ["a trigger under 7 days after creation", V, rotateAfter("P6D"), /timeAfterCreate \(P6D\) is shorter than the minimum of 7 days/],
    ["a trigger under 7 days before expiry", V, { lifetimeActions: [{ trigger: { timeBeforeExpiry: "PT12H" }, action: { type: "Rotate" } }], attributes: { expiryTime: "P90D" } }, /timeBeforeExpiry \(PT12H\) is shorter than the minimum of 7 days/],
    ["a timeAfterCreate that does not fit the expiry", V, rotateAfter("P85D", "P90D"), /timeAfterCreate \(P85D\) does not fit the policy's expiryTime \(P90D\)/],
    ["a timeBeforeExpiry that does not fit the expiry", V, { lifetimeActions: [{ trigger: { timeBeforeExpiry: "P85D" }, action: { type: "Rotate" } }], attributes: { expiryTime: "P90D" } }, /timeBeforeExpiry \(P85D\) does not fit/],
    ["a Rotate before expiry without an expiryTime", V, { lifetimeActions: [{ trigger: { timeBeforeExpiry: "P30D" }, action: { type: "Rotate" } }] }, /needs the policy's attributes\.expiryTime/],
    ["an unknown action", V, { lifetimeActions: [{ trigger: { timeAfterCreate: "P30D" }, action: { type: "Delete" } }] }, /action\.type 'Delete' is not a lifetime action/],
    ["lifetimeActions that are not an array", V, { lifetimeActions: {} }, /'lifetimeActions' must be an array/],
    ["an action without a type", V, { lifetimeActions: [{ trigger: { timeAfterCreate: "P30D" } }] }, /action\.type' \(Rotate or Notify\) is required/],
    ["a duration that is not a string", V, { lifetimeActions: [{ trigger: { timeAfterCreate: 30 }, action: { type: "Rotate" } }] }, /must be a string \(an ISO 8601 duration\)/],
  ];
  it.each(rules)("refuses %s with 400 BadParameter", async (_title, base, body, message) => {
    await create(base, "k");
    const res = await put(base, "k", body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("BadParameter");
    expect(res.json.error.message).toMatch(message);
    // Nothing was stored.
    expect((await get(base, "k")).json.attributes).toEqual({});
  });

  it("accepts the limits themselves: expiryTime P28D, triggers of P7D, a trigger exactly 7 days short of expiry", async () => {
    await create(V, "k");
    expect((await put(V, "k", rotateAfter("P7D", "P28D"))).status).toBe(200);
    expect((await put(V, "k", rotateAfter("P21D", "P28D"))).status).toBe(200);
    expect((await put(V, "k", rotateAfter("P1M", "P1Y"))).status).toBe(200);
    expect((await put(V, "k", { lifetimeActions: [] })).json.lifetimeActions).toEqual([{ trigger: { timeBeforeExpiry: "P30D" }, action: { type: "Notify" } }]);
  });
});

describe("POST /keys/{name}/rotate", () => {
  it("creates a version like the latest: type, size, operations, tags, and the policy's expiry", async () => {
    const first = await create(V, "r", { kty: "RSA", key_size: 3072, key_ops: ["sign", "verify"], tags: { team: "a" } });
    await put(V, "r", rotateAfter("P30D", "P60D"));
    clock.advance(DAY_MS);
    const res = await rotate(V, "r");
    expect(res.status).toBe(200);
    const now = START / 1000 + 86_400;
    expect(res.json.key).toMatchObject({ kty: "RSA", key_ops: ["sign", "verify"], e: "AQAB" });
    expect(Buffer.from(res.json.key.n, "base64url").length).toBe(384);
    expect(res.json.key.n).not.toBe(first.json.key.n);
    expect(res.json.key.kid).not.toBe(first.json.key.kid);
    expect(res.json.tags).toEqual({ team: "a" });
    expect(res.json.attributes).toMatchObject({ enabled: true, created: now, exp: now + 60 * 86_400 });
    const latest = await raw(emulator, { method: "GET", url: `${V}/keys/r/?${API}` });
    expect(latest.json.key.kid).toBe(res.json.key.kid);
    expect(await versions(V, "r")).toHaveLength(2);
  });

  it("keeps the curve of an EC key and the size of an oct-HSM key; without a policy a vault rotates with no expiry", async () => {
    await create(V, "ec", { kty: "EC", crv: "P-384" });
    const ec = await rotate(V, "ec");
    expect(ec.json.key).toMatchObject({ kty: "EC", crv: "P-384" });
    expect(ec.json.attributes.exp).toBeUndefined();
    await create(H, "aes", { kty: "oct-HSM", key_size: 128 });
    await put(H, "aes", rotateAfter("P30D"));
    const aes = await raw(emulator, { method: "POST", url: `${H}/keys/aes/rotate?${API}` });
    expect(aes.status).toBe(200);
    expect(aes.json.key.kty).toBe("oct-HSM");
    const enc = await raw(emulator, { method: "POST", url: `${H}/keys/aes//encrypt?${API}`, body: { alg: "A128GCM", value: "AAEC" } });
    expect(enc.status).toBe(200);
  });

  it("is refused in a managed HSM until a rotation policy is set", async () => {
    await create(H, "k");
    const res = await rotate(H, "k");
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "BadParameter", message: expect.stringMatching(/^The key k has no rotation policy\. A managed HSM rotates a key on demand only after/) });
    await put(H, "k", rotateAfter("P30D"));
    expect((await rotate(H, "k")).status).toBe(200);
  });

  it("is 404 KeyNotFound for a missing key, through the SDK too", async () => {
    await vault.client.createEcKey("viasdk", { curve: "P-256" });
    expect((await rotate(V, "none")).status).toBe(404);
    await expect(vault.client.rotateKey("none")).rejects.toMatchObject({ statusCode: 404, code: "KeyNotFound" });
    const rotated = await vault.client.rotateKey("viasdk");
    expect(rotated.properties.version).not.toBeUndefined();
  });

  it("holds Managed HSM's cap of 100 versions per key, for rotate and for create", async () => {
    await create(H, "cap", { kty: "oct-HSM", key_size: 128 });
    await put(H, "cap", rotateAfter("P30D"));
    for (let i = 1; i < 100; i++) expect((await rotate(H, "cap")).status).toBe(200);
    const over = await rotate(H, "cap");
    expect(over.status).toBe(400);
    expect(over.json.error.message).toMatch(/already has 100 versions, the most a managed HSM keeps for one key/);
    expect((await create(H, "cap", { kty: "oct-HSM", key_size: 128 })).status).toBe(400);
    const page = await raw(emulator, { method: "GET", url: `${H}/keys/cap/versions?${API}&maxresults=25` });
    let count = page.json.value.length;
    let next: string | null = page.json.nextLink;
    while (next) {
      const more = await raw(emulator, { method: "GET", url: next });
      count += more.json.value.length;
      next = more.json.nextLink;
    }
    expect(count).toBe(100);
    // A key vault has no such cap.
    await create(V, "many", { kty: "EC" });
    for (let i = 0; i < 100; i++) await rotate(V, "many");
    expect((await rotate(V, "many")).status).toBe(200);
  }, patient(60_000));
});

describe("automatic rotation under the emulator clock", () => {
  it("a timeAfterCreate of P30D rotates on day 30 and not on day 29, once per due check, the next time from the new version", async () => {
    await create(V, "auto");
    await put(V, "auto", rotateAfter("P30D", "P90D"));
    emulator.setTimeShift(29 * DAY_MS);
    expect(await versions(V, "auto")).toHaveLength(1);
    emulator.setTimeShift(30 * DAY_MS);
    const after30 = await versions(V, "auto");
    expect(after30).toHaveLength(2);
    const day30 = START / 1000 + 30 * 86_400;
    expect(after30[1]!.attributes).toMatchObject({ created: day30, exp: day30 + 90 * 86_400 });
    // Touching again at the same time does not rotate again.
    expect(await versions(V, "auto")).toHaveLength(2);
    // Five periods later: one new version (not five), and the next due time counts from it.
    emulator.setTimeShift(180 * DAY_MS);
    expect(await versions(V, "auto")).toHaveLength(3);
    emulator.setTimeShift(209 * DAY_MS);
    expect(await versions(V, "auto")).toHaveLength(3);
    emulator.setTimeShift(210 * DAY_MS);
    expect(await versions(V, "auto")).toHaveLength(4);
  });

  it("a timeBeforeExpiry trigger rotates that long before the latest version expires", async () => {
    await create(V, "tbe");
    await put(V, "tbe", { lifetimeActions: [{ trigger: { timeBeforeExpiry: "P10D" }, action: { type: "Rotate" } }], attributes: { expiryTime: "P60D" } });
    // The first version has no expiry: nothing is ever due for it.
    emulator.setTimeShift(400 * DAY_MS);
    expect(await versions(V, "tbe")).toHaveLength(1);
    // A rotated version expires after 60 days; the trigger fires 10 days before that, on day 50.
    await rotate(V, "tbe");
    emulator.setTimeShift(449 * DAY_MS);
    expect(await versions(V, "tbe")).toHaveLength(2);
    emulator.setTimeShift(450 * DAY_MS);
    expect(await versions(V, "tbe")).toHaveLength(3);
  });

  it("changing the latest version's expiry reschedules a timeBeforeExpiry trigger", async () => {
    await create(V, "resched");
    await put(V, "resched", { lifetimeActions: [{ trigger: { timeBeforeExpiry: "P10D" }, action: { type: "Rotate" } }], attributes: { expiryTime: "P60D" } });
    const exp = START / 1000 + 20 * 86_400;
    await raw(emulator, { method: "PATCH", url: `${V}/keys/resched/?${API}`, body: { attributes: { exp } } });
    emulator.setTimeShift(9 * DAY_MS);
    expect(await versions(V, "resched")).toHaveLength(1);
    emulator.setTimeShift(10 * DAY_MS);
    expect(await versions(V, "resched")).toHaveLength(2);
  });

  it("rotates on the served emulator's timer (rotateDueKeys) without any request, and skips deleted keys", async () => {
    await create(V, "timer");
    await create(V, "deleted");
    await put(V, "timer", rotateAfter("P30D"));
    await put(V, "deleted", rotateAfter("P30D"));
    await raw(emulator, { method: "DELETE", url: `${V}/keys/deleted?${API}` });
    clock.advance(31 * DAY_MS);
    expect(await emulator.rotateDueKeys()).toBe(1);
    expect(await emulator.rotateDueKeys()).toBe(0);
    clock.advance(-31 * DAY_MS);
    emulator.setTimeShift(31 * DAY_MS);
    expect(await versions(V, "timer")).toHaveLength(2);
  });

  it("stops retrying a rotation the vault refuses (Managed HSM's cap) instead of failing requests", async () => {
    await create(H, "full", { kty: "oct-HSM", key_size: 128 });
    await put(H, "full", rotateAfter("P30D"));
    for (let i = 1; i < 100; i++) await rotate(H, "full");
    emulator.setTimeShift(31 * DAY_MS);
    const latest = await raw(emulator, { method: "GET", url: `${H}/keys/full/?${API}` });
    expect(latest.status).toBe(200);
    expect(await emulator.rotateDueKeys()).toBe(0);
  }, patient(60_000));

  it("a backup carries the policy, and the restored key keeps rotating", async () => {
    await create(V, "bk");
    await put(V, "bk", rotateAfter("P30D"));
    const blob = (await raw(emulator, { method: "POST", url: `${V}/keys/bk/backup?${API}` })).json.value;
    await raw(emulator, { method: "DELETE", url: `${V}/keys/bk?${API}` });
    await raw(emulator, { method: "DELETE", url: `${V}/deletedkeys/bk?${API}` });
    expect((await raw(emulator, { method: "POST", url: `${V}/keys/restore?${API}`, body: { value: blob } })).status).toBe(200);
    expect((await get(V, "bk")).json.lifetimeActions[0]).toEqual({ trigger: { timeAfterCreate: "P30D" }, action: { type: "Rotate" } });
    emulator.setTimeShift(30 * DAY_MS);
    expect(await versions(V, "bk")).toHaveLength(2);
  });
});

describe("the emulator clock, persisted in the data directory", () => {
  it("is shared by every emulator on the data directory and survives a restart; nbf/exp and purges follow it", async () => {
    const dir = tempDataDir();
    try {
      const a = createEmulator({ dataDir: dir.dir });
      const b = createEmulator({ dataDir: dir.dir });
      expect(a.timeShift()).toBe(0);
      const exp = Math.floor(Date.now() / 1000) + 10 * 86_400;
      await raw(a, { method: "POST", url: `${V}/keys/k/create?${API}`, body: { kty: "EC", attributes: { exp } } });
      const digest = Buffer.alloc(32, 1).toString("base64url");
      const sign = (e: Emulator) => raw(e, { method: "POST", url: `${V}/keys/k//sign?${API}`, body: { alg: "ES256", value: digest } });
      const signed = await sign(b);
      expect(signed.status).toBe(200);
      expect(a.advanceTime(10 * DAY_MS)).toBe(10 * DAY_MS);
      expect(b.timeShift()).toBe(10 * DAY_MS);
      const before = Date.now();
      expect(b.now() - before).toBeGreaterThanOrEqual(10 * DAY_MS);
      expect((await sign(b)).json.error.innererror.code).toBe("KeyExpired");
      const verify = await raw(b, { method: "POST", url: `${V}/keys/k//verify?${API}`, body: { alg: "ES256", digest, value: signed.json.value } });
      expect(verify.json).toEqual({ value: true });

      // A deleted key goes when its retention (7 days here) has passed on the shifted clock.
      a.configureVault({ name: "rot", kind: "vault", retentionDays: 7 });
      await raw(a, { method: "DELETE", url: `${V}/keys/k?${API}` });
      b.advanceTime(6 * DAY_MS);
      expect((await raw(b, { method: "GET", url: `${V}/deletedkeys/k?${API}` })).status).toBe(200);
      b.advanceTime(DAY_MS + 1000);
      expect((await raw(a, { method: "GET", url: `${V}/deletedkeys/k?${API}` })).status).toBe(404);
      a.close();
      b.close();

      const reopened = createEmulator({ dataDir: dir.dir });
      expect(reopened.timeShift()).toBe(17 * DAY_MS + 1000);
      reopened.setTimeShift(0);
      expect(reopened.timeShift()).toBe(0);
      expect(() => reopened.setTimeShift(-1)).toThrow(RangeError);
      expect(() => reopened.advanceTime(-1)).toThrow(/before real time/);
      reopened.close();
    } finally {
      dir.cleanup();
    }
  });
});
