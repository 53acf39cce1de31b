import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEmulator } from "../../src/emulator/index.js";
import { startEmulator } from "../../src/emulator/server.js";
import { MAX_BACKUP_VERSIONS } from "../../src/emulator/service/backup-blob.js";
import { MAX_BODY_BYTES, RESTORE_BODY_BYTES } from "../../src/emulator/http/body-limits.js";
import { cliIn } from "../helpers/cli.js";
import { API, raw } from "../helpers/emulator.js";
import { patient } from "../helpers/patience.js";

// Issue 18, item 1: a backup always restores. A key with many versions (400 RSA-2048 versions back up
// to about 1.2 MB, over the 1 MiB every other request is held to) restores through `kvkey restore`,
// embedded and served; a key with more versions than Key Vault backs up (500) is refused at backup
// time, so nothing `backup` makes is ever unrestorable.

const V = "https://big.vault.localhost";
const VERSIONS = 400;
let work: string;
let home: string;

/** Adds `count` versions to key `name`: the same RSA-2048 key imported again and again (fast, unlike generation). */
async function addVersions(dataDir: string, name: string, count: number): Promise<void> {
  const jwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
  const emulator = createEmulator({ dataDir });
  try {
    for (let i = 0; i < count; i++) {
      const res = await raw(emulator, { method: "PUT", url: `${V}/keys/${name}?${API}`, body: { key: { ...jwk, key_ops: ["sign", "verify"] }, tags: { i: String(i) } } });
      expect(res.status).toBe(200);
    }
  } finally {
    emulator.close();
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "kvkey-backup-size-"));
  home = join(work, "home");
  await addVersions(home, "many", VERSIONS);
}, patient(120_000));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("a backup always restores (issue 18)", () => {
  test("400 versions: the backup is over 1 MiB, and restores embedded and served with every version", async () => {
    const kv = cliIn(home);
    const file = join(work, "many.bak");
    const backup = await kv(["backup", "--vault-name", "big", "-n", "many", "-f", file]);
    expect(backup, backup.stderr).toMatchObject({ code: 0, stderr: "" });
    // base64url in {"value": ...}: the restore request is well over the 1 MiB limit of other requests.
    expect(Math.ceil((statSync(file).size * 4) / 3)).toBeGreaterThan(MAX_BODY_BYTES);

    const purgeAndRestore = async (cli: ReturnType<typeof cliIn>) => {
      expect((await cli(["delete", "--vault-name", "big", "-n", "many", "-o", "none"])).code).toBe(0);
      expect((await cli(["purge", "--vault-name", "big", "-n", "many"])).code).toBe(0);
      expect((await cli(["show", "--vault-name", "big", "-n", "many"])).code).toBe(3);
      const restored = await cli(["restore", "--vault-name", "big", "-f", file]);
      expect(restored.code, restored.stderr).toBe(0);
      expect(restored.json().key.kid).toMatch(/\/keys\/many\/[0-9a-f]{32}$/);
      const versions = (await cli(["list-versions", "--vault-name", "big", "-n", "many"])).json() as Array<{ tags: { i: string } }>;
      expect(versions).toHaveLength(VERSIONS);
      expect(new Set(versions.map((v) => v.tags.i)).size).toBe(VERSIONS);
    };

    // Embedded.
    await purgeAndRestore(kv);

    // Served (the HTTPS server has its own body limit).
    const served = await startEmulator({ dataDir: home, port: 0, workers: 1 });
    try {
      const skv = cliIn(home, { KVKEY_EMULATOR_URL: `https://localhost:${served.port}` });
      await purgeAndRestore(skv);
      // And a backup made through the served emulator restores too.
      const again = join(work, "many-served.bak");
      expect((await skv(["backup", "--vault-name", "big", "-n", "many", "-f", again])).code).toBe(0);
      const copy = await skv(["restore", "--vault-name", "big", "-f", again]);
      // The key exists: the service's 409, not a 413 or a broken connection.
      expect(copy.code).toBe(1);
      expect(copy.stderr).toMatch(/^ERROR: \(Conflict\) /);
    } finally {
      await served.close();
    }
  }, patient(180_000));

  test(`more than ${MAX_BACKUP_VERSIONS} versions: the backup is refused with one error, as Key Vault refuses it`, async () => {
    await addVersions(home, "toomany", MAX_BACKUP_VERSIONS + 1);
    const kv = cliIn(home);
    const file = join(work, "toomany.bak");
    const run = await kv(["backup", "--vault-name", "big", "-n", "toomany", "-f", file]);
    expect(run.code).toBe(1);
    const said = `The key 'toomany' has ${MAX_BACKUP_VERSIONS + 1} versions; a key backup holds at most ${MAX_BACKUP_VERSIONS} versions (Key Vault's limit), so this key cannot be backed up.`;
    // One error, in az's three lines for a service error.
    expect(run.stderr).toBe(`ERROR: (BadParameter) ${said}\nCode: BadParameter\nMessage: ${said}\n`);
    expect(() => statSync(file)).toThrow();
  }, patient(180_000));

  test("the restore limit covers the largest backup; any other request keeps 1 MiB", async () => {
    expect(RESTORE_BODY_BYTES).toBeGreaterThan(MAX_BODY_BYTES * 12);
    const emulator = createEmulator({ inMemory: true });
    try {
      const big = "x".repeat(MAX_BODY_BYTES + 10);
      const create = await raw(emulator, { method: "POST", url: `${V}/keys/k/create?${API}`, body: JSON.stringify({ kty: "EC", tags: { big } }) });
      expect(create.status).toBe(413);
      // A restore of the same size reaches the restore logic (a malformed blob), not the size check.
      const restore = await raw(emulator, { method: "POST", url: `${V}/keys/restore?${API}`, body: JSON.stringify({ value: "A".repeat(MAX_BODY_BYTES + 10) }) });
      expect(restore.status).toBe(400);
      expect(restore.json).toMatchObject({ error: { code: "Malformed backup blob" } });
      const tooBig = await raw(emulator, { method: "POST", url: `${V}/keys/restore?${API}`, body: JSON.stringify({ value: "A".repeat(RESTORE_BODY_BYTES) }) });
      expect(tooBig.status).toBe(413);
    } finally {
      emulator.close();
    }
  });
});
