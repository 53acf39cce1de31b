import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
beforeEach(() => {
  home = tempDataDir();
  cli = cliIn(home.dir);
});
afterEach(() => home.cleanup());

describe("kvkey cloud", () => {
  test("list shows the four clouds with Local active by default", async () => {
    const clouds = (await cli(["cloud", "list"])).json();
    expect(clouds.map((c: { name: string }) => c.name)).toEqual(["Local", "AzureCloud", "AzureChinaCloud", "AzureUSGovernment"]);
    expect(clouds.filter((c: { isActive: boolean }) => c.isActive).map((c: { name: string }) => c.name)).toEqual(["Local"]);
    expect(clouds[1].suffixes).toEqual({ keyvaultDns: ".vault.azure.net", mhsmDns: ".managedhsm.azure.net" });
  });

  test("set persists the active cloud in config.json (0600); --cloud and AZURE_CLOUD_NAME override it", async () => {
    expect((await cli(["cloud", "set", "--name", "azurechinacloud"])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(home.dir, "config.json"), "utf8")).cloud.name).toBe("AzureChinaCloud");
    expect(statSync(join(home.dir, "config.json")).mode & 0o777).toBe(0o600);
    expect((await cli(["cloud", "show", "--query", "name"])).stdout).toBe('"AzureChinaCloud"\n');
    expect((await cli(["cloud", "show", "--query", "name", "--cloud", "Local"])).stdout).toBe('"Local"\n');
    expect((await cli(["cloud", "show", "--query", "name"], { env: { AZURE_CLOUD_NAME: "AzureUSGovernment" } })).stdout).toBe(
      '"AzureUSGovernment"\n',
    );
  });

  test("set refuses an unknown cloud", async () => {
    const run = await cli(["cloud", "set", "-n", "Mars"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("ERROR: The cloud 'Mars' is not registered. Known clouds: Local, AzureCloud, AzureChinaCloud, AzureUSGovernment.\n");
  });

  test("with the Azure cloud active, --vault-name resolves to Azure while an explicit local --id still wins", async () => {
    await cli(["create", "--vault-name", "demo", "-n", "k", "--kty", "EC"]);
    await cli(["cloud", "set", "-n", "AzureCloud"]);
    const byId = await cli(["show", "--id", "https://demo.vault.localhost/keys/k"]);
    expect(byId.code).toBe(0);
    expect(byId.json().key.kid).toMatch(/^https:\/\/demo\.vault\.localhost\/keys\/k\//);
  });
});
