import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../../src/emulator/server.js";
import { runCli } from "../../src/cli/run.js";
import { cliIn, interruptibleIO } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { requireBuilt, spawnKvkey, type BinaryRun } from "../helpers/binary.js";
import { eventually, patient } from "../helpers/patience.js";

// Issue 18, items 5 and 6: kvkey never hangs and never crashes on its environment — a data directory
// that cannot exist, a read-only one, a full disk, a database another process keeps locked, an output
// path that is not there — and says in one line what is wrong and where. File modes are only ever
// tightened. The read-only and full-disk cases mount a file system (tmpfs, a read-only bind mount):
// they need root and run where the machine allows it (they say so when skipped).

let work: string;
beforeAll(() => {
  requireBuilt();
  work = mkdtempSync(join(tmpdir(), "kvkey-env-"));
});
afterAll(() => {
  for (const m of mounts.splice(0).reverse()) umount(m);
  rmSync(work, { recursive: true, force: true });
});

/** Runs the built kvkey; a run still going after patient(ms) is killed and reported as hung. */
async function kvkeyWithin(args: string[], home: string, env: Record<string, string> = {}, ms = 30_000): Promise<BinaryRun & { hung: boolean }> {
  const child = spawnKvkey(args, { home, env });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  child.stdin!.end();
  let hung = false;
  const guard = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, patient(ms));
  return new Promise((resolve) =>
    child.once("close", (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, hung });
    }),
  );
}

/**
 * The one error kvkey reports, as its first line: one line of its own, or a service error in az's three
 * lines (`ERROR: (Code) message`, `Code: Code`, `Message: message`) and nothing else.
 */
function oneErrorLine(run: { stderr: string; stdout: string }): string {
  const lines = run.stderr.split("\n").filter(Boolean);
  const service = /^ERROR: \((\w+)\) (.*)$/.exec(lines[0] ?? "");
  expect(lines, run.stderr).toEqual(service ? [lines[0], `Code: ${service[1]}`, `Message: ${service[2]}`] : [lines[0]]);
  expect(lines[0]).toMatch(/^ERROR: /);
  expect(run.stderr).not.toMatch(/\n\s+at |ENOENT:|ENOTDIR:|EROFS:|database is locked|disk I\/O error/);
  return lines[0]!;
}

const mode = (path: string) => statSync(path).mode & 0o777;

// ---- mounts (root only) ---------------------------------------------------------------------------

const mounts: string[] = [];
function umount(at: string): void {
  try {
    execFileSync("umount", ["-l", at], { stdio: "ignore" });
  } catch {
    // already gone
  }
}

/** A tmpfs of `size` at a new directory, or undefined when this machine does not let the test mount. */
function tmpfs(size: string): string | undefined {
  const at = mkdtempSync(join(work, "tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", at], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  mounts.push(at);
  return at;
}

/** `dir` again, read-only, through a bind mount; undefined when the machine does not allow it. */
function readOnlyView(dir: string): string | undefined {
  const at = mkdtempSync(join(work, "ro-"));
  try {
    execFileSync("mount", ["--bind", dir, at], { stdio: "ignore" });
    mounts.push(at);
    execFileSync("mount", ["-o", "remount,ro,bind", at], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  return at;
}

const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), "kvkey-mount-probe-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], { stdio: "ignore" });
    execFileSync("umount", [probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
})();
if (!canMount) console.warn("environment.test.ts: cannot mount here (needs root): the read-only and full-disk tests are skipped");

/** Fills the file system holding `dir` until a write fails with ENOSPC. */
function fill(dir: string): string {
  const filler = join(dir, "filler");
  const chunk = Buffer.alloc(64 * 1024, 1);
  const fd = openSync(filler, "w");
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe("ENOSPC");
  } finally {
    closeSync(fd);
  }
  // Smaller writes too, so not even a page is left.
  const small = Buffer.alloc(512, 1);
  for (let i = 0; i < 64; i++) {
    try {
      appendFileSync(filler, small);
    } catch {
      break;
    }
  }
  return filler;
}

// ---- item 5: never hang, never crash -------------------------------------------------------------

describe("a data directory that cannot be made: one line, no hang (issue 18)", () => {
  test("KVKEY_HOME under /proc (Node's recursive mkdir spun there forever), under a file, or a file itself", async () => {
    const file = join(work, "a-file");
    writeFileSync(file, "x");
    const cases: Array<[string, RegExp]> = [
      ["/proc/kvkey-nope", /^ERROR: Cannot create the data directory \/proc\/kvkey-nope: \/proc does not allow new directories \(mkdir \/proc\/kvkey-nope: ENOENT\)\.$/],
      [join(file, "x"), new RegExp(`^ERROR: Cannot create the data directory ${file}/x: ${file} is a file, not a directory\\.$`)],
      [join(file, "x", "y"), new RegExp(`^ERROR: Cannot create the data directory ${file}/x/y: ${file} is a file, not a directory\\.$`)],
      [file, new RegExp(`^ERROR: Cannot create the data directory ${file}: ${file} is a file, not a directory\\.$`)],
    ];
    for (const [home, expected] of cases) {
      for (const args of [["show", "--vault-name", "v", "-n", "k"], ["list", "--vault-name", "v"]]) {
        const run = await kvkeyWithin(args, home);
        expect(run.hung, `kvkey ${args.join(" ")} with KVKEY_HOME=${home} hung`).toBe(false);
        expect(run.code).toBe(1);
        expect(oneErrorLine(run)).toMatch(expected);
      }
    }
    const config = await kvkeyWithin(["config", "set", "core.output=table"], join(file, "x"));
    expect(config.hung).toBe(false);
    expect(oneErrorLine(config)).toBe(`ERROR: Cannot create the kvkey home directory ${file}/x: ${file} is a file, not a directory.`);
  }, patient(120_000));

  test("backup, download and restore with a path that is not there: one line naming it, nothing fetched for nothing", async () => {
    const home = tempDataDir("kvkey-env-out-");
    try {
      const kv = cliIn(home.dir);
      expect((await kv(["create", "--vault-name", "out", "-n", "k", "--kty", "EC", "-o", "none"])).code).toBe(0);
      const missing = join(work, "missing", "dir");
      const cases: Array<[string[], string]> = [
        [["backup", "--vault-name", "out", "-n", "k", "-f", join(missing, "x.bak")], `ERROR: Cannot write the backup file ${missing}/x.bak: the directory ${missing} does not exist.`],
        [["backup", "--vault-name", "out", "-n", "k", "-f", work], `ERROR: Cannot write the backup file ${work}: it is a directory.`],
        [["download", "--vault-name", "out", "-n", "k", "-f", join(missing, "k.pem")], `ERROR: Cannot write the public key file ${missing}/k.pem: the directory ${missing} does not exist.`],
        [["restore", "--vault-name", "out", "-f", join(missing, "x.bak")], `ERROR: Cannot read the backup file ${missing}/x.bak: no such file or directory.`],
      ];
      for (const [args, expected] of cases) {
        const run = await kv(args);
        expect(run.code, run.stderr).toBe(1);
        expect(oneErrorLine(run)).toBe(expected);
        expect(run.stdout).toBe("");
      }
      expect(existsSync(join(work, "missing"))).toBe(false);
      // Asked before the vault: no backup was made for a file that could not be written.
      const logs = (await kv(["emulator", "logs", "--operation", "KeyBackup", "-o", "json"])).json();
      expect(logs).toEqual([]);
    } finally {
      home.cleanup();
    }
  });

  test("a database another process keeps locked: after the busy timeout, one line naming the process that has it open", async () => {
    const home = tempDataDir("kvkey-env-lock-");
    const holder = join(work, "hold-lock.cjs");
    const sqlite = fileURLToPath(new URL("../../node_modules/better-sqlite3", import.meta.url));
    writeFileSync(
      holder,
      `const db = new (require(${JSON.stringify(sqlite)}))(process.argv[2]); db.exec("BEGIN EXCLUSIVE"); process.stdout.write("locked\\n"); setInterval(() => {}, 1000);`,
    );
    try {
      const kv = cliIn(home.dir);
      expect((await kv(["create", "--vault-name", "lk", "-n", "k", "--kty", "EC", "-o", "none"])).code).toBe(0);
      const hold = spawn(process.execPath, [holder, join(home.dir, "kvkey.db")], { stdio: ["ignore", "pipe", "inherit"] });
      try {
        await new Promise<void>((resolve, reject) => {
          hold.stdout!.once("data", () => resolve());
          hold.once("exit", (code) => reject(new Error(`the lock holder exited (${code})`)));
        });
        for (const args of [["show", "--vault-name", "lk", "-n", "k"], ["create", "--vault-name", "lk", "-n", "k2", "--kty", "EC"]]) {
          // The wait is shortened for the test; the lock is held for as long as the test needs.
          const run = await kvkeyWithin(args, home.dir, { KVKEY_BUSY_TIMEOUT_MS: "300" });
          expect(run.hung).toBe(false);
          expect(run.code).toBe(1);
          expect(oneErrorLine(run)).toBe(
            `ERROR: The database ${join(home.dir, "kvkey.db")} stayed locked by another process for 0.3 s (SQLITE_BUSY); processes that have it open: pid ${hold.pid} (node). Retry when that process has finished, or stop it.`,
          );
        }
      } finally {
        hold.kill("SIGKILL");
      }
      // Released, everything works again.
      expect((await kv(["show", "--vault-name", "lk", "-n", "k", "-o", "none"])).code).toBe(0);
    } finally {
      home.cleanup();
    }
  }, patient(60_000));
});

describe.skipIf(!canMount)("a read-only data directory is read without changing it (issue 18)", () => {
  test("show, list, list-versions, backup and the logs answer as on the writable directory; a change is one line; no mode changes", async () => {
    const home = tempDataDir("kvkey-env-ro-");
    try {
      const kv = cliIn(home.dir);
      expect((await kv(["create", "--vault-name", "ro", "-n", "k", "--kty", "EC", "-o", "none"])).code).toBe(0);
      expect((await kv(["create", "--vault-name", "ro", "-n", "k", "--kty", "EC", "-o", "none"])).code).toBe(0);
      const reads = [
        ["show", "--vault-name", "ro", "-n", "k"],
        ["list", "--vault-name", "ro"],
        ["list-versions", "--vault-name", "ro", "-n", "k"],
        ["emulator", "vault", "list"],
      ];
      const before = await Promise.all(reads.map((args) => kv(args)));
      // A looser mode kvkey would normally tighten: on a read-only file system it must not even try.
      chmodSync(home.dir, 0o750);
      const view = readOnlyView(home.dir)!;
      expect(view).toBeDefined();
      const ro = cliIn(view);
      const snapshotsBefore = readdirSync(tmpdir()).filter((n) => n.startsWith("kvkey-readonly-")).length;
      for (const [i, args] of reads.entries()) {
        const run = await ro(args);
        expect(run.stderr).toBe("");
        expect(run, `kvkey ${args.join(" ")}`).toMatchObject({ code: 0, stdout: before[i]!.stdout });
      }
      const backup = await ro(["backup", "--vault-name", "ro", "-n", "k", "-f", join(work, "ro.bak")]);
      expect(backup, backup.stderr).toMatchObject({ code: 0, stderr: "" });
      const logs = await ro(["emulator", "logs", "--vault-name", "ro", "-o", "json"]);
      expect(logs.code, logs.stderr).toBe(0);
      expect(logs.json().map((r: { operationName: string }) => r.operationName)).toContain("KeyCreate");

      const write = await ro(["create", "--vault-name", "ro", "-n", "k2", "--kty", "EC"]);
      expect(write.code).toBe(1);
      expect(oneErrorLine(write)).toBe(`ERROR: (InternalError) The data directory ${view} is read-only (SQLITE_READONLY): kvkey can read the keys there but cannot change them.`);
      const empty = tempDataDir("kvkey-env-ro-empty-");
      try {
        const emptyView = readOnlyView(empty.dir)!;
        const none = await cliIn(emptyView)(["show", "--vault-name", "ro", "-n", "k"]);
        expect(oneErrorLine(none)).toBe(`ERROR: The data directory ${emptyView} is read-only and holds no kvkey database yet: kvkey cannot create one there.`);
      } finally {
        empty.cleanup();
      }
      expect(mode(home.dir)).toBe(0o750);
      // The private copies it read from are gone.
      expect(readdirSync(tmpdir()).filter((n) => n.startsWith("kvkey-readonly-")).length).toBeLessThanOrEqual(snapshotsBefore);
    } finally {
      home.cleanup();
    }
  }, patient(60_000));
});

describe.skipIf(!canMount)("a full disk is said to be full, and where (issue 18)", () => {
  test("embedded: a create says so in one line; reads still answer; with space again, writes work", async () => {
    const disk = tmpfs("2m")!;
    const home = join(disk, "home");
    const kv = cliIn(home);
    expect((await kv(["create", "--vault-name", "full", "-n", "k", "--kty", "EC", "-o", "none"])).code).toBe(0);
    const filler = fill(disk);
    const create = await kv(["create", "--vault-name", "full", "-n", "k2", "--kty", "EC"]);
    expect(create.code).toBe(1);
    expect(oneErrorLine(create)).toMatch(
      new RegExp(`^ERROR: (\\(InternalError\\) )?The disk holding ${home} is full( \\(SQLITE_FULL\\))?: kvkey cannot write there, and a change that failed was not made\\. Free some space, then retry\\.$`),
    );
    const show = await kv(["show", "--vault-name", "full", "-n", "k", "--query", "key.crv", "-o", "tsv"]);
    expect(show).toMatchObject({ code: 0, stdout: "P-256\n", stderr: "" });
    rmSync(filler);
    expect((await kv(["create", "--vault-name", "full", "-n", "k2", "--kty", "EC", "-o", "none"])).code).toBe(0);
  }, patient(60_000));

  test("served: the client's error says the disk is full and where; the emulator keeps serving", async () => {
    const disk = tmpfs("4m")!;
    const home = join(disk, "home");
    mkdirSync(home, { mode: 0o700 });
    const served = await startEmulator({ dataDir: home, port: 0, workers: 1 });
    try {
      const kv = cliIn(home, { KVKEY_EMULATOR_URL: `https://localhost:${served.port}` });
      expect((await kv(["create", "--vault-name", "full", "-n", "k", "--kty", "EC", "-o", "none"])).code).toBe(0);
      const filler = fill(disk);
      const create = await kv(["create", "--vault-name", "full", "-n", "k2", "--kty", "EC"]);
      expect(create.code).toBe(1);
      expect(oneErrorLine(create)).toMatch(new RegExp(`^ERROR: \\(InternalError\\) The disk holding ${home} is full`));
      const show = await kv(["show", "--vault-name", "full", "-n", "k", "--query", "key.crv", "-o", "tsv"]);
      expect(show).toMatchObject({ code: 0, stdout: "P-256\n" });
      rmSync(filler);
      expect((await kv(["create", "--vault-name", "full", "-n", "k2", "--kty", "EC", "-o", "none"])).code).toBe(0);
    } finally {
      await served.close();
    }
  }, patient(120_000));
});

// ---- item 6: file modes -------------------------------------------------------------------------------

describe("file modes are only ever tightened (issue 18)", () => {
  test("a 0400 file stays 0400 and a 0500 directory stays 0500; 0644 and 0755 become 0600 and 0700", async () => {
    const home = tempDataDir("kvkey-env-modes-");
    try {
      const kv = cliIn(home.dir);
      expect((await kv(["create", "--vault-name", "m", "-n", "k", "--kty", "EC", "-o", "none"])).code).toBe(0);
      expect((await kv(["config", "set", "core.output=json"])).code).toBe(0);
      const strict = ["security-domain.json", "config.json"];
      for (const f of strict) chmodSync(join(home.dir, f), 0o400);
      chmodSync(join(home.dir, "kvkey.db"), 0o644);
      chmodSync(home.dir, 0o500);
      for (const args of [["list", "--vault-name", "m"], ["emulator", "status"], ["emulator", "logs"]]) {
        const run = await kv(args);
        expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(0);
      }
      for (const f of strict) expect(mode(join(home.dir, f)), f).toBe(0o400);
      expect(mode(home.dir)).toBe(0o500);
      expect(mode(join(home.dir, "kvkey.db"))).toBe(0o600);
      chmodSync(home.dir, 0o755);
      expect((await kv(["emulator", "status"])).code).toBe(0);
      expect(mode(home.dir)).toBe(0o700);
    } finally {
      chmodSync(home.dir, 0o700);
      home.cleanup();
    }
  });

  const loosen = (dir: string) => {
    const walk = (at: string) => {
      for (const entry of readdirSync(at, { withFileTypes: true })) {
        const path = join(at, entry.name);
        if (entry.isDirectory()) {
          chmodSync(path, 0o777);
          walk(path);
        } else chmodSync(path, 0o666);
      }
    };
    walk(dir);
    chmodSync(dir, 0o777);
  };
  const tight = (dir: string): string[] => {
    const wrong: string[] = [];
    const publicFiles = new Set(["tls/ca.pem", "tls/server.pem"]);
    const walk = (at: string, rel: string) => {
      for (const entry of readdirSync(at, { withFileTypes: true })) {
        const path = join(at, entry.name);
        const name = rel ? `${rel}/${entry.name}` : entry.name;
        const expected = entry.isDirectory() ? 0o700 : publicFiles.has(name) ? 0o644 : 0o600;
        if (mode(path) !== expected) wrong.push(`${name} ${mode(path).toString(8)}`);
        if (entry.isDirectory()) walk(path, name);
      }
    };
    if (mode(dir) !== 0o700) wrong.push(`. ${mode(dir).toString(8)}`);
    walk(dir, "");
    return wrong;
  };

  test("status, logs --follow and commands against a served emulator tighten loose files as start does; a world-writable ca.pem is fixed", async () => {
    const home = tempDataDir("kvkey-env-served-modes-");
    const served = await startEmulator({ dataDir: home.dir, port: 0, workers: 1 });
    try {
      const kv = cliIn(home.dir, { KVKEY_EMULATOR_URL: `https://localhost:${served.port}` });
      expect((await kv(["create", "--vault-name", "sm", "-n", "k", "--kty", "EC", "-o", "none"])).code).toBe(0);
      writeFileSync(join(home.dir, "emulator.json"), "{}");
      writeFileSync(join(home.dir, "emulator.log"), "");
      expect((await kv(["config", "set", "core.output=json"])).code).toBe(0);

      loosen(home.dir);
      expect(tight(home.dir).length).toBeGreaterThan(8);
      expect((await kv(["emulator", "status"])).code).toBe(0);
      expect(tight(home.dir)).toEqual([]);

      loosen(home.dir);
      const io = interruptibleIO(home.dir);
      const following = runCli(["emulator", "logs", "--follow"], io);
      await eventually(() => io.listening(), "logs --follow to start");
      io.interrupt();
      expect(await following).toBe(0);
      expect(tight(home.dir)).toEqual([]);

      loosen(home.dir);
      const shown = await kv(["show", "--vault-name", "sm", "-n", "k", "-o", "none"]);
      expect(shown.code, shown.stderr).toBe(0);
      expect(tight(home.dir)).toEqual([]);

      // The CA clients are told to trust, made world-writable: fixed before it is trusted again.
      chmodSync(join(home.dir, "tls", "ca.pem"), 0o666);
      expect((await kv(["list", "--vault-name", "sm", "-o", "none"])).code).toBe(0);
      expect(mode(join(home.dir, "tls", "ca.pem"))).toBe(0o644);
      chmodSync(join(home.dir, "tls", "ca.pem"), 0o666);
      expect((await kv(["emulator", "ca"])).code).toBe(0);
      expect(mode(join(home.dir, "tls", "ca.pem"))).toBe(0o644);
    } finally {
      await served.close();
      home.cleanup();
    }
  }, patient(60_000));

  test("an existing backup file that is overwritten ends 0600, whole", async () => {
    const home = tempDataDir("kvkey-env-backup-");
    try {
      const kv = cliIn(home.dir);
      expect((await kv(["create", "--vault-name", "b", "-n", "k", "--kty", "EC", "-o", "none"])).code).toBe(0);
      const file = join(work, "overwrite.bak");
      writeFileSync(file, "an older, longer file that is not a backup at all ".repeat(200));
      chmodSync(file, 0o666);
      expect((await kv(["backup", "--vault-name", "b", "-n", "k", "-f", file])).code).toBe(0);
      expect(mode(file)).toBe(0o600);
      expect(readdirSync(work).filter((n) => n.includes("overwrite.bak") && n !== "overwrite.bak")).toEqual([]);
      expect((await kv(["delete", "--vault-name", "b", "-n", "k", "-o", "none"])).code).toBe(0);
      expect((await kv(["purge", "--vault-name", "b", "-n", "k"])).code).toBe(0);
      const restored = await kv(["restore", "--vault-name", "b", "-f", file]);
      expect(restored.code, restored.stderr).toBe(0);
    } finally {
      home.cleanup();
    }
  });
});
