import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";

// `kvkey config set|get|unset|list` and what the settings do to other commands: the default output,
// the default vault, colour and warnings. The environment (AZURE_{SECTION}_{NAME}) beats the file, a
// flag beats both, as in az.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
beforeAll(async () => {
  home = tempDataDir();
  cli = cliIn(home.dir);
  await cli(["create", "--vault-name", "cfg", "-n", "k", "--kty", "EC", "-o", "none"]);
  await cli(["create", "--hsm-name", "cfghsm", "-n", "h", "--kty", "EC-HSM", "-o", "none"]);
});
afterAll(() => home.cleanup());

const file = () => join(home.dir, "config.json");

describe("config set, get, unset", () => {
  test("set prints nothing; get answers {name, source, value} as az does; unset removes", async () => {
    const set = await cli(["config", "set", "core.output=yaml", "defaults.vault=cfg"]);
    expect(set).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(JSON.parse(readFileSync(file(), "utf8"))).toMatchObject({ core: { output: "yaml" }, defaults: { vault: "cfg" } });

    const one = await cli(["config", "get", "core.output", "-o", "json"]);
    expect(one.json()).toEqual({ name: "output", source: file(), value: "yaml" });
    const section = await cli(["config", "get", "defaults.", "-o", "json"]);
    expect(section.json()).toEqual([{ name: "vault", source: file(), value: "cfg" }]);
    const all = await cli(["config", "get", "-o", "json"]);
    expect(all.json()).toEqual({
      core: [{ name: "output", source: file(), value: "yaml" }],
      defaults: [{ name: "vault", source: file(), value: "cfg" }],
    });

    expect((await cli(["config", "unset", "core.output", "defaults.vault"])).code).toBe(0);
    const gone = await cli(["config", "get", "core.output"]);
    expect(gone).toMatchObject({ code: 1, stderr: "ERROR: Configuration 'core.output' is not set.\n" });
    expect(JSON.parse(readFileSync(file(), "utf8"))).toEqual({});
  });

  test("the environment wins over the file, and get says so", async () => {
    await cli(["config", "set", "core.output=yaml"]);
    const run = await cli(["config", "get", "core.output", "-o", "json"], { env: { AZURE_CORE_OUTPUT: "tsv" } });
    expect(run.json()).toEqual({ name: "output", source: "AZURE_CORE_OUTPUT", value: "tsv" });
    const warned = await cli(["config", "set", "core.output=table"], { env: { AZURE_CORE_OUTPUT: "tsv" } });
    expect(warned.stderr).toBe("WARNING: AZURE_CORE_OUTPUT is set in the environment and overrides 'core.output' for commands run with it.\n");
    await cli(["config", "unset", "core.output"]);
  });

  test("values are checked; a mistyped name gets a suggestion; az's usage errors", async () => {
    const badValue = await cli(["config", "set", "core.output=xml"]);
    expect(badValue).toMatchObject({ code: 1, stderr: "ERROR: Invalid value 'xml' for 'core.output'. Allowed values: json, jsonc, none, table, tsv, yaml, yamlc.\n" });
    const badBool = await cli(["config", "set", "core.no_color=maybe"]);
    expect(badBool.stderr).toBe("ERROR: Invalid value 'maybe' for 'core.no_color': use true or false.\n");
    const typo = await cli(["config", "set", "core.outptu=table"]);
    expect(typo).toMatchObject({ code: 1 });
    expect(typo.stderr).toBe("ERROR: Unknown configuration 'core.outptu'. Did you mean 'core.output'? Run 'kvkey config list' to see every setting.\n");
    expect((await cli(["config", "set", "output"])).stderr).toBe("ERROR: usage error: [section].[name]=[value] ...\n");
    expect((await cli(["config", "set", "output=json"])).stderr).toBe("ERROR: usage error: [section].[name]=[value] ...\n");
    expect((await cli(["config", "unset", "core"])).stderr).toBe("ERROR: usage error: [section].[name]\n");
    expect((await cli(["config", "set"])).stderr).toBe("ERROR: the following arguments are required: <KEY_VALUE>\n");
    expect((await cli(["config", "set", "defaults.vault=no/slash"])).code).toBe(1);
  });

  test("booleans are normalised; an empty value removes the setting; cloud.name is the one cloud set writes", async () => {
    await cli(["config", "set", "core.no_color=YES"]);
    expect((await cli(["config", "get", "core.no_color", "--query", "value", "-o", "tsv"])).stdout).toBe("true\n");
    await cli(["config", "set", "core.no_color="]);
    expect((await cli(["config", "get", "core.no_color"])).code).toBe(1);
    await cli(["config", "set", "cloud.name=azurecloud"]);
    expect((await cli(["cloud", "show", "--query", "name", "-o", "tsv"])).stdout).toBe("AzureCloud\n");
    await cli(["cloud", "set", "--name", "Local"]);
    expect((await cli(["config", "get", "cloud.name", "--query", "value", "-o", "tsv"])).stdout).toBe("Local\n");
    await cli(["config", "unset", "cloud.name"]);
  });

  test("list shows every setting with its value, source and environment variable", async () => {
    await cli(["config", "set", "defaults.hsm=cfghsm"]);
    const list = (await cli(["config", "list"])).json();
    expect(list.map((s: { name: string }) => s.name)).toEqual([
      "core.output",
      "core.no_color",
      "core.only_show_errors",
      "core.disable_confirmation_prompt",
      "defaults.vault",
      "defaults.hsm",
      "cloud.name",
      "cloud.endpoint",
    ]);
    expect(list.find((s: { name: string }) => s.name === "defaults.hsm")).toMatchObject({ value: "cfghsm", source: file(), env: "AZURE_DEFAULTS_HSM" });
    expect(list.find((s: { name: string }) => s.name === "core.output")).toMatchObject({ value: null, allowed: ["json", "jsonc", "none", "table", "tsv", "yaml", "yamlc"] });
    const table = await cli(["config", "list", "-o", "table"], { columns: 60 });
    expect(table.stdout.split("\n")[0]).toMatch(/^Name\s+Value$/);
    for (const line of table.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(60);
    await cli(["config", "unset", "defaults.hsm"]);
  });
});

describe("what the settings do", () => {
  test("core.output sets the default format; AZURE_CORE_OUTPUT beats it; -o beats both", async () => {
    await cli(["config", "set", "core.output=tsv"]);
    expect((await cli(["show", "--vault-name", "cfg", "-n", "k", "--query", "key.kty"])).stdout).toBe("EC\n");
    expect((await cli(["show", "--vault-name", "cfg", "-n", "k", "--query", "key.kty"], { env: { AZURE_CORE_OUTPUT: "json" } })).stdout).toBe('"EC"\n');
    expect((await cli(["show", "--vault-name", "cfg", "-n", "k", "--query", "key.kty", "-o", "yaml"])).stdout).toBe("EC\n...\n");
    await cli(["config", "set", "core.output=table"]);
    expect((await cli(["list", "--vault-name", "cfg"])).stdout).toMatch(/^Name\s+Enabled/);
    await cli(["config", "unset", "core.output"]);
  });

  test("defaults.vault stands in for --vault-name; a flag or --id still wins", async () => {
    const without = await cli(["show", "-n", "k"]);
    expect(without).toMatchObject({ code: 1, stderr: expect.stringContaining("incorrect usage: --id ID | --vault-name/--hsm-name") });
    await cli(["config", "set", "defaults.vault=cfg"]);
    expect((await cli(["show", "-n", "k", "--query", "key.kid", "-o", "tsv"])).stdout).toMatch(/^https:\/\/cfg\.vault\.localhost\/keys\/k\//);
    expect((await cli(["list", "--query", "[].name", "-o", "tsv"])).stdout).toBe("k\n");
    const created = await cli(["create", "-n", "k2", "--kty", "EC", "--query", "key.kid", "-o", "tsv"]);
    expect(created.stdout).toMatch(/^https:\/\/cfg\.vault\.localhost\/keys\/k2\//);
    expect((await cli(["show", "--hsm-name", "cfghsm", "-n", "h", "--query", "key.kty", "-o", "tsv"])).stdout).toBe("EC-HSM\n");
    // The environment variable az's naming gives the setting.
    expect((await cli(["list", "--query", "[].name", "-o", "tsv"], { env: { AZURE_DEFAULTS_VAULT: "nosuchvault" } })).code).toBe(1);
    await cli(["config", "unset", "defaults.vault"]);
  });

  test("defaults.hsm likewise; both defaults at once must be disambiguated", async () => {
    await cli(["config", "set", "defaults.hsm=cfghsm"]);
    expect((await cli(["list", "--query", "[].name", "-o", "tsv"])).stdout).toBe("h\n");
    await cli(["config", "set", "defaults.vault=cfg"]);
    const both = await cli(["list"]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain("Both defaults.vault and defaults.hsm are configured");
    expect((await cli(["list", "--vault-name", "cfg", "--query", "length(@)"])).stdout).toBe("2\n");
    await cli(["config", "unset", "defaults.vault", "defaults.hsm"]);
  });

  test("core.no_color and AZURE_CORE_NO_COLOR turn colour off on a terminal", async () => {
    const args = ["show", "--vault-name", "cfg", "-n", "k", "-o", "jsonc"];
    expect((await cli(args, { tty: true })).stdout).toContain("\u001b[");
    expect((await cli(args, { tty: true, env: { AZURE_CORE_NO_COLOR: "true" } })).stdout).not.toContain("\u001b[");
    await cli(["config", "set", "core.no_color=true"]);
    expect((await cli(args, { tty: true })).stdout).not.toContain("\u001b[");
    const error = await cli(["show", "--vault-name", "cfg", "-n", "nosuch"], { tty: true });
    expect(error.stderr).toMatch(/^ERROR: /);
    await cli(["config", "unset", "core.no_color"]);
  });

  test("core.only_show_errors hides warnings unless --verbose or --debug asks for more", async () => {
    await cli(["create", "--vault-name", "cfg", "-n", "gone", "--kty", "EC", "-o", "none"]);
    await cli(["create", "--vault-name", "cfg", "-n", "gone2", "--kty", "EC", "-o", "none"]);
    await cli(["config", "set", "core.only_show_errors=true"]);
    expect((await cli(["delete", "--vault-name", "cfg", "-n", "gone", "-o", "none"])).stderr).toBe("");
    const verbose = await cli(["delete", "--vault-name", "cfg", "-n", "gone2", "-o", "none", "--verbose"]);
    expect(verbose.stderr).toContain("WARNING: Warning! If you have soft-delete protection enabled");
    await cli(["config", "unset", "core.only_show_errors"]);
  });

  test("a broken config file does not stop --help", async () => {
    const broken = tempDataDir();
    try {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(join(broken.dir, "config.json"), "{ nope");
      const other = cliIn(broken.dir);
      expect((await other(["--help"])).code).toBe(0);
      const run = await other(["config", "get"]);
      expect(run).toMatchObject({ code: 1, stderr: expect.stringContaining("is not valid JSON") });
    } finally {
      broken.cleanup();
    }
  });
});
