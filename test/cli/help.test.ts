import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { COMMANDS, GROUPS } from "../../src/cli/registry.js";
import { renderReference } from "../../src/cli/reference-doc.js";

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
beforeAll(() => {
  home = tempDataDir();
  cli = cliIn(home.dir);
});
afterAll(() => home.cleanup());

describe("help", () => {
  test("the root, `keyvault key` and `-h` list every command; nothing is written to the data directory", async () => {
    for (const args of [[], ["--help"], ["keyvault", "key"], ["keyvault", "key", "-h"]]) {
      const run = await cli(args);
      expect(run.code).toBe(0);
      for (const spec of COMMANDS.filter((c) => c.path.length === 1)) expect(run.stdout).toContain(`    ${spec.path[0]} `);
      expect(run.stdout).toMatch(/Subgroups:\n\s+cloud/);
    }
    expect(existsSync(join(home.dir, "kvkey.db"))).toBe(false);
  });

  test.each(COMMANDS.map((c) => [c.path.join(" ")]))("kvkey %s --help shows groups, choices and examples", async (name) => {
    const spec = COMMANDS.find((c) => c.path.join(" ") === name)!;
    const run = await cli([...spec.path, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`kvkey ${name} : `);
    expect(run.stdout).toContain("Global Arguments");
    expect(run.stdout.replace(/\s+/g, " ")).toMatch(/--output -o : Output format\. Allowed values: json, jsonc, none, table, tsv, yaml, yamlc\./);
    expect(run.stdout).toContain("Examples");
    // A long example is split over lines a shell joins again: rejoined, each is the command as declared.
    for (const example of spec.examples) expect(rejoined(run.stdout)).toContain(example.command);
  });

  test("Id Arguments are grouped as az groups them", async () => {
    const run = await cli(["show", "-h"]);
    expect(run.stdout).toMatch(/Id Arguments\n\s+--hsm-name\s+: Name of the HSM\. .*\n.*\n\s+--id\s+: Id of the key\./);
    expect(run.stdout).toMatch(/--version -v\s+: The key version/);
  });

  test.each(GROUPS.map((g) => [g.path.join(" ")]))("kvkey %s --help: the group's summary and every command in it", async (name) => {
    const group = GROUPS.find((g) => g.path.join(" ") === name)!;
    for (const flag of ["--help", "-h"]) {
      const run = await cli([...group.path, flag]);
      expect(run.code).toBe(0);
      expect(run.stdout.replace(/\s+/g, " ")).toContain(`kvkey ${name} : ${group.summary}`);
      const inside = COMMANDS.filter((c) => c.path.length === group.path.length + 1 && group.path.every((p, i) => c.path[i] === p));
      for (const spec of inside) expect(run.stdout).toMatch(new RegExp(`\\n\\s+${spec.path.at(-1)}\\s+: `));
    }
  });

  const LIFECYCLE = ["create", "show", "list", "list-versions", "set-attributes", "delete", "show-deleted", "list-deleted", "recover", "purge", "backup", "restore"];
  test.each(LIFECYCLE)("kvkey %s --help has a worked example for the embedded vault and one for Azure", async (name) => {
    const run = await cli([name, "--help"]);
    const examples = run.stdout.slice(run.stdout.indexOf("\nExamples\n"));
    expect(examples).toMatch(/\n\s+kvkey \S+ (?!.*--cloud Azure)(?!.*azure\.net).*(--vault-name|--hsm-name|localhost)/);
    expect(examples).toMatch(/\n\s+kvkey \S+ .*(--cloud AzureCloud|\.vault\.azure\.net)/);
  });

  test("choices and defaults are in the help, as az prints them", async () => {
    // Help wraps to the terminal: compare the words, not where the lines break.
    const create = (await cli(["create", "--help"])).stdout.replace(/\s+/g, " ");
    expect(create).toMatch(/--kty\s+: [^]*?Allowed values: EC, EC-HSM, RSA, RSA-HSM, oct, oct-HSM\. Default: RSA \(EC\s+when --curve is given\)\./);
    expect(create).toMatch(/--protection -p\s+: Specifies the type of key protection\. Allowed values: hsm, software\./);
    expect(create).toMatch(/--immutable\s+: \[Preview\] /);
    expect((await cli(["list", "--help"])).stdout).toMatch(/--include-managed\s+: [^]*?Default: false\./);
    expect((await cli(["backup", "--help"])).stdout).toMatch(/--file -f\s+: \[Required\] /);
  });

  test("a group name alone shows the group's help", async () => {
    const run = await cli(["cloud"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Commands:\n\s+list\s+: List the clouds/);
  });
});

/** Help's examples with their line breaks undone: "a \\\n    b" becomes "a b", a break inside quoted JSON nothing. */
function rejoined(help: string): string {
  return help.replace(/ \\\n\s+/g, " ").replace(/([^\n])\n {12}(?=\S)/g, "$1");
}

const overWidth = (text: string, width: number) => text.split("\n").filter((line) => Array.from(line).length > width);

describe("help fits the terminal", () => {
  const everyHelp = [
    ...COMMANDS.map((c) => [...c.path, "--help"]),
    ...GROUPS.map((g) => [...g.path, "--help"]),
    ["--help"],
  ];

  test("at 80 columns (COLUMNS=80, or a terminal 80 wide, or nothing said) no line of any help is longer", async () => {
    for (const args of everyHelp) {
      for (const extra of [{ env: { COLUMNS: "80" } }, { tty: true, columns: 80 }, {}]) {
        const run = await cli(args, extra);
        expect(run.code).toBe(0);
        expect(overWidth(run.stdout, 80), `kvkey ${args.join(" ")} with ${JSON.stringify(extra)}`).toEqual([]);
      }
    }
  });

  test("the terminal's width wins over COLUMNS, and COLUMNS counts when piped", async () => {
    const wide = await cli(["create", "--help"], { tty: true, columns: 160, env: { COLUMNS: "60" } });
    expect(wide.stdout).toMatch(/^ {4}kvkey create : Create a new key, stores it, then returns key parameters and attributes to the client\.$/m);
    const piped = await cli(["create", "--help"], { env: { COLUMNS: "60" } });
    expect(overWidth(piped.stdout, 60).filter((line) => !/^ {12}\S+( \\)?$/.test(line))).toEqual([]);
    expect(piped.stdout).toMatch(/^ {4}kvkey create : Create a new key, stores it, then returns\n {19}key parameters/m);
  });

  test("a narrow terminal: descriptions wrap under themselves, a long URL is cut rather than run past the edge", async () => {
    for (const args of everyHelp) {
      const run = await cli(args, { tty: true, columns: 50 });
      const before = run.stdout.split("\nExamples\n")[0]!;
      expect(overWidth(before, 50), `kvkey ${args.join(" ")}`).toEqual([]);
    }
    const create = (await cli(["create", "--help"], { tty: true, columns: 80 })).stdout;
    // A label too long for the column gets a line of its own; the others stay aligned.
    expect(create).toMatch(/\n {4}--default-data-disk-policy --default-dd-policy\n {26}: Use default policy/);
    expect(create).toMatch(/\n {4}--curve {15}: Elliptic curve name\./);
  });

  test("an example too long for a line continues with ` \\` before a flag, and a JSON value breaks inside its quotes", async () => {
    const help = (await cli(["rotation-policy", "update", "--help"], { env: { COLUMNS: "80" } })).stdout;
    expect(help).toContain(
      [
        `        kvkey rotation-policy update --vault-name demo -n mykey --value '{`,
        `            "lifetimeActions":[{"trigger":{"timeAfterCreate":"P90D"},"action":`,
        `            {"type":"Rotate"}}],"attributes":{"expiryTime":"P2Y"}}'`,
      ].join("\n"),
    );
    // What a shell reads from those lines is the policy: the breaks are JSON whitespace.
    const value = help.split("--value '")[1]!.split("'")[0]!;
    expect(JSON.parse(value)).toEqual({ lifetimeActions: [{ trigger: { timeAfterCreate: "P90D" }, action: { type: "Rotate" } }], attributes: { expiryTime: "P2Y" } });
    expect(help).toContain("        kvkey rotation-policy update --hsm-name myhsm -n mykey \\\n            --value policy.json");
  });
});

describe("asking for help", () => {
  test("`kvkey help show` is `kvkey show --help`; `kvkey help` and `kvkey help emulator vault` are group help", async () => {
    const show = await cli(["help", "show"]);
    expect(show.code).toBe(0);
    expect(show.stdout).toBe((await cli(["show", "--help"])).stdout);
    expect((await cli(["help"])).stdout).toBe((await cli(["--help"])).stdout);
    expect((await cli(["help", "emulator", "vault"])).stdout).toContain("kvkey emulator vault : ");
    const typo = await cli(["help", "shw"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("Did you mean 'show' ?");
  });

  test("`kvkey keyvault --help` and `kvkey keyvault -h` show kvkey's commands, as `kvkey keyvault key --help` does", async () => {
    const expected = (await cli(["keyvault", "key", "--help"])).stdout;
    for (const args of [["keyvault", "--help"], ["keyvault", "-h"], ["az", "keyvault", "--help"]]) {
      const run = await cli(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(expected);
    }
  });

  test("a group's footer names the group and one of its real commands", async () => {
    expect((await cli(["emulator", "vault", "--help"])).stdout.replace(/\s+/g, " ")).toContain(
      "Run 'kvkey emulator vault <command> --help' for a command's arguments and examples (for example 'kvkey emulator vault show --help').",
    );
    expect((await cli(["--help"])).stdout.replace(/\s+/g, " ")).toContain(
      "Run 'kvkey <command> --help' for a command's arguments and examples (for example 'kvkey show --help').",
    );
  });
});

describe("docs/commands.md", () => {
  test("matches the command definitions (regenerate with `npm run docs`)", () => {
    const file = new URL("../../docs/commands.md", import.meta.url);
    expect(readFileSync(file, "utf8")).toBe(renderReference());
  });
});
