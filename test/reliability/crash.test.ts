import { generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { Agent, request as httpsRequest } from "node:https";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { systemClock } from "../../src/emulator/index.js";
import { KeyService } from "../../src/emulator/service/key-service.js";
import { KeyRepository } from "../../src/emulator/service/key-repository.js";
import { SqliteKeyStore } from "../../src/emulator/store/sqlite-store.js";
import { loadOrCreateSecurityDomain } from "../../src/emulator/security-domain-file.js";
import { requireBuilt, runKvkey, spawnKvkey } from "../helpers/binary.js";
import { tempDataDir } from "../helpers/emulator.js";
import { random, testSeed } from "../helpers/prng.js";
import { patient } from "../helpers/patience.js";

// Crash safety with real processes (the built binary; `npm test` builds it):
// - a served emulator killed with SIGKILL in the middle of a write burst restarts with every write it
//   acknowledged, and the database passes PRAGMA integrity_check;
// - a CLI killed with SIGKILL at random moments while importing a batch of keys (and while creating a
//   data directory for the first time) leaves no partial key: each key is there whole or not at all;
// - SIGTERM lets the requests in flight finish (slow RSA-4096 creates get their 200) before it exits.
// Every kill lands on an event (so many writes acknowledged, so many lines printed, the server has
// the request), never after a delay: on a busy machine the same things happen, only later.

const SEED = testSeed(0x6b696c6c);
let temp: { dir: string; cleanup: () => void };
const children = new Set<ChildProcess>();

beforeAll(() => {
  requireBuilt();
  temp = tempDataDir("kvkey-crash-");
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  temp?.cleanup();
});

// ---- the database after a crash -------------------------------------------------------------------

function checkDatabase(home: string): void {
  const db = new Database(join(home, "kvkey.db"), { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 10000");
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(db.pragma("foreign_key_check")).toEqual([]);
    // Killed before its first migration, a new database has no tables yet: the next kvkey creates them.
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'keys'").get()) return;
    const orphans = db
      .prepare("SELECT k.vault_id, k.name FROM keys k WHERE NOT EXISTS (SELECT 1 FROM key_versions v WHERE v.vault_id = k.vault_id AND v.name = k.name)")
      .all();
    expect(orphans, "keys without any version").toEqual([]);
  } finally {
    db.close();
  }
}

function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

// ---- a served emulator as a child process ---------------------------------------------------------

interface Served {
  child: ChildProcess;
  port: number;
  agent: Agent;
  stderr: () => string;
}

async function startServed(home: string, extra: string[] = ["--workers", "1"]): Promise<Served> {
  const child = spawnKvkey(["emulator", "start", "--port", "0", "--data-dir", home, ...extra], { home });
  children.add(child);
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  child.stdout!.resume();
  const stateFile = join(home, "emulator.json");
  const deadline = Date.now() + patient(20_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the emulator exited (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) throw new Error(`the emulator did not start: ${stderr}`);
    if (existsSync(stateFile)) {
      try {
        const state = JSON.parse(readFileSync(stateFile, "utf8")) as { pid: number; port: number };
        if (state.pid === child.pid) {
          const agent = new Agent({ ca: readFileSync(join(home, "tls", "ca.pem")), keepAlive: true, maxSockets: 16 });
          return { child, port: state.port, agent, stderr: () => stderr };
        }
      } catch {
        // Being written: read again.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Answer {
  status: number;
  json: any;
}

/**
 * One request. With `onReceived`, the request says `Expect: 100-continue` and its body is sent only
 * once the server has answered 100 Continue — that is, once the emulator has read the request's head
 * and is handling it: `onReceived` is called then, an event a test can wait for.
 */
function call(served: Served, method: string, path: string, body?: unknown, vault = "burst", onReceived?: () => void): Promise<Answer> {
  const host = `${vault}.vault.localhost`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        port: served.port,
        servername: host,
        agent: served.agent,
        method,
        path: `${path}${path.includes("?") ? "&" : "?"}api-version=2025-07-01`,
        headers: {
          host: `${host}:${served.port}`,
          authorization: "Bearer any-token-will-do",
          "content-type": "application/json",
          ...(payload === undefined ? {} : { "content-length": Buffer.byteLength(payload) }),
          ...(onReceived ? { expect: "100-continue" } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode!, json: text === "" ? undefined : JSON.parse(text) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (!onReceived) {
      req.end(payload);
      return;
    }
    req.on("continue", () => {
      onReceived();
      req.end(payload);
    });
  });
}

/** What the emulator acknowledged (a 200 was received), and so must still hold after any crash. */
interface Acknowledged {
  versions: Map<string, string>; // kid -> x
  tags: Map<string, number>; // key -> last n acknowledged (at most one more may have landed)
  deleted: Set<string>;
  created: Set<string>;
}

/**
 * Six lanes of writes until the process is killed: once `killAfter` writes (and at least 4 creates) of
 * this round are acknowledged, so every round is killed in the middle of a burst, however slow the machine.
 */
async function burst(served: Served, round: number, acked: Acknowledged, killAfter: number): Promise<number> {
  let stop = false;
  let count = 0;
  let creates = 0;
  let reached!: () => void;
  const enough = new Promise<void>((resolve) => (reached = resolve));
  const acknowledge = () => {
    count++;
    if (count >= killAfter && creates >= 4) reached();
  };
  const loops = Array.from({ length: 6 }, async (_, lane) => {
    for (let j = 0; !stop; j++) {
      try {
        if (lane < 2) {
          const res = await call(served, "POST", "/keys/burst/create", { kty: "EC", crv: "P-256", tags: { round: String(round) } });
          if (res.status !== 200) throw new Error(`create: ${res.status}`);
          acked.versions.set(res.json.key.kid.replace(/:\d+\//, "/"), res.json.key.x);
          creates++;
        } else if (lane < 4) {
          const name = `u-${lane}`;
          const n = (acked.tags.get(name) ?? 0) + 1;
          const res = await call(served, "PATCH", `/keys/${name}`, { tags: { n: String(n) } });
          if (res.status !== 200) throw new Error(`update: ${res.status}`);
          acked.tags.set(name, n);
        } else {
          const name = `d-${round}-${lane}-${j}`;
          const created = await call(served, "POST", `/keys/${name}/create`, { kty: "EC" });
          if (created.status !== 200) throw new Error(`create: ${created.status}`);
          acked.created.add(name);
          const deleted = await call(served, "DELETE", `/keys/${name}`);
          if (deleted.status !== 200) throw new Error(`delete: ${deleted.status}`);
          acked.deleted.add(name);
        }
        acknowledge();
      } catch (err) {
        // Once the emulator is killed every request fails: that is the end of this lane.
        if (!stop) throw err;
        return;
      }
    }
  });
  const killer = enough.then(() => {
    stop = true;
    served.child.kill("SIGKILL");
  });
  // A lane that fails before the kill is a real failure: report it instead of waiting for the kill.
  const failed = new Promise<never>((_, reject) => {
    for (const loop of loops) loop.catch((err: unknown) => !stop && reject(err));
  });
  await Promise.race([killer, failed]);
  await Promise.allSettled(loops);
  return count;
}

async function verify(served: Served, acked: Acknowledged): Promise<void> {
  for (const [kid, x] of acked.versions) {
    const version = kid.split("/").pop()!;
    const res = await call(served, "GET", `/keys/burst/${version}`);
    expect({ kid, status: res.status, x: res.json?.key?.x }).toEqual({ kid, status: 200, x });
  }
  for (const [name, n] of acked.tags) {
    const res = await call(served, "GET", `/keys/${name}`);
    expect(res.status).toBe(200);
    // The update in flight when the process died may or may not have landed; nothing acknowledged is lost.
    expect([String(n), String(n + 1)], `${name}: tag n`).toContain(res.json.tags.n);
  }
  for (const name of acked.created) {
    const live = await call(served, "GET", `/keys/${name}`);
    const gone = await call(served, "GET", `/deletedkeys/${name}`);
    if (acked.deleted.has(name)) expect({ name, deleted: gone.status, live: live.status }).toEqual({ name, deleted: 200, live: 404 });
    else expect({ name, either: [live.status, gone.status].sort() }).toEqual({ name, either: [200, 404] });
  }
}

describe("a served emulator killed with SIGKILL mid-burst", () => {
  test("3 rounds of kill -9 during concurrent writes: every acknowledged write survives, integrity_check is ok", async () => {
    const home = join(temp.dir, "served");
    const r = random(SEED);
    const acked: Acknowledged = { versions: new Map(), tags: new Map(), deleted: new Set(), created: new Set() };
    for (let round = 0; round < 3; round++) {
      const served = await startServed(home);
      // What earlier rounds acknowledged is all there after the restart.
      await verify(served, acked);
      for (const lane of [2, 3]) {
        if (!acked.tags.has(`u-${lane}`)) {
          expect((await call(served, "POST", `/keys/u-${lane}/create`, { kty: "EC" })).status).toBe(200);
          acked.tags.set(`u-${lane}`, 0);
          expect((await call(served, "PATCH", `/keys/u-${lane}`, { tags: { n: "0" } })).status).toBe(200);
        }
      }
      const writes = await burst(served, round, acked, r.between(6, 60));
      served.agent.destroy();
      expect(await waitForExit(served.child)).toEqual({ code: null, signal: "SIGKILL" });
      expect(writes, "writes acknowledged before the kill").toBeGreaterThan(5);
      checkDatabase(home);
    }
    const last = await startServed(home);
    await verify(last, acked);
    last.child.kill("SIGTERM");
    expect(await waitForExit(last.child)).toEqual({ code: 0, signal: null });
    last.agent.destroy();
    expect(acked.versions.size).toBeGreaterThan(10);
  }, patient(90_000));
});

// ---- the CLI killed mid-import ----------------------------------------------------------------------

describe("the CLI killed with SIGKILL while importing", () => {
  const keys = Array.from({ length: 4 }, () => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey);
  const jwks = keys.map((k) => k.export({ format: "jwk" }) as Record<string, string>);
  // The kills land on progress the test sees (a file made, a line printed), so the batch is always
  // cut in the middle: 120 imports take far longer than the test needs to react to a line.
  const BATCH = 120;

  /** Imported keys of one attempt, read with their private material (which must open). */
  function imported(home: string, attempt: number): Map<number, { n: string; d: string }> {
    const store = new SqliteKeyStore(home);
    try {
      const repo = new KeyRepository(store, loadOrCreateSecurityDomain(home), systemClock);
      const service = new KeyService(repo);
      const found = new Map<number, { n: string; d: string }>();
      if (!repo.vaults.get({ name: "imp", kind: "vault" })) return found;
      for (let i = 0; i < BATCH; i++) {
        let view;
        try {
          view = service.getKeyWithMaterial({ name: "imp", kind: "vault" }, "imp", `a${attempt}-${i}`);
        } catch (err) {
          if ((err as { code?: string }).code === "KeyNotFound") continue;
          throw err;
        }
        if (view.material.family !== "RSA") throw new Error("not RSA");
        found.set(i, { n: view.key.publicJwk.n!, d: view.material.d });
      }
      return found;
    } finally {
      store.close();
    }
  }

  test("kill -9 at random moments, on fresh and used data directories: every key is whole or absent, and the directory keeps working", async () => {
    const r = random(SEED + 1);
    const shared = join(temp.dir, "import");
    for (let i = 0; i < keys.length; i++) writeFileSync(join(temp.dir, `k${i}.pem`), keys[i]!.export({ type: "pkcs8", format: "pem" }));
    let killedMidway = 0;
    for (let attempt = 0; attempt < 6; attempt++) {
      // The first attempts start on a directory that does not exist yet, and are killed early: while
      // kvkey creates the directory, the security domain and the schema.
      const fresh = attempt < 3;
      const home = fresh ? join(temp.dir, `fresh-${attempt}`) : shared;
      const script = Array.from({ length: BATCH }, (_, i) => `import --vault-name imp -n a${attempt}-${i} --pem-file ${join(temp.dir, `k${i % keys.length}.pem`)} -o tsv --query key.kid\n`).join("");
      const child = spawnKvkey(["shell"], { home });
      children.add(child);
      let stdout = "";
      const lines = () => stdout.split("\n").filter(Boolean).length;
      // Fresh: killed as the directory, then the database, then the security domain appears (while
      // kvkey sets the directory up). Used: killed once 1 to 40 imports have been acknowledged.
      const killAt = fresh
        ? [() => existsSync(home), () => existsSync(join(home, "kvkey.db")), () => existsSync(join(home, "security-domain.json"))][attempt]!
        : (() => {
            const after = r.between(1, 40);
            return () => lines() >= after;
          })();
      let killed = false;
      const kill = () => {
        if (!killed && killAt()) {
          killed = true;
          child.kill("SIGKILL");
        }
      };
      child.stdout!.setEncoding("utf8").on("data", (c: string) => {
        stdout += c;
        kill();
      });
      child.stderr!.resume();
      child.stdin!.on("error", () => {});
      child.stdin!.end(script);
      // Files appear without output: look for them between the child's turns.
      const watch = setInterval(kill, 2);
      const exit = await waitForExit(child);
      clearInterval(watch);

      if (!existsSync(join(home, "kvkey.db"))) continue;
      checkDatabase(home);
      const present = imported(home, attempt);
      const acknowledged = stdout.split("\n").filter(Boolean).length;
      // Imports run in order: what is there is a prefix of the batch, holding at least everything the
      // CLI printed (and at most the one import it was inside when it died).
      const count = present.size;
      expect([...present.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
      expect(count).toBeGreaterThanOrEqual(acknowledged);
      expect(count).toBeLessThanOrEqual(acknowledged + 1);
      for (const [i, key] of present) {
        const jwk = jwks[i % keys.length]!;
        expect({ i, n: key.n, d: key.d }).toEqual({ i, n: jwk.n, d: jwk.d });
      }
      if (exit.signal === "SIGKILL" && count > 0 && count < BATCH) killedMidway++;
      // The directory still works for the next command.
      const after = await runKvkey(["create", "--vault-name", "imp", "-n", `after-${attempt}`, "--kty", "EC", "-o", "none"], { home });
      expect(after.code, after.stderr).toBe(0);
    }
    expect(killedMidway, "attempts killed in the middle of the batch").toBeGreaterThan(0);
  }, patient(90_000));
});

// ---- graceful stop ------------------------------------------------------------------------------------

describe("SIGTERM", () => {
  test("the requests in flight (slow RSA-4096 creates) get their 200, then the emulator exits 0", async () => {
    const home = join(temp.dir, "graceful");
    // Default workers: one per core, as `kvkey emulator start` runs for users.
    const served = await startServed(home, []);
    let signalled = false;
    const answeredAfterSignal: boolean[] = [];
    let received = 0;
    let allReceived!: () => void;
    const reached = new Promise<void>((resolve) => (allReceived = resolve));
    const inFlight = Array.from({ length: 3 }, (_, i) =>
      call(served, "POST", `/keys/slow-${i}/create`, { kty: "RSA", key_size: 4096 }, "graceful", () => ++received === 3 && allReceived()).then(
        (a) => (answeredAfterSignal.push(signalled), a),
      ),
    );
    // Once the emulator has all three requests (it said 100 Continue to each), ask it to stop while it
    // generates the keys.
    await reached;
    signalled = true;
    served.child.kill("SIGTERM");
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    // They really were in flight: RSA-4096 generation outlasted the moment the body was sent.
    expect(answeredAfterSignal).toContain(true);
    expect(await waitForExit(served.child)).toEqual({ code: 0, signal: null });
    served.agent.destroy();
    // And they were stored.
    const store = new SqliteKeyStore(home);
    try {
      const service = new KeyService(new KeyRepository(store, loadOrCreateSecurityDomain(home), systemClock));
      for (const answer of answers) {
        const name = answer.json.key.kid.split("/")[4];
        expect(service.getKey({ name: "graceful", kind: "vault" }, "graceful", name).key.version).toBe(answer.json.key.kid.split("/").pop());
      }
    } finally {
      store.close();
    }
  }, patient(60_000));
});
