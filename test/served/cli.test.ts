import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startEmulator, type ServedEmulator } from "../../src/emulator/server.js";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";

// kvkey itself against a served emulator: *.localhost resolved by kvkey, the CA trusted from the data
// directory, TLS verification on.

let home: { dir: string; cleanup: () => void };
let served: ServedEmulator;
let cli: ReturnType<typeof cliIn>;

beforeAll(async () => {
  home = tempDataDir();
  served = await startEmulator({ dataDir: home.dir, port: 0, authMode: "strict" });
  cli = cliIn(home.dir);
});
afterAll(async () => {
  await served?.close();
  home.cleanup();
});

describe("the CLI against a served emulator", () => {
  test("an --id with a port goes over HTTPS to the served emulator, even with --auth strict", async () => {
    const created = await served.emulator.handle({
      method: "POST",
      url: `https://srv.vault.localhost:${served.port}/keys/k/create?api-version=2025-07-01`,
      headers: { host: `srv.vault.localhost:${served.port}`, authorization: `Bearer ${served.emulator.issueToken("t", `https://vault.localhost:${served.port}`).token}` },
      body: JSON.stringify({ kty: "EC" }),
    });
    expect(created.status).toBe(200);
    const run = await cli(["show", "--id", `https://srv.vault.localhost:${served.port}/keys/k`]);
    expect(run.code).toBe(0);
    expect(run.json().key.kid).toBe(JSON.parse(created.body).key.kid);
  });

  test("KVKEY_EMULATOR_URL and `cloud set Local --endpoint` point --vault-name at the served emulator", async () => {
    const env = { KVKEY_EMULATOR_URL: `https://localhost:${served.port}` };
    const created = await cli(["create", "--vault-name", "viaenv", "-n", "k", "--kty", "EC"], { env });
    expect(created.code).toBe(0);
    expect(created.json().key.kid).toMatch(new RegExp(`^https://viaenv\\.vault\\.localhost:${served.port}/keys/k/`));

    expect((await cli(["cloud", "set", "-n", "Local", "--endpoint", `https://localhost:${served.port}`])).code).toBe(0);
    expect((await cli(["cloud", "show", "--query", "endpoints.emulator", "-o", "tsv"])).stdout).toBe(`https://localhost:${served.port}\n`);
    const listed = await cli(["list", "--vault-name", "viaenv", "--query", "[].kid", "-o", "tsv"]);
    expect(listed.stdout).toBe(`https://viaenv.vault.localhost:${served.port}/keys/k\n`);
    await cli(["cloud", "set", "-n", "Local", "--endpoint", ""]);
    expect((await cli(["list", "--vault-name", "viaenv"])).code).toBe(0);
  });

  test("without the CA, the CLI says where it looked", async () => {
    const other = tempDataDir();
    try {
      const run = await cliIn(other.dir)(["show", "--id", `https://srv.vault.localhost:${served.port}/keys/k`]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^ERROR: The served emulator's CA certificate was not found at .*tls\/ca\.pem\./);
    } finally {
      other.cleanup();
    }
  });
});
