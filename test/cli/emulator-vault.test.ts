import { afterEach, beforeEach, describe, expect, test } from "vitest";
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

  test("retention outside 7..90 is refused with the emulator's message", async () => {
    const run = await cli(["emulator", "vault", "create", "-n", "x", "--retention-days", "5"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ERROR: The soft-delete retention must be a whole number of days from 7 to 90; 5 is not\./);
  });
});
