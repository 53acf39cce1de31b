import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { fileURLToPath } from "node:url";
import { startEmulator, type ServedEmulator } from "../../src/emulator/server.js";
import { eventually } from "../helpers/patience.js";
import { tempDataDir } from "../helpers/emulator.js";
import { callOnce } from "../helpers/served.js";

// The served emulator with two worker processes (node:cluster) on one data directory. Every request
// below goes over a fresh connection; connections are dealt round-robin, so consecutive requests land
// on alternating workers, and a write through one must be seen by the next read through the other.
// The workers run the built bundle (dist/emulator-worker.js): `npm test` builds first.

const WORKER = fileURLToPath(new URL("../../dist/emulator-worker.js", import.meta.url));
const API = "api-version=2025-07-01";
const DIGEST = Buffer.alloc(32, 7).toString("base64url");

let home: ReturnType<typeof tempDataDir>;
let served: ServedEmulator;

beforeAll(async () => {
  if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run \`npm run build\` first`);
  home = tempDataDir();
  served = await startEmulator({ dataDir: home.dir, port: 0, workers: 2 });
});
afterAll(async () => {
  await served?.close();
  home?.cleanup();
});

/** One request on its own connection: consecutive calls land on alternating workers. */
const call = (method: string, path: string, body?: unknown, vault = "workers") => callOnce(served, vault, method, path, body);

/** Pids of this process's children that run the emulator worker bundle. */
function workerPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (ppid === process.pid && cmdline.includes("emulator-worker.js")) pids.push(Number(entry));
    } catch {
      // the process went away while we looked
    }
  }
  return pids;
}

describe("startEmulator with workers: 2", () => {
  test("serves from two worker processes on one port", () => {
    expect(served.workers).toBe(2);
    expect(workerPids()).toHaveLength(2);
  });

  test("a write through one worker is read through the other, every time", async () => {
    expect((await call("POST", `/keys/shared/create?${API}`, { kty: "EC", crv: "P-256" })).status).toBe(200);
    for (let i = 0; i < 6; i++) {
      expect((await call("PATCH", `/keys/shared/?${API}`, { tags: { round: String(i) } })).status).toBe(200);
      const read = await call("GET", `/keys/shared/?${API}`);
      expect(read.status).toBe(200);
      expect(read.json.tags).toEqual({ round: String(i) });
    }
  });

  test("neither worker signs with a key another disabled, deleted or replaced (no stale cache)", async () => {
    const created = await call("POST", `/keys/signer/create?${API}`, { kty: "EC", crv: "P-256" });
    expect(created.status).toBe(200);
    // Warm both workers' caches.
    for (let i = 0; i < 4; i++) expect((await call("POST", `/keys/signer//sign?${API}`, { alg: "ES256", value: DIGEST })).status).toBe(200);
    expect((await call("PATCH", `/keys/signer/?${API}`, { attributes: { enabled: false } })).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await call("POST", `/keys/signer//sign?${API}`, { alg: "ES256", value: DIGEST })).status).toBe(403);
    expect((await call("PATCH", `/keys/signer/?${API}`, { attributes: { enabled: true } })).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await call("POST", `/keys/signer//sign?${API}`, { alg: "ES256", value: DIGEST })).status).toBe(200);
    expect((await call("DELETE", `/keys/signer?${API}`)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await call("POST", `/keys/signer//sign?${API}`, { alg: "ES256", value: DIGEST })).status).toBe(404);
    expect((await call("DELETE", `/deletedkeys/signer?${API}`)).status).toBe(204);
    const again = await call("POST", `/keys/signer/create?${API}`, { kty: "EC", crv: "P-256" });
    for (let i = 0; i < 4; i++) {
      const signed = await call("POST", `/keys/signer//sign?${API}`, { alg: "ES256", value: DIGEST });
      expect(signed.status).toBe(200);
      expect(signed.json.kid).toBe(again.json.key.kid);
    }
  });

  test("a worker that dies is replaced, and the emulator keeps serving meanwhile", async () => {
    const [victim, survivor] = workerPids();
    process.kill(victim!, "SIGKILL");
    // Once the primary has seen it go, new connections go to the live worker only.
    await eventually(() => !existsSync(`/proc/${victim}`), "the killed worker to go");
    for (let i = 0; i < 4; i++) expect((await call("GET", `/keys/shared/?${API}`)).status).toBe(200);
    await eventually(() => workerPids().length === 2 && !workerPids().includes(victim!), "a replacement worker", 15_000, 100);
    const now = workerPids();
    expect(now).toHaveLength(2);
    expect(now).toContain(survivor);
    expect(now).not.toContain(victim);
    for (let i = 0; i < 4; i++) expect((await call("GET", `/keys/shared/?${API}`)).status).toBe(200);
  });

  test("close() lets a request in flight in a worker finish, then stops every worker", async () => {
    const home2 = tempDataDir();
    const second = await startEmulator({ dataDir: home2.dir, port: 0, workers: 2 });
    const before = workerPids();
    expect(before.length).toBeGreaterThanOrEqual(4);
    const port = second.port;
    // Expect: 100-continue: the worker's 100 Continue says it has the request (it is in flight).
    let received!: () => void;
    const inWorker = new Promise<void>((resolve) => (received = resolve));
    const slow = new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ kty: "RSA", key_size: 4096 });
      const req = request(
        {
          host: "127.0.0.1",
          port,
          ca: second.caPem,
          servername: "slow.vault.localhost",
          agent: false,
          method: "POST",
          path: `/keys/big/create?${API}`,
          headers: {
            host: `slow.vault.localhost:${port}`,
            authorization: "Bearer any",
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            expect: "100-continue",
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode!));
        },
      );
      req.on("error", reject);
      req.on("continue", () => {
        req.end(body);
        received();
      });
    });
    await inWorker;
    await second.close();
    expect(await slow).toBe(200);
    expect(workerPids().filter((pid) => !before.includes(pid))).toEqual([]);
    expect(workerPids().length).toBe(2); // only the first emulator's workers are left
    home2.cleanup();
  });

  test("strict auth: every worker accepts the tokens the primary issues, and only those", async () => {
    const home3 = tempDataDir();
    const strict = await startEmulator({ dataDir: home3.dir, port: 0, workers: 2, authMode: "strict" });
    try {
      const token = strict.emulator.issueToken("test", `https://vault.localhost:${strict.port}`).token;
      const get = (bearer: string) =>
        new Promise<number>((resolve, reject) => {
          const req = request(
            {
              host: "127.0.0.1",
              port: strict.port,
              ca: strict.caPem,
              servername: "strict.vault.localhost",
              agent: false,
              path: `/keys?${API}`,
              headers: { host: `strict.vault.localhost:${strict.port}`, authorization: `Bearer ${bearer}` },
            },
            (res) => {
              res.resume();
              res.on("end", () => resolve(res.statusCode!));
            },
          );
          req.on("error", reject);
          req.end();
        });
      // The vault does not exist yet: a valid token gets past auth to 404 VaultNotFound.
      for (let i = 0; i < 4; i++) expect(await get(token)).toBe(404);
      for (let i = 0; i < 4; i++) expect(await get("not-a-token")).toBe(401);
    } finally {
      await strict.close();
      home3.cleanup();
    }
  });

  test("refuses more than one worker without a data directory or with a clock object", async () => {
    await expect(startEmulator({ inMemory: true, port: 0, workers: 2 })).rejects.toThrow(/needs a dataDir/);
    await expect(startEmulator({ dataDir: home.dir, port: 0, workers: 2, clock: { now: () => Date.now() } })).rejects.toThrow(/system clock/);
    await expect(startEmulator({ dataDir: home.dir, port: 0, workers: 0 })).rejects.toThrow(/at least 1/);
  });
});
