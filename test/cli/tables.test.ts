import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { cryptoResultTable, deletedKeyTable, keyTable } from "../../src/cli/views/tables.js";

// -o table as a person sees it: on a terminal the columns that matter survive a narrow window (empty
// columns go first, then dates lose their time, then the least useful columns); piped, every column
// is there, byte for byte the same whatever the window.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
beforeAll(async () => {
  home = tempDataDir();
  cli = cliIn(home.dir);
  await cli(["create", "--vault-name", "tbl", "-n", "signing-key", "--kty", "EC", "--expires", "2031-06-30T12:00:00Z", "-o", "none"]);
  await cli(["create", "--vault-name", "tbl", "-n", "rsa", "-o", "none"]);
  await cli(["create", "--vault-name", "tbl", "-n", "old", "--kty", "EC", "-o", "none"]);
  await cli(["delete", "--vault-name", "tbl", "-n", "old", "-o", "none"]);
});
afterAll(() => home.cleanup());

function fits(text: string, width: number): void {
  for (const line of text.split("\n")) expect(line.length, line).toBeLessThanOrEqual(width);
}

const header = (text: string) => text.split("\n")[0]!.trim().split(/\s+/);

describe("tables on a terminal fit its width and keep what matters", () => {
  test("a single key at 80 columns: name, type, size, enabled, expiry (to the day) and version", async () => {
    const run = await cli(["show", "--vault-name", "tbl", "-n", "signing-key", "-o", "table"], { tty: true, columns: 80 });
    fits(run.stdout, 80);
    // The empty NotBefore went first, then Updated; the version keeps its start, like a short hash.
    expect(header(run.stdout)).toEqual(["Name", "Kty", "Size/Curve", "Enabled", "Expires", "Version"]);
    const row = run.stdout.split("\n")[2]!;
    expect(row).toMatch(/^signing-key\s+EC\s+P-256\s+True\s+2031-06-30\s+[0-9a-f]{20,}…?$/);
    const wider = await cli(["show", "--vault-name", "tbl", "-n", "signing-key", "-o", "table"], { tty: true, columns: 100 });
    expect(header(wider.stdout)).toEqual(["Name", "Kty", "Size/Curve", "Enabled", "Expires", "Updated", "Version"]);
    expect(wider.stdout.split("\n")[2]).toMatch(/2031-06-30\s+\d{4}-\d{2}-\d{2}\s+[0-9a-f]{32}$/);
  });

  test("narrower still, the least important columns go before anything is cut", async () => {
    const run = await cli(["show", "--vault-name", "tbl", "-n", "rsa", "-o", "table"], { tty: true, columns: 60 });
    fits(run.stdout, 60);
    expect(header(run.stdout)).toEqual(["Name", "Kty", "Size/Curve", "Enabled", "Version"]);
    expect(run.stdout.split("\n")[2]).toMatch(/^rsa\s+RSA\s+2048\s+True\s+[0-9a-f]+…?$/);
  });

  test("piped, every column is there, with full dates, whatever the window", async () => {
    const piped = await cli(["show", "--vault-name", "tbl", "-n", "rsa", "-o", "table"]);
    expect(header(piped.stdout)).toEqual(["Name", "Kty", "Size/Curve", "Enabled", "NotBefore", "Expires", "Updated", "Version"]);
    expect(piped.stdout).toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/);
  });

  test("lists: name, enabled, expires, updated; dates shorten before a column goes", async () => {
    const wide = await cli(["list", "--vault-name", "tbl", "-o", "table"], { tty: true, columns: 120 });
    expect(header(wide.stdout)).toEqual(["Name", "Enabled", "Expires", "Updated"]);
    const narrow = await cli(["list", "--vault-name", "tbl", "-o", "table"], { tty: true, columns: 44 });
    fits(narrow.stdout, 44);
    expect(header(narrow.stdout)).toEqual(["Name", "Enabled", "Expires", "Updated"]);
    expect(narrow.stdout).toMatch(/signing-key\s+True\s+2031-06-30\s+\d{4}-\d{2}-\d{2}\n/);
    const tiny = await cli(["list", "--vault-name", "tbl", "-o", "table"], { tty: true, columns: 32 });
    fits(tiny.stdout, 32);
    expect(header(tiny.stdout)).toEqual(["Name", "Enabled", "Expires"]);
  });

  test("deleted keys: the deletion and purge dates stay; the recovery id goes first", async () => {
    const list = await cli(["list-deleted", "--vault-name", "tbl", "-o", "table"], { tty: true, columns: 80 });
    fits(list.stdout, 80);
    expect(header(list.stdout)).toEqual(["Name", "DeletedDate", "ScheduledPurgeDate"]);
    const piped = await cli(["list-deleted", "--vault-name", "tbl", "-o", "table"]);
    expect(header(piped.stdout)).toEqual(["Name", "DeletedDate", "ScheduledPurgeDate", "RecoveryId"]);
    const one = await cli(["show-deleted", "--vault-name", "tbl", "-n", "old", "-o", "table"], { tty: true, columns: 80 });
    fits(one.stdout, 80);
    expect(header(one.stdout)).toEqual(expect.arrayContaining(["Name", "Kty", "DeletedDate", "ScheduledPurgeDate"]));
  });

  test("a query still gets az's generic table", async () => {
    const run = await cli(["list", "--vault-name", "tbl", "--query", "[].{n: name}", "-o", "table"], { tty: true, columns: 40 });
    expect(header(run.stdout)).toEqual(["N"]);
  });
});

describe("table views", () => {
  const key = {
    attributes: { enabled: true, notBefore: null, expires: null, updated: "2026-01-02T03:04:05+00:00" },
    key: { kid: "https://v.vault.localhost/keys/k/0123456789abcdef0123456789abcdef", kty: "EC", crv: "P-384" },
  };

  test("without a width nothing is dropped", () => {
    expect(keyTable(key)).toEqual([
      { Name: "k", Kty: "EC", "Size/Curve": "P-384", Enabled: true, NotBefore: "", Expires: "", Updated: "2026-01-02T03:04:05Z", Version: "0123456789abcdef0123456789abcdef" },
    ]);
  });

  test("a deleted key puts its deletion dates before the version", () => {
    const deleted = { ...key, deletedDate: "2026-02-01T00:00:00+00:00", scheduledPurgeDate: "2026-05-02T00:00:00+00:00", recoveryId: "x" };
    expect(Object.keys(deletedKeyTable(deleted)[0]!)).toEqual(["Name", "Kty", "Size/Curve", "Enabled", "NotBefore", "Expires", "Updated", "DeletedDate", "ScheduledPurgeDate", "Version"]);
  });

  test("crypto results: the key's name first, plain values in order, the version last", () => {
    const encrypted = { aad: null, algorithm: "RSA-OAEP-256", iv: null, kid: "https://v.vault.localhost/keys/k/abc", result: "c2VjcmV0", tag: null };
    expect(cryptoResultTable(encrypted)).toEqual([{ Name: "k", Algorithm: "RSA-OAEP-256", Result: "c2VjcmV0", Version: "abc" }]);
    const verified = { algorithm: "ES256", isValid: true, keyId: "https://v.vault.localhost/keys/s/def" };
    expect(cryptoResultTable(verified)).toEqual([{ Name: "s", Algorithm: "ES256", IsValid: true, Version: "def" }]);
    expect(cryptoResultTable({ value: "AAEC" })).toEqual([{ Value: "AAEC" }]);
    expect(cryptoResultTable(encrypted, 30)).toEqual([{ Name: "k", Algorithm: "RSA-OAEP-256", Result: "c2VjcmV0" }]);
  });
});
