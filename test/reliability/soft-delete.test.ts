import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/emulator/index.js";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir, testVault, type TestVault } from "../helpers/emulator.js";

// Soft delete as the service promises it, where the existing suites leave a gap (the rest is pinned by
// test/emulator/sdk-lifecycle.test.ts, test/emulator/wire.test.ts and test/cli/emulator-vault.test.ts;
// docs/reliability.md lists which test checks what).

const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1, 12, 0, 0);

describe("recoverable for the whole retention period", () => {
  let clock: ManualClock;
  let vault: TestVault;
  beforeEach(() => {
    clock = new ManualClock(START);
    vault = testVault({ vaultUrl: "https://keep.vault.localhost", clock });
  });
  afterEach(() => vault.close());

  it("under purge protection: purge refused on every day, recover works one second before the scheduled purge", async () => {
    vault.emulator.configureVault({ name: "keep", kind: "vault", retentionDays: 7, purgeProtection: true });
    const created = await vault.client.createEcKey("kept", { curve: "P-256" });
    const deleted = await (await vault.client.beginDeleteKey("kept")).pollUntilDone();
    const purgeAt = deleted.properties.scheduledPurgeDate!.getTime();
    expect(purgeAt).toBe(START + 7 * DAY_MS);
    for (let day = 0; day < 7; day++) {
      clock.set(START + day * DAY_MS + 1_000);
      await expect(vault.client.purgeDeletedKey("kept")).rejects.toMatchObject({ statusCode: 403, code: "Forbidden" });
      await expect(vault.client.createEcKey("kept", { curve: "P-256" })).rejects.toMatchObject({ statusCode: 409, code: "Conflict" });
    }
    clock.set(purgeAt - 1_000);
    const recovered = await (await vault.client.beginRecoverDeletedKey("kept")).pollUntilDone();
    expect(recovered.id).toBe(created.id);
    // Recovered, it is an ordinary key again: past the old purge date it stays.
    clock.set(purgeAt + DAY_MS);
    expect((await vault.client.getKey("kept")).id).toBe(created.id);
  });
});

describe("kvkey recover", () => {
  let home: { dir: string; cleanup: () => void };
  beforeEach(() => {
    home = tempDataDir();
  });
  afterEach(() => home.cleanup());

  it("of a key that is not deleted is the service's 404, as az reports it (the SDK's poller would call it recovered)", async () => {
    const cli = cliIn(home.dir);
    expect((await cli(["create", "--vault-name", "rec", "-n", "live", "--kty", "EC", "-o", "none"])).code).toBe(0);
    const run = await cli(["recover", "--vault-name", "rec", "-n", "live"]);
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 1, stdout: "", stderr: "ERROR: (KeyNotFound) Deleted Key not found: live\nCode: KeyNotFound\nMessage: Deleted Key not found: live\n" });
    // A real recover still works, and answers with the key.
    expect((await cli(["delete", "--vault-name", "rec", "-n", "live", "-y", "-o", "none", "--only-show-errors"])).code).toBe(0);
    const recovered = await cli(["recover", "--vault-name", "rec", "-n", "live"]);
    expect(recovered.code).toBe(0);
    expect(recovered.json().key.kid).toMatch(/^https:\/\/rec\.vault\.localhost\/keys\/live\//);
  });
});
