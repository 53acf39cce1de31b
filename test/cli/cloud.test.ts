import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { writeAzProfile } from "../helpers/loopback-azure/index.mjs";

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

  test("a mistyped cloud name gets the right one suggested, wherever it was typed", async () => {
    const set = await cli(["cloud", "set", "--name", "AzureCloudd"]);
    expect(set).toMatchObject({ code: 1, stderr: "ERROR: The cloud 'AzureCloudd' is not registered. Did you mean 'AzureCloud'? Known clouds: Local, AzureCloud, AzureChinaCloud, AzureUSGovernment.\n" });
    expect((await cli(["cloud", "show", "-n", "azurechinacloud2"])).stderr).toContain("Did you mean 'AzureChinaCloud'?");
    const flag = await cli(["show", "--vault-name", "v", "-n", "k", "--cloud", "AzureUSGoverment"]);
    expect(flag.stderr).toContain("ERROR: The cloud 'AzureUSGoverment' (from --cloud) is not registered. Did you mean 'AzureUSGovernment'?");
    expect((await cli(["config", "set", "cloud.name=locl"])).stderr).toContain("Did you mean 'Local'?");
  });

  test("a bad default output names where it came from: AZURE_CORE_OUTPUT or the config file", async () => {
    const env = await cli(["list", "--vault-name", "v"], { env: { AZURE_CORE_OUTPUT: "xml" } });
    expect(env).toMatchObject({
      code: 2,
      stderr: "ERROR: 'xml' from the environment variable AZURE_CORE_OUTPUT is not a valid output format. Allowed values: json, jsonc, yaml, yamlc, table, tsv, none.\n",
    });
    // A flag still wins over the bad variable.
    expect((await cli(["cloud", "list", "-o", "none"], { env: { AZURE_CORE_OUTPUT: "xml" } })).code).toBe(0);
  });

  test("with the Azure cloud active, --vault-name resolves to Azure while an explicit local --id still wins", async () => {
    await cli(["create", "--vault-name", "demo", "-n", "k", "--kty", "EC"]);
    await cli(["cloud", "set", "-n", "AzureCloud"]);
    const byId = await cli(["show", "--id", "https://demo.vault.localhost/keys/k"]);
    expect(byId.code).toBe(0);
    expect(byId.json().key.kid).toMatch(/^https:\/\/demo\.vault\.localhost\/keys\/k\//);
  });
});

describe("--subscription on the local cloud", () => {
  test("is accepted and has no effect: local vaults have no subscriptions, and az's profile is not read", async () => {
    // An az profile that does not have the subscription: on Azure this would be az's error.
    const azDir = join(home.dir, "az");
    writeAzProfile(azDir);
    const env = { AZURE_CONFIG_DIR: azDir };
    const created = await cli(["create", "--vault-name", "subs", "-n", "k", "--kty", "EC", "--subscription", "nope"], { env });
    expect(created.code).toBe(0);
    const shown = await cli(["show", "--vault-name", "subs", "-n", "k", "--subscription", "nope", "--query", "key.kty"], { env });
    expect(shown.stderr).toBe("");
    expect(shown.stdout).toBe('"EC"\n');
    expect(shown.code).toBe(0);
  });
});
