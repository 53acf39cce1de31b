import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { Readable } from "node:stream";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
beforeEach(() => {
  home = tempDataDir();
  cli = cliIn(home.dir);
});
afterEach(() => home.cleanup());

describe("kvkey emulator vault", () => {
  test("create sets retention and purge protection, which the key commands then obey", async () => {
    const created = await cli(["emulator", "vault", "create", "-n", "pp", "--retention-days", "7", "--enable-purge-protection"]);
    expect(created.code).toBe(0);
    expect(created.json()).toEqual({
      enablePurgeProtection: true,
      enableRbacAuthorization: false,
      enableSoftDelete: true,
      kind: "vault",
      name: "pp",
      sku: { family: "A", name: "premium" },
      softDeleteRetentionInDays: 7,
      vaultUri: "https://pp.vault.localhost/",
    });
    await cli(["create", "--vault-name", "pp", "-n", "k", "--kty", "EC"]);
    const deleted = (await cli(["delete", "--vault-name", "pp", "-n", "k"])).json();
    expect(Date.parse(deleted.scheduledPurgeDate) - Date.parse(deleted.deletedDate)).toBe(7 * 86_400_000);
    expect(deleted.attributes).toMatchObject({ recoverableDays: 7, recoveryLevel: "CustomizedRecoverable" });
    const purge = await cli(["purge", "--vault-name", "pp", "-n", "k"]);
    expect(purge.code).toBe(1);
    expect(purge.stderr).toMatch(/^ERROR: \(Forbidden\) /);
  });

  test("list, show and delete; an HSM is a separate container of the same name", async () => {
    await cli(["emulator", "vault", "create", "-n", "twin"]);
    await cli(["emulator", "vault", "create", "-n", "twin", "--hsm"]);
    const listed = (await cli(["emulator", "vault", "list"])).json();
    expect(listed.map((v: { name: string; kind: string }) => `${v.name}.${v.kind}`)).toEqual(["twin.managedhsm", "twin.vault"]);
    expect((await cli(["emulator", "vault", "show", "-n", "twin", "--hsm"])).json().vaultUri).toBe("https://twin.managedhsm.localhost/");
    await cli(["create", "--vault-name", "twin", "-n", "k", "--kty", "EC"]);
    expect((await cli(["emulator", "vault", "delete", "-n", "twin"])).code).toBe(0);
    expect((await cli(["show", "--vault-name", "twin", "-n", "k"])).code).toBe(3);
    const gone = await cli(["emulator", "vault", "show", "-n", "twin"]);
    expect(gone).toMatchObject({ code: 1, stderr: "ERROR: The vault 'twin' does not exist in this emulator.\n" });
  });

  test("delete asks on a terminal (as delete does), --yes skips the question; in a script it does not ask", async () => {
    await cli(["emulator", "vault", "create", "-n", "asked"]);
    const no = await cli(["emulator", "vault", "delete", "-n", "asked"], { tty: true, stdin: Readable.from(["n\n"]) });
    expect(no.code).toBe(1);
    expect(no.stderr).toContain("Are you sure you want to delete the emulated vault 'asked' (https://asked.vault.localhost) and every key in it? This cannot be undone. (y/N): ");
    expect(no.stderr).toContain("Operation cancelled.");
    expect((await cli(["emulator", "vault", "show", "-n", "asked"])).code).toBe(0);
    const yes = await cli(["emulator", "vault", "delete", "-n", "asked"], { tty: true, stdin: Readable.from(["y\n"]) });
    expect(yes.code).toBe(0);
    expect((await cli(["emulator", "vault", "show", "-n", "asked"])).code).toBe(1);

    await cli(["emulator", "vault", "create", "-n", "asked"]);
    const skipped = await cli(["emulator", "vault", "delete", "-n", "asked", "--yes"], { tty: true, stdin: Readable.from([]) });
    expect(skipped).toMatchObject({ code: 0, stderr: "" });
    await cli(["emulator", "vault", "create", "-n", "asked"]);
    const scripted = await cli(["emulator", "vault", "delete", "-n", "asked"]);
    expect(scripted).toMatchObject({ code: 0, stderr: "" });
  });

  test("a purge-protected vault is refused unless --force, before any question", async () => {
    await cli(["emulator", "vault", "create", "-n", "kept", "--enable-purge-protection", "--retention-days", "30"]);
    await cli(["create", "--vault-name", "kept", "-n", "k", "--kty", "EC", "-o", "none"]);
    const refused = await cli(["emulator", "vault", "delete", "-n", "kept", "--yes"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "ERROR: The vault 'kept' has purge protection: its keys cannot be purged before their 30-day retention ends, and deleting it would destroy them. Add --force to delete it anyway.\n",
    );
    expect((await cli(["show", "--vault-name", "kept", "-n", "k", "-o", "none"])).code).toBe(0);
    const forced = await cli(["emulator", "vault", "delete", "-n", "kept", "--force"]);
    expect(forced.code).toBe(0);
    expect((await cli(["show", "--vault-name", "kept", "-n", "k", "-o", "none"])).code).toBe(3);
    const missing = await cli(["emulator", "vault", "delete", "-n", "kept", "--force", "--yes"]);
    expect(missing).toMatchObject({ code: 1, stderr: "ERROR: The vault 'kept' does not exist in this emulator.\n" });
  });

  test("retention outside 7..90 is refused with the emulator's message", async () => {
    const run = await cli(["emulator", "vault", "create", "-n", "x", "--retention-days", "5"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ERROR: The soft-delete retention must be a whole number of days from 7 to 90; 5 is not\./);
  });
});
