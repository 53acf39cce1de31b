import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startEmulator, type ServedEmulator } from "../../src/emulator/server.js";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";

// The emulator clock is the data directory's: `kvkey emulator time-shift` (another emulator instance on
// the same directory) moves the clock of a running served emulator at its next request.

let home: { dir: string; cleanup: () => void };
let served: ServedEmulator;
let cli: ReturnType<typeof cliIn>;

beforeAll(async () => {
  home = tempDataDir();
  served = await startEmulator({ dataDir: home.dir, port: 0 });
  cli = cliIn(home.dir, { KVKEY_EMULATOR_URL: `https://localhost:${served.port}` });
});
afterAll(async () => {
  await served?.close();
  home.cleanup();
});

test("a shift made by the CLI applies to the served emulator: expiry and rotation follow it", async () => {
  const digest = createHash("sha256").update("x").digest("base64");
  const expires = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 19) + "Z";
  const created = await cli(["create", "--vault-name", "srv", "-n", "k", "--kty", "EC", "--expires", expires]);
  expect(created.code, created.stderr).toBe(0);
  expect(created.json().key.kid).toContain(`:${served.port}/`);
  expect((await cli(["sign", "--vault-name", "srv", "-n", "k", "-a", "ES256", "--digest", digest])).code).toBe(0);
  const policy = await cli(["rotation-policy", "update", "--vault-name", "srv", "-n", "k", "--value", '{"lifetimeActions":[{"action":"Rotate","timeAfterCreate":"P7D"}]}']);
  expect(policy.code, policy.stderr).toBe(0);

  expect((await cli(["emulator", "time-shift", "P6D"])).json().shift).toBe("P6D");
  expect(served.emulator.timeShift()).toBe(6 * 86_400_000);
  const refused = await cli(["sign", "--vault-name", "srv", "-n", "k", "-a", "ES256", "--digest", digest]);
  expect(refused.stderr).toMatch(/\(Forbidden\) Operation sign is not allowed on an expired key/);
  expect((await cli(["list-versions", "--vault-name", "srv", "-n", "k"])).json()).toHaveLength(1);

  await cli(["emulator", "time-shift", "P1D"]);
  expect((await cli(["list-versions", "--vault-name", "srv", "-n", "k"])).json()).toHaveLength(2);
  // The new version has no expiry (the policy sets none): it signs.
  expect((await cli(["sign", "--vault-name", "srv", "-n", "k", "-a", "ES256", "--digest", digest])).code).toBe(0);
  await cli(["emulator", "time-shift", "--reset"]);
});
