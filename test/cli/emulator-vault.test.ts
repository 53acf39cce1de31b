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

  test("purge protection is irreversible, as in Azure: turning it off is refused with ARM's words, for a vault and an HSM (issue 18)", async () => {
    const said = 'The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection for a vault is an irreversible action.';
    // azure-core's three lines, as az prints an ARM error.
    const refusal = `ERROR: (BadRequest) ${said}\nCode: BadRequest\nMessage: ${said}\n`;
    for (const hsm of [[], ["--hsm"]]) {
      expect((await cli(["emulator", "vault", "create", "-n", "locked", ...hsm, "--enable-purge-protection", "true"])).code).toBe(0);
      const off = await cli(["emulator", "vault", "create", "-n", "locked", ...hsm, "--enable-purge-protection", "false"]);
      expect(off).toMatchObject({ code: 1, stdout: "", stderr: refusal });
      expect((await cli(["emulator", "vault", "show", "-n", "locked", ...hsm])).json().enablePurgeProtection).toBe(true);
      // Saying it is on again is fine, and so is false where it was never on.
      expect((await cli(["emulator", "vault", "create", "-n", "locked", ...hsm, "--enable-purge-protection"])).code).toBe(0);
      expect((await cli(["emulator", "vault", "create", "-n", "open", ...hsm, "--enable-purge-protection", "false"])).code).toBe(0);
    }
  });

  test("the retention is set once, then fixed, as in Azure; deleted keys keep the retention they were deleted under (issue 18)", async () => {
    const said = `The property "softDeleteRetentionInDays" has been set already and it can't be modified.`;
    const fixed = `ERROR: (BadRequest) ${said}\nCode: BadRequest\nMessage: ${said}\n`;
    // Set at creation: fixed from the start (the same value again is no change).
    expect((await cli(["emulator", "vault", "create", "-n", "seven", "--retention-days", "7"])).code).toBe(0);
    expect(await cli(["emulator", "vault", "create", "-n", "seven", "--retention-days", "30"])).toMatchObject({ code: 1, stderr: fixed });
    expect((await cli(["emulator", "vault", "create", "-n", "seven", "--retention-days", "7"])).code).toBe(0);
    expect((await cli(["emulator", "vault", "show", "-n", "seven"])).json().softDeleteRetentionInDays).toBe(7);

    // A vault made by its first key has the default without having set it: one change, then fixed.
    await cli(["create", "--vault-name", "later", "-n", "before", "--kty", "EC"]);
    const early = (await cli(["delete", "--vault-name", "later", "-n", "before"])).json();
    expect(early.attributes.recoverableDays).toBe(90);
    expect((await cli(["emulator", "vault", "create", "-n", "later", "--retention-days", "14"])).code).toBe(0);
    expect(await cli(["emulator", "vault", "create", "-n", "later", "--retention-days", "90"])).toMatchObject({ code: 1, stderr: fixed });

    // The key deleted before the change is still scheduled 90 days out, and says so; one deleted after says 14.
    await cli(["create", "--vault-name", "later", "-n", "after", "--kty", "EC"]);
    await cli(["delete", "--vault-name", "later", "-n", "after", "-o", "none"]);
    const days = (d: { deletedDate: string; scheduledPurgeDate: string }) => (Date.parse(d.scheduledPurgeDate) - Date.parse(d.deletedDate)) / 86_400_000;
    const shown = (await cli(["show-deleted", "--vault-name", "later", "-n", "before"])).json();
    expect(shown.scheduledPurgeDate).toBe(early.scheduledPurgeDate);
    expect({ days: days(shown), recoverableDays: shown.attributes.recoverableDays, level: shown.attributes.recoveryLevel }).toEqual({ days: 90, recoverableDays: 90, level: "Recoverable+Purgeable" });
    const listed = (await cli(["list-deleted", "--vault-name", "later"])).json() as Array<{ name: string; deletedDate: string; scheduledPurgeDate: string; attributes: { recoverableDays: number } }>;
    for (const d of listed) expect({ name: d.name, recoverableDays: d.attributes.recoverableDays }).toEqual({ name: d.name, recoverableDays: days(d) });
    expect(listed.map((d) => [d.name, days(d)]).sort()).toEqual([["after", 14], ["before", 90]]);
    // A recovered key is a live key again: it reports the vault's retention.
    expect((await cli(["recover", "--vault-name", "later", "-n", "before"])).json().attributes.recoverableDays).toBe(14);
  });
});
