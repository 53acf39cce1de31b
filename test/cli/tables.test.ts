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

  test("rotation-policy show -o table: one row per action, with when it happens and the expiry of new versions", async () => {
    const policy = '{"lifetimeActions":[{"trigger":{"timeAfterCreate":"P90D"},"action":{"type":"Rotate"}},{"trigger":{"timeBeforeExpiry":"P30D"},"action":{"type":"Notify"}}],"attributes":{"expiryTime":"P2Y"}}';
    await cli(["rotation-policy", "update", "--vault-name", "tbl", "-n", "rsa", "--value", policy, "-o", "none"]);
    const run = await cli(["rotation-policy", "show", "--vault-name", "tbl", "-n", "rsa", "-o", "table"], { tty: true, columns: 80 });
    fits(run.stdout, 80);
    expect(header(run.stdout)).toEqual(["Action", "TimeAfterCreate", "TimeBeforeExpiry", "ExpiresIn", "Updated"]);
    expect(run.stdout.split("\n")[2]).toMatch(/^Rotate\s+P90D\s+P2Y\s+\d{4}-\d{2}-\d{2}/);
    expect(run.stdout.split("\n")[3]).toMatch(/^Notify\s+P30D\s+P2Y\s+\d{4}-\d{2}-\d{2}/);
  });

  test("a disabled key's row is dimmed on a colour terminal; piped or without colour the text alone says False", async () => {
    await cli(["create", "--vault-name", "dim", "-n", "off", "--kty", "EC", "--disabled", "-o", "none"]);
    await cli(["create", "--vault-name", "dim", "-n", "on", "--kty", "EC", "-o", "none"]);
    const colour = await cli(["list", "--vault-name", "dim", "-o", "table"], { tty: true, columns: 80, env: { FORCE_COLOR: "1" } });
    const [, , off, on] = colour.stdout.split("\n");
    expect(off).toMatch(/^\x1b\[2moff\x1b\[22m\s+\x1b\[2mFalse\x1b\[22m/);
    expect(on).toMatch(/^on\s+True\s/);
    const show = await cli(["show", "--vault-name", "dim", "-n", "off", "-o", "table"], { tty: true, columns: 80, env: { FORCE_COLOR: "1" } });
    expect(show.stdout.split("\n")[2]).toMatch(/^\x1b\[2moff\x1b\[22m/);
    const plain = await cli(["list", "--vault-name", "dim", "-o", "table"], { tty: true, columns: 80, env: { NO_COLOR: "1" } });
    expect(plain.stdout).not.toContain("\x1b[");
    expect(plain.stdout).toMatch(/\noff\s+False\s/);
  });

  test("an AES key made by create shows its size (the service never returns it)", async () => {
    const made = await cli(["create", "--hsm-name", "tblhsm", "-n", "aes", "--kty", "oct-HSM", "-o", "table"], { tty: true, columns: 80 });
    fits(made.stdout, 80);
    expect(made.stdout.split("\n")[2]).toMatch(/^aes\s+oct-HSM\s+256\s+True/);
    const small = await cli(["create", "--hsm-name", "tblhsm", "-n", "aes128", "--kty", "oct-HSM", "--size", "128", "-o", "table"]);
    expect(small.stdout.split("\n")[2]).toMatch(/^aes128\s+oct-HSM\s+128\s+True/);
  });

  test("config get under core.output=table prints the settings: everything, a section, or one", async () => {
    const own = tempDataDir();
    try {
      const c = cliIn(own.dir);
      await c(["config", "set", "core.output=table", "defaults.vault=tbl"]);
      const all = await c(["config", "get"], { tty: true, columns: 80 });
      fits(all.stdout, 80);
      expect(header(all.stdout)).toEqual(["Name", "Value", "Source"]);
      expect(all.stdout).toMatch(/\ncore\.output\s+table\s+\S*config\.json\n/);
      expect(all.stdout).toMatch(/\ndefaults\.vault\s+tbl\s+\S*config\.json\n/);
      expect((await c(["config", "get", "core."])).stdout).toMatch(/\ncore\.output\s+table\s/);
      expect((await c(["config", "get", "defaults.vault"])).stdout).toMatch(/\ndefaults\.vault\s+tbl\s/);
      // az's JSON shapes are unchanged.
      expect((await c(["config", "get", "defaults.vault", "-o", "json"])).json()).toMatchObject({ name: "vault", value: "tbl" });
    } finally {
      own.cleanup();
    }
  });

  test("assess at 80 columns: nothing cut; each Fix wraps where a shell rejoins it; severity coloured", async () => {
    const findings = (await cli(["assess", "--vault-name", "tbl", "-o", "json"])).json() as Array<{ severity: string; fix: string }>;
    expect(findings.some((f) => f.fix.includes("lifetimeActions"))).toBe(true);
    const run = await cli(["assess", "--vault-name", "tbl"], { tty: true, columns: 80, env: { NO_COLOR: "1" } });
    fits(run.stdout, 80);
    expect(run.stdout).not.toContain("…");
    const lines = run.stdout.trimEnd().split("\n");
    const fixAt = lines[0]!.indexOf("Fix");
    const fixes: string[][] = [];
    for (const line of lines.slice(2)) {
      if (/^\S/.test(line)) fixes.push([]);
      fixes.at(-1)!.push(line.slice(fixAt).trim());
    }
    // A line ending " \\" continues after a space; one without (inside quoted JSON) continues directly.
    const rejoined = fixes.map((parts) => parts.reduce((text, part, i) => (i === 0 ? part : text.endsWith(" \\") ? `${text.slice(0, -2)} ${part}` : text + part), ""));
    expect(rejoined).toEqual(findings.map((f) => f.fix));
    const colour = await cli(["assess", "--vault-name", "tbl"], { tty: true, columns: 80, env: { FORCE_COLOR: "1" } });
    expect(colour.stdout).toMatch(/\n\x1b\[31mhigh\x1b\[39m /);
    expect(colour.stdout).toMatch(/\n\x1b\[33mmedium\x1b\[39m /);
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
