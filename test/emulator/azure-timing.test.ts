import { afterAll, beforeEach, describe, expect, test } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { ManualClock, createEmulator } from "../../src/emulator/index.js";
import { API, raw, tempDataDir, testVault, type TestVault } from "../helpers/emulator.js";

// The Azure timing profile (issue 22, item 3): soft delete, recovery, purge and restore settle after a
// delay on the emulator clock, answering meanwhile as the service does. Driven by the real SDK's pollers
// and by raw HTTP for the exact bodies; the clock is a ManualClock, so nothing here waits.

const VAULT = "https://timing.vault.localhost";
const DELAY = 5_000;
let clock: ManualClock;
let tv: TestVault;
const open: TestVault[] = [];

beforeEach(() => {
  clock = new ManualClock();
  tv = testVault({ vaultUrl: VAULT, profile: "azure", clock });
  open.push(tv);
});
afterAll(() => open.forEach((v) => v.close()));

const get = (path: string) => raw(tv.emulator, { method: "GET", url: `${VAULT}${path}?${API}` });
const send = (method: string, path: string, body?: unknown) => raw(tv.emulator, { method, url: `${VAULT}${path}?${API}`, ...(body !== undefined ? { body } : {}) });
const deletedPolls = (name: string) => tv.exchanges.filter((e) => e.method === "GET" && e.url.includes(`/deletedkeys/${name}?`));
const keyPolls = (name: string) => tv.exchanges.filter((e) => e.method === "GET" && e.url.includes(`/keys/${name}/?`));

const BEING_DELETED = (name: string) =>
  JSON.stringify({ error: { code: "Conflict", message: `Key ${name} is currently being deleted and cannot be re-created; retry later.`, innererror: { code: "ObjectIsBeingDeleted" } } });
const DELETED_BEING_DELETED = JSON.stringify({ error: { code: "Conflict", message: "Key is currently being deleted.", innererror: { code: "ObjectIsBeingDeleted" } } });
const BEING_RECOVERED = (name: string) =>
  JSON.stringify({ error: { code: "Conflict", message: `Key ${name} is currently being recovered and cannot be re-created; retry later.`, innererror: { code: "ObjectIsBeingRecovered" } } });

describe("delete", () => {
  test("the SDK's delete poller takes several polls: /deletedkeys answers 404 until the deletion settles", async () => {
    await tv.client.createKey("k", "EC");
    const poller = await tv.client.beginDeleteKey("k", { intervalInMs: 1 });
    await poller.poll();
    await poller.poll();
    expect(poller.isDone()).toBe(false);
    const waiting = deletedPolls("k").map((e) => e.status);
    expect(waiting.length).toBeGreaterThanOrEqual(2);
    expect(new Set(waiting)).toEqual(new Set([404]));
    clock.advance(DELAY);
    const deleted = await poller.pollUntilDone();
    expect(deleted.name).toBe("k");
    expect(deleted.properties.recoveryId).toBe(`${VAULT}/deletedkeys/k`);
    expect(deletedPolls("k").map((e) => e.status)).toEqual([...waiting, 200]);
  });

  test("while deleting: GET /deletedkeys is 404, the list leaves it out, create/import are 409 ObjectIsBeingDeleted, recover/purge 409 too", async () => {
    await tv.client.createKey("d", "EC");
    await tv.client.createKey("other", "EC");
    await tv.client.beginDeleteKey("other").then((p) => (clock.advance(DELAY), p.pollUntilDone()));
    expect((await send("DELETE", "/keys/d")).status).toBe(200);

    const read = await get("/deletedkeys/d");
    expect(read.status).toBe(404);
    expect(read.json.error).toEqual({ code: "KeyNotFound", message: "Deleted Key not found: d" });
    expect((await get("/deletedkeys")).json.value.map((i: { kid: string }) => i.kid)).toEqual([`${VAULT}/keys/other`]);
    expect((await get("/keys/d")).status).toBe(404);
    expect((await send("DELETE", "/keys/d")).status).toBe(404);

    const create = await send("POST", "/keys/d/create", { kty: "EC" });
    expect(create.status).toBe(409);
    expect(create.body).toBe(BEING_DELETED("d"));
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
    const imported = await send("PUT", "/keys/D", { key: ec });
    expect(imported.status).toBe(409);
    expect(imported.json.error.innererror.code).toBe("ObjectIsBeingDeleted");
    for (const [method, path] of [["POST", "/deletedkeys/d/recover"], ["DELETE", "/deletedkeys/d"]] as const) {
      const res = await send(method, path);
      expect(res.status).toBe(409);
      expect(res.body).toBe(DELETED_BEING_DELETED);
    }
    const sdkCreate = await tv.client.createKey("d", "EC").catch((e: unknown) => e);
    expect(sdkCreate).toMatchObject({ statusCode: 409, code: "Conflict" });

    clock.advance(DELAY - 1);
    expect((await get("/deletedkeys/d")).status).toBe(404);
    clock.advance(1);
    expect((await get("/deletedkeys/d")).status).toBe(200);
    expect((await get("/deletedkeys")).json.value).toHaveLength(2);
    // Settled: the name is now held by a recoverable deleted key, as without the profile.
    expect((await send("POST", "/keys/d/create", { kty: "EC" })).json.error.innererror.code).toBe("ObjectIsDeletedButRecoverable");
  });
});

describe("recover", () => {
  test("the SDK's recover poller takes several polls: GET /keys answers 404 until the recovery settles", async () => {
    await tv.client.createKey("r", "RSA");
    await tv.client.beginDeleteKey("r").then((p) => (clock.advance(DELAY), p.pollUntilDone()));
    const poller = await tv.client.beginRecoverDeletedKey("r", { intervalInMs: 1 });
    await poller.poll();
    expect(poller.isDone()).toBe(false);
    const waiting = keyPolls("r").map((e) => e.status);
    expect(waiting.length).toBeGreaterThanOrEqual(2);
    expect(new Set(waiting)).toEqual(new Set([404]));

    // Meanwhile: not readable, not listed, no versions, and the name cannot be taken.
    expect((await get("/keys/r")).json.error.code).toBe("KeyNotFound");
    expect((await get("/keys")).json.value).toEqual([]);
    expect((await get("/keys/r/versions")).json).toEqual({ value: [], nextLink: null });
    expect((await get("/deletedkeys/r")).status).toBe(404);
    const create = await send("POST", "/keys/r/create", { kty: "RSA" });
    expect(create.status).toBe(409);
    expect(create.body).toBe(BEING_RECOVERED("r"));

    clock.advance(DELAY);
    const recovered = await poller.pollUntilDone();
    expect(recovered.name).toBe("r");
    expect(keyPolls("r").at(-1)!.status).toBe(200);
    expect((await tv.client.getKey("r")).keyType).toBe("RSA");
  });
});

describe("purge", () => {
  test("answers 204 at once, but the deleted key stays until the purge settles; the name is 409 ObjectIsBeingDeleted meanwhile", async () => {
    await tv.client.createKey("p", "EC");
    await tv.client.beginDeleteKey("p").then((p) => (clock.advance(DELAY), p.pollUntilDone()));
    await tv.client.purgeDeletedKey("p");

    expect((await get("/deletedkeys/p")).status).toBe(200);
    expect((await get("/deletedkeys")).json.value).toHaveLength(1);
    const create = await send("POST", "/keys/p/create", { kty: "EC" });
    expect(create.status).toBe(409);
    expect(create.body).toBe(BEING_DELETED("p"));
    expect((await send("DELETE", "/deletedkeys/p")).body).toBe(DELETED_BEING_DELETED);
    expect((await send("POST", "/deletedkeys/p/recover")).body).toBe(DELETED_BEING_DELETED);

    clock.advance(DELAY);
    expect((await get("/deletedkeys/p")).status).toBe(404);
    expect((await get("/deletedkeys")).json.value).toEqual([]);
    expect((await tv.client.createKey("p", "EC")).name).toBe("p");
  });
});

describe("restore", () => {
  test("the restored key reads at once; create and delete of the name are 409 ObjectIsBeingRecovered until the restore settles", async () => {
    await tv.client.createKey("b", "EC");
    const backup = (await tv.client.backupKey("b"))!;
    await tv.client.beginDeleteKey("b").then((p) => (clock.advance(DELAY), p.pollUntilDone()));
    await tv.client.purgeDeletedKey("b");
    // The purge is settling: restoring over it is refused like a create.
    const early = await tv.client.restoreKeyBackup(backup).catch((e: unknown) => e);
    expect(early).toMatchObject({ statusCode: 409, code: "Conflict" });
    clock.advance(DELAY);

    expect((await tv.client.restoreKeyBackup(backup)).name).toBe("b");
    expect((await get("/keys/b")).status).toBe(200);
    const del = await send("DELETE", "/keys/b");
    expect(del.status).toBe(409);
    expect(del.body).toBe(BEING_RECOVERED("b"));
    expect((await send("POST", "/keys/b/create", { kty: "EC" })).json.error.innererror.code).toBe("ObjectIsBeingRecovered");

    clock.advance(DELAY);
    expect((await send("DELETE", "/keys/b")).status).toBe(200);
  });
});

describe("settings", () => {
  test("without the profile every change settles at once (the default is unchanged)", async () => {
    const plain = testVault({ vaultUrl: VAULT, clock: new ManualClock() });
    open.push(plain);
    await plain.client.createKey("k", "EC");
    await plain.client.beginDeleteKey("k", { intervalInMs: 1 }).then((p) => p.pollUntilDone());
    expect(plain.exchanges.filter((e) => e.url.includes("/deletedkeys/k?")).map((e) => e.status)).toEqual([200]);
  });

  test("softDeleteDelays sets the delays (here: deletes take 20 s, recoveries none)", async () => {
    const slow = testVault({ vaultUrl: VAULT, clock, profile: "azure", softDeleteDelays: { deleteMs: 20_000, recoverMs: 0 } });
    open.push(slow);
    await slow.client.createKey("s", "EC");
    await slow.client.beginDeleteKey("s", { intervalInMs: 1 });
    clock.advance(DELAY);
    expect((await raw(slow.emulator, { method: "GET", url: `${VAULT}/deletedkeys/s?${API}` })).status).toBe(404);
    clock.advance(15_000);
    expect((await raw(slow.emulator, { method: "GET", url: `${VAULT}/deletedkeys/s?${API}` })).status).toBe(200);
    await slow.client.beginRecoverDeletedKey("s").then((p) => p.pollUntilDone());
    expect((await raw(slow.emulator, { method: "GET", url: `${VAULT}/keys/s?${API}` })).status).toBe(200);
    expect(() => testVault({ softDeleteDelays: { deleteMs: -1 } })).toThrow(/deleteMs/);
  });

  test("transitions are the data directory's: another process on it sees a deletion in progress", async () => {
    const temp = tempDataDir();
    try {
      const base = new ManualClock();
      const a = createEmulator({ dataDir: temp.dir, profile: "azure", clock: base });
      const b = createEmulator({ dataDir: temp.dir, profile: "azure", clock: base });
      try {
        const url = "https://shared.vault.localhost";
        await raw(a, { method: "POST", url: `${url}/keys/k/create?${API}`, body: { kty: "EC" } });
        await raw(a, { method: "DELETE", url: `${url}/keys/k?${API}` });
        expect((await raw(b, { method: "GET", url: `${url}/deletedkeys/k?${API}` })).status).toBe(404);
        expect((await raw(b, { method: "POST", url: `${url}/keys/k/create?${API}`, body: { kty: "EC" } })).status).toBe(409);
        base.advance(DELAY);
        expect((await raw(b, { method: "GET", url: `${url}/deletedkeys/k?${API}` })).status).toBe(200);
      } finally {
        a.close();
        b.close();
      }
    } finally {
      temp.cleanup();
    }
  });
});
