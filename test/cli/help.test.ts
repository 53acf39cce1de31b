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
    expect(run.stdout).toMatch(/--output -o\s+: Output format\.\s+Allowed values: json, jsonc, none, table, tsv, yaml, yamlc\./);
    expect(run.stdout).toContain("Examples");
    for (const example of spec.examples) expect(run.stdout).toContain(example.command);
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
      expect(run.stdout).toContain(`kvkey ${name} : ${group.summary}`);
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

describe("docs/commands.md", () => {
  test("matches the command definitions (regenerate with `npm run docs`)", () => {
    const file = new URL("../../docs/commands.md", import.meta.url);
    expect(readFileSync(file, "utf8")).toBe(renderReference());
  });
});
