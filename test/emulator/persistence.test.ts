import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KeyClient } from "@azure/keyvault-keys";
import { ManualClock } from "../../src/emulator/index.js";
import { tempDataDir, testVault, type TestVault } from "../helpers/emulator.js";
import { patient } from "../helpers/patience.js";

// State survives: a second emulator instance on the same data directory sees what the first wrote,
// several processes writing at once lose nothing, and the files get private modes.

let temp: { dir: string; cleanup: () => void };
const open: TestVault[] = [];

beforeEach(() => {
  temp = tempDataDir("kvkey-persist-");
});
afterEach(() => {
  for (const v of open.splice(0)) v.close();
  temp.cleanup();
});

function vaultOn(dataDir: string, clock?: ManualClock): TestVault {
  const v = testVault({ dataDir, vaultUrl: "https://persist.vault.localhost", ...(clock ? { clock } : {}) });
  open.push(v);
  return v;
}

async function versionsOf(client: KeyClient, name: string): Promise<string[]> {
  const out: string[] = [];
  for await (const p of client.listPropertiesOfKeyVersions(name)) out.push(p.version!);
  return out;
}

describe("two instances on one data directory", () => {
  it("a second instance reads what the first wrote, after the first closed", async () => {
    const dataDir = join(temp.dir, "home");
    const clock = new ManualClock(Date.UTC(2026, 4, 1));
    const first = vaultOn(dataDir, clock);
    const ec1 = await first.client.createEcKey("ec", { curve: "P-384", tags: { a: "b" } });
    const ec2 = await first.client.createEcKey("ec", { curve: "P-384" });
    const rsa = await first.client.createRsaKey("rsa", { keySize: 2048 });
    await first.client.updateKeyProperties("rsa", { enabled: false });
    await first.client.createEcKey("deleted", { curve: "P-256" });
    const deleted = await (await first.client.beginDeleteKey("deleted")).pollUntilDone();
    first.emulator.configureVault({ name: "persist", kind: "vault", purgeProtection: true });
    first.close();

    const second = vaultOn(dataDir, clock);
    expect(second.emulator.securityDomainId).toBe(first.emulator.securityDomainId);
    const ec = await second.client.getKey("ec");
    expect(ec.id).toBe(ec2.id);
    expect(Buffer.from(ec.key!.x!)).toEqual(Buffer.from(ec2.key!.x!));
    expect((await second.client.getKey("ec", { version: ec1.properties.version! })).properties.tags).toEqual({ a: "b" });
    expect(await versionsOf(second.client, "ec")).toEqual([ec1.properties.version, ec2.properties.version]);
    const r = await second.client.getKey("rsa");
    expect(Buffer.from(r.key!.n!)).toEqual(Buffer.from(rsa.key!.n!));
    expect(r.properties.enabled).toBe(false);
    const d = await second.client.getDeletedKey("deleted");
    expect(d.properties.deletedOn).toEqual(deleted.properties.deletedOn);
    expect(d.properties.scheduledPurgeDate).toEqual(deleted.properties.scheduledPurgeDate);
    // The vault's settings persisted too.
    await expect(second.client.purgeDeletedKey("deleted")).rejects.toMatchObject({ statusCode: 403 });
  });

  it("two open instances see each other's writes at once", async () => {
    const dataDir = join(temp.dir, "shared");
    const a = vaultOn(dataDir);
    const b = vaultOn(dataDir);
    const created = await a.client.createEcKey("live", { curve: "P-256" });
    expect((await b.client.getKey("live")).id).toBe(created.id);
    const fromB = await b.client.createEcKey("live", { curve: "P-256" });
    expect((await a.client.getKey("live")).id).toBe(fromB.id);
    await (await b.client.beginDeleteKey("live")).pollUntilDone();
    await expect(a.client.getKey("live")).rejects.toMatchObject({ statusCode: 404, code: "KeyNotFound" });
  });
});

describe("several processes writing at once", () => {
  const writer = fileURLToPath(new URL("./fixtures/writer.mjs", import.meta.url));
  const register = fileURLToPath(new URL("./fixtures/register-ts.mjs", import.meta.url));

  interface WriterResult {
    code: number | null;
    stdout: string;
    stderr: string;
  }

  /** Starts a writer and resolves `ready` once it has opened the store; `done` when it exits. */
  function startWriter(dataDir: string, count: number) {
    const child = spawn(process.execPath, ["--import", register, writer, dataDir, "persist", "contended", String(count)], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let markReady: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (stdout.startsWith("ready\n")) markReady();
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    // "go" to a writer that already died must not crash the test run; its exit code tells the story.
    child.stdin.on("error", () => {});
    const done = new Promise<WriterResult>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
    // A writer that dies before "ready" must fail the test, not hang it.
    void done.then(() => markReady());
    return { go: () => child.stdin.end("go\n"), ready, done };
  }

  it("loses no version when three processes and this one create versions of one key together", async () => {
    const dataDir = join(temp.dir, "contended");
    const PER_WRITER = 15;
    // The directory does not exist yet: the writers race to create it, the security domain and the schema.
    const writers = [1, 2, 3].map(() => startWriter(dataDir, PER_WRITER));
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.go();

    // This process writes too, through the SDK, while the children run.
    const local = vaultOn(dataDir);
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) mine.push((await local.client.createEcKey("contended", { curve: "P-256" })).properties.version!);

    const results = await Promise.all(writers.map((w) => w.done));
    const reported: string[] = [...mine];
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      const line = r.stdout.trim().split("\n").at(-1)!;
      const { versions } = JSON.parse(line) as { versions: string[] };
      expect(versions).toHaveLength(PER_WRITER);
      reported.push(...versions);
    }
    const expected = 3 * PER_WRITER + 5;
    expect(new Set(reported).size).toBe(expected);

    // A fresh instance sees exactly those versions, and every writer's domain was the same one.
    local.close();
    const reader = vaultOn(dataDir);
    const listed = await versionsOf(reader.client, "contended");
    expect(listed).toHaveLength(expected);
    expect(new Set(listed)).toEqual(new Set(reported));
    // Every version's sealed material opens under the one security domain the writers agreed on.
    const some = await reader.client.getKey("contended", { version: reported[0]! });
    expect(some.properties.version).toBe(reported[0]);
  }, patient(60_000));
});

describe("file modes", () => {
  function mode(path: string): number {
    return statSync(path).mode & 0o777;
  }

  it("creates the data directory 0700 and the database, WAL and security-domain files 0600, whatever the umask", async () => {
    const dataDir = join(temp.dir, "fresh", "nested");
    const previous = process.umask(0o000);
    let v: TestVault;
    try {
      v = vaultOn(dataDir);
      await v.client.createEcKey("m", { curve: "P-256" });
    } finally {
      process.umask(previous);
    }
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, "kvkey.db"))).toBe(0o600);
    expect(mode(join(dataDir, "security-domain.json"))).toBe(0o600);
    // While the store is open SQLite keeps its WAL and shared-memory files beside the database.
    for (const extra of ["kvkey.db-wal", "kvkey.db-shm"]) {
      expect(existsSync(join(dataDir, extra)), extra).toBe(true);
      expect(mode(join(dataDir, extra)), extra).toBe(0o600);
    }
  });

  it("tightens an existing data directory and security-domain file", async () => {
    const dataDir = join(temp.dir, "loose");
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    vaultOn(dataDir).close();
    chmodSync(join(dataDir, "security-domain.json"), 0o644);
    chmodSync(join(dataDir, "kvkey.db"), 0o644);
    chmodSync(dataDir, 0o755);
    vaultOn(dataDir);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, "security-domain.json"))).toBe(0o600);
    expect(mode(join(dataDir, "kvkey.db"))).toBe(0o600);
  });
});
