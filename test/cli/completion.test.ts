import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { COMMANDS } from "../../src/cli/registry.js";
import { vaultLookups } from "../../src/cli/completion/dynamic.js";
import { complete } from "../../src/cli/completion/engine.js";
import { loadSettings } from "../../src/cli/settings.js";

// Shell completion through the real entry point: the scripts `kvkey completion <shell>` prints, and the
// hidden `kvkey __complete` they call on every Tab. (test/e2e/terminal.test.ts runs the bash script in
// a real bash against the built binary.)

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
beforeAll(async () => {
  home = tempDataDir();
  cli = cliIn(home.dir);
  for (const name of ["alpha", "alpine", "beta"]) await cli(["create", "--vault-name", "comp", "-n", name, "--kty", "EC", "-o", "none"]);
  await cli(["create", "--vault-name", "other", "-n", "gamma", "--kty", "EC", "-o", "none"]);
  await cli(["create", "--hsm-name", "comphsm", "-n", "hkey", "--kty", "EC-HSM", "-o", "none"]);
  await cli(["delete", "--vault-name", "comp", "-n", "beta", "-o", "none"]);
});
afterAll(() => home.cleanup());

/** The candidates (values only) `__complete` offers for a line typed up to the cursor. */
async function candidates(line: string, extra: string[] = [], env: Record<string, string> = {}): Promise<string[]> {
  const run = await cli(["__complete", ...extra, "--line", line], { env });
  expect(run.code).toBe(0);
  expect(run.stderr).toBe("");
  return run.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split("\t")[0]!);
}

describe("kvkey completion <shell>", () => {
  test.each([
    ["bash", "complete -F _kvkey_complete kvkey"],
    ["zsh", "compdef _kvkey kvkey"],
    ["fish", "complete -c kvkey -f -a '(__kvkey_complete)'"],
    ["powershell", "Register-ArgumentCompleter -Native -CommandName kvkey -ScriptBlock"],
  ])("%s: a script that asks `kvkey __complete` and registers itself", async (shell, registration) => {
    const run = await cli(["completion", shell]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain(`kvkey __complete --shell ${shell} --line`);
    expect(run.stdout).toContain(registration);
    // Printed as it is: not JSON, whatever the configured output.
    expect(run.stdout.startsWith(shell === "zsh" ? "#compdef kvkey\n" : "# kvkey completion")).toBe(true);
    expect((await cli(["completion", shell], { env: { AZURE_CORE_OUTPUT: "json" } })).stdout).toBe(run.stdout);
  });

  // Each script parses in its own shell, where that shell is installed (bash always is here).
  test.each(["bash", "zsh", "fish"].filter((shell) => spawnSync(shell, ["-c", "exit 0"]).status === 0))("%s reads the script without a syntax error", async (shell) => {
    const file = join(home.dir, `completion.${shell}`);
    writeFileSync(file, (await cli(["completion", shell])).stdout);
    const check = spawnSync(shell, ["-n", file], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  test("an unknown or missing shell is a usage error with the allowed values", async () => {
    const bad = await cli(["completion", "tcsh"]);
    expect(bad).toMatchObject({ code: 2, stdout: "" });
    expect(bad.stderr).toBe("ERROR: kvkey completion: 'tcsh' is not a valid value for '<SHELL>'. Allowed values: bash, zsh, fish, powershell.\n");
    const missing = await cli(["completion"]);
    expect(missing).toMatchObject({ code: 2, stderr: "ERROR: the following arguments are required: <SHELL>\n" });
  });

  // PowerShell is not on these machines; where it is, its parser reads the script.
  test.runIf(spawnSync("pwsh", ["-NoProfile", "-Command", "exit 0"]).status === 0)("powershell reads the script without a syntax error", async () => {
    const file = join(home.dir, "completion.ps1");
    writeFileSync(file, (await cli(["completion", "powershell"])).stdout);
    const parse = `$e = $null; [void][System.Management.Automation.Language.Parser]::ParseFile('${file}', [ref]$null, [ref]$e); if ($e.Count) { $e; exit 1 }`;
    const check = spawnSync("pwsh", ["-NoProfile", "-Command", parse], { encoding: "utf8" });
    expect(check.stdout + check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  test("--help shows the positional argument as az shows one", async () => {
    const help = await cli(["completion", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Positional\n\s+<SHELL>\s+: \[Required\] The shell to complete in\./);
    expect(help.stdout.replace(/\s+/g, " ")).toContain("Allowed values: bash, zsh, fish, powershell.");
  });
});

describe("kvkey __complete", () => {
  test("commands and groups at the top, subcommands inside a group, with descriptions", async () => {
    const top = await candidates("kvkey ");
    for (const spec of COMMANDS.filter((c) => c.path.length === 1)) expect(top).toContain(spec.path[0]);
    expect(top).toEqual(expect.arrayContaining(["cloud", "config", "emulator", "completion", "shell"]));
    expect(top).not.toContain("__complete");
    expect(await candidates("kvkey li")).toEqual(["list", "list-deleted", "list-versions"]);
    expect(await candidates("kvkey cloud ")).toEqual(["list", "set", "show"]);
    expect(await candidates("kvkey emulator ")).toEqual(expect.arrayContaining(["vault", "start", "stop"]));
    const described = await cli(["__complete", "--shell", "fish", "--line", "kvkey sho"]);
    expect(described.stdout).toContain("show\tGet a key's attributes");
    // az's own prefix works as runCli accepts it.
    expect(await candidates("az keyvault key li")).toEqual(["list", "list-deleted", "list-versions"]);
  });

  test("flags of the command (global ones too), without the ones already given", async () => {
    expect(await candidates("kvkey show --v")).toEqual(["--vault-name", "--version", "--verbose"]);
    const all = await candidates("kvkey show --vault-name v ");
    expect(all).toEqual(expect.arrayContaining(["--name", "--id", "--version", "--output", "--query", "--cloud"]));
    expect(all).not.toContain("--vault-name");
    expect(await candidates("kvkey show -n")).toEqual(["-n"]);
  });

  test("allowed values of a flag, also after --flag=", async () => {
    expect(await candidates("kvkey create --kty ")).toEqual(["EC", "EC-HSM", "RSA", "RSA-HSM", "oct", "oct-HSM"]);
    expect(await candidates("kvkey create --curve P-3")).toEqual(["P-384"]);
    expect(await candidates("kvkey list -o t")).toEqual(["table", "tsv"]);
    expect(await candidates("kvkey show --output=y")).toEqual(["--output=yaml", "--output=yamlc"]);
    expect(await candidates("kvkey show --cloud Az")).toEqual(["AzureCloud", "AzureChinaCloud", "AzureUSGovernment"]);
    expect(await candidates("kvkey completion ")).toEqual(["bash", "zsh", "fish", "powershell"]);
    // A list flag offers the values not given yet.
    expect(await candidates("kvkey create --ops sign verify ")).not.toContain("sign");
    expect(await candidates("kvkey create --ops sign verify ")).toContain("encrypt");
  });

  test("key names from the vault on the line, deleted key names for purge/recover", async () => {
    expect(await candidates("kvkey show --vault-name comp -n ")).toEqual(["alpha", "alpine"]);
    expect(await candidates("kvkey show --vault-name comp --name alp")).toEqual(["alpha", "alpine"]);
    expect(await candidates("kvkey show -n al --vault-name co")).toEqual(["comp"]); // the word at the cursor is a vault name
    expect(await candidates("kvkey show --vault-name other -n ")).toEqual(["gamma"]);
    expect(await candidates("kvkey show --hsm-name comphsm -n ")).toEqual(["hkey"]);
    expect(await candidates("kvkey purge --vault-name comp -n ")).toEqual(["beta"]);
    expect(await candidates("kvkey recover --vault-name comp -n b")).toEqual(["beta"]);
  });

  test("key names from the configured default vault; local vault names for --vault-name", async () => {
    expect(await candidates("kvkey show -n ", [], { AZURE_DEFAULTS_VAULT: "other" })).toEqual(["gamma"]);
    expect(await candidates("kvkey list --vault-name ")).toEqual(["comp", "other"]);
    expect(await candidates("kvkey list --hsm-name ")).toEqual(["comphsm"]);
  });

  test("a vault that does not exist offers nothing and is not created; nothing at all is created in an empty home", async () => {
    expect(await candidates("kvkey show --vault-name nosuch -n ")).toEqual([]);
    expect(await candidates("kvkey list --vault-name ")).not.toContain("nosuch");
    const empty = tempDataDir();
    try {
      const run = await cliIn(empty.dir)(["__complete", "--line", "kvkey show --vault-name demo -n "]);
      expect(run).toMatchObject({ code: 0, stdout: "", stderr: "" });
      expect(existsSync(join(empty.dir, "kvkey.db"))).toBe(false);
    } finally {
      empty.cleanup();
    }
  });

  test("file arguments hand over to the shell's file completion", async () => {
    const run = await cli(["__complete", "--line", "kvkey restore --vault-name comp -f "]);
    expect(run.stdout).toBe(":files\n");
  });

  test("config keys and values; bash gets only the part after its own '=' word break", async () => {
    expect(await candidates("kvkey config set core.o")).toEqual(["core.output=", "core.only_show_errors=", ":nospace"]);
    expect(await candidates("kvkey config set core.output=ta")).toEqual(["core.output=table"]);
    expect(await candidates("kvkey config get def")).toEqual(["defaults.vault", "defaults.hsm"]);
    const bash = await cli(["__complete", "--shell", "bash", "--line", "kvkey config set core.output=ta", "--cur", "ta"]);
    expect(bash.stdout).toBe("table\n");
    const afterEquals = await cli(["__complete", "--shell", "bash", "--line", "kvkey config set core.no_color=", "--cur", "="]);
    expect(afterEquals.stdout).toBe("=true\n=false\n");
  });

  test("words after -- instead of a line; quoting on the line is understood", async () => {
    expect((await cli(["__complete", "--", "show", "--vault-name", "comp", "-n", "alph"])).stdout).toBe("alpha\n");
    expect(await candidates("kvkey show --vault-name 'comp' -n \"alph")).toEqual(["alpha"]);
  });

  test("nonsense gets nothing, never an error", async () => {
    for (const line of ["kvkey nosuch --", "kvkey show --nosuch ", "kvkey show --vault-name", "", "kvkey --query '[?"]) {
      const run = await cli(["__complete", "--line", line]);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe("");
    }
  });
});

describe("names from the vault", () => {
  test("are filtered by what was typed before the cap counts them", async () => {
    const env = { KVKEY_HOME: home.dir };
    const { createVaultClients } = await import("../../src/vault-client/factory.js");
    const clients = createVaultClients({ home: home.dir, env });
    try {
      // A cap of one name: 'alpha' is listed before 'alpine', yet "alpi" must still find 'alpine'.
      const lookups = vaultLookups({ home: home.dir, env, settings: loadSettings(env, home.dir), clients: async () => clients, limit: 1 });
      const offered = async (line: string[], current: string) => (await complete(line, current, lookups)).candidates.map((c) => c.value);
      expect(await offered(["show", "--vault-name", "comp", "-n"], "alpi")).toEqual(["alpine"]);
      expect(await offered(["show", "--vault-name", "comp", "-n"], "ALPH")).toEqual(["alpha"]);
      expect(await offered(["show", "--vault-name", "comp", "-n"], "")).toEqual(["alpha"]);
      expect(await offered(["show", "--vault-name"], "oth")).toEqual(["other"]);
    } finally {
      clients.close();
    }
  });
});
