import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Writable } from "node:stream";
import { parse as parseYaml } from "yaml";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { bufferedIO } from "../../src/io/streams.js";
import { withSpinner } from "../../src/io/spinner.js";

// The central output stage as users meet it through real commands: every format, --query, colour
// only on a terminal, configured defaults.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
let kid: string;

beforeAll(async () => {
  home = tempDataDir();
  cli = cliIn(home.dir);
  kid = (await cli(["create", "--vault-name", "out", "-n", "k", "--kty", "EC", "--tags", "env=dev"])).json().key.kid;
  await cli(["create", "--vault-name", "out", "-n", "k2", "--kty", "EC", "--disabled"]);
});
afterAll(() => home.cleanup());

describe("output formats", () => {
  test("json is indented by two, keys sorted, one trailing newline", async () => {
    const run = await cli(["show", "--vault-name", "out", "-n", "k"]);
    expect(run.stdout.startsWith('{\n  "attributes": {\n    "created": "')).toBe(true);
    expect(run.stdout.endsWith("}\n")).toBe(true);
  });

  test("yaml carries the same data, with no !!binary", async () => {
    const json = (await cli(["show", "--vault-name", "out", "-n", "k"])).json();
    const yaml = await cli(["show", "--vault-name", "out", "-n", "k", "-o", "yaml"]);
    expect(yaml.stdout).not.toContain("!!binary");
    expect(parseYaml(yaml.stdout)).toEqual(json);
  });

  test("jsonc and yamlc are coloured only on a terminal, and never with NO_COLOR", async () => {
    const piped = await cli(["show", "--vault-name", "out", "-n", "k", "-o", "jsonc"]);
    expect(piped.stdout).not.toContain("\u001b[");
    const tty = await cli(["show", "--vault-name", "out", "-n", "k", "-o", "jsonc"], { tty: true });
    expect(tty.stdout).toContain("\u001b[");
    const noColor = await cli(["show", "--vault-name", "out", "-n", "k", "-o", "yamlc"], { tty: true, env: { NO_COLOR: "1" } });
    expect(noColor.stdout).not.toContain("\u001b[");
  });

  test("table shows a useful row for a single key and lists, tsv stays az's", async () => {
    const table = await cli(["show", "--vault-name", "out", "-n", "k", "-o", "table"]);
    const [header, rule, row] = table.stdout.split("\n");
    expect(header).toMatch(/^Name\s+Kty\s+Size\/Curve\s+Enabled/);
    expect(rule).toMatch(/^-+\s+-+/);
    expect(row).toMatch(/^k\s+EC\s+P-256\s+True/);
    const list = await cli(["list", "--vault-name", "out", "-o", "table"]);
    expect(list.stdout.split("\n").slice(2, 4).map((l) => l.split(/\s+/).slice(0, 2).join(" "))).toEqual(["k True", "k2 False"]);
    const tsv = await cli(["show", "--vault-name", "out", "-n", "k", "-o", "tsv"]);
    expect(tsv.stdout).toBe("\t\tNone\tNone\t\n");
  });

  test("none prints nothing; --query shapes the data before formatting", async () => {
    expect((await cli(["show", "--vault-name", "out", "-n", "k", "-o", "none"])).stdout).toBe("");
    expect((await cli(["show", "--vault-name", "out", "-n", "k", "--query", "key.kid", "-o", "tsv"])).stdout).toBe(`${kid}\n`);
    const names = await cli(["list", "--vault-name", "out", "--query", "[?attributes.enabled].{n: name, tags: tags}"]);
    expect(names.json()).toEqual([{ n: "k", tags: { env: "dev" } }]);
    const table = await cli(["list", "--vault-name", "out", "--query", "[].{Name: name, On: attributes.enabled}", "-o", "table"]);
    expect(table.stdout).toBe("Name    On\n------  -----\nk       True\nk2      False\n");
  });

  test("AZURE_CORE_OUTPUT and config core.output set the default; -o wins", async () => {
    expect((await cli(["show", "--vault-name", "out", "-n", "k", "--query", "key.kty"], { env: { AZURE_CORE_OUTPUT: "tsv" } })).stdout).toBe("EC\n");
    expect((await cli(["show", "--vault-name", "out", "-n", "k", "--query", "key.kty", "-o", "json"], { env: { AZURE_CORE_OUTPUT: "tsv" } })).stdout).toBe('"EC"\n');
  });

  test("--verbose adds timing on stderr only", async () => {
    const run = await cli(["show", "--vault-name", "out", "-n", "k", "--verbose", "--query", "key.kty", "-o", "tsv"]);
    expect(run.stdout).toBe("EC\n");
    expect(run.stderr).toMatch(/^INFO: Command ran in \d+\.\d{3} seconds\n$/);
  });

  test("--subscription is accepted and changes nothing for key operations", async () => {
    const run = await cli(["show", "--vault-name", "out", "-n", "k", "--subscription", "00000000-0000-0000-0000-000000000000", "--query", "key.kid", "-o", "tsv"]);
    expect(run).toMatchObject({ code: 0, stdout: `${kid}\n` });
  });

  test("an error on a terminal is red without the ERROR: prefix (as knack prints it)", async () => {
    const run = await cli(["show", "--vault-name", "out", "-n", "nope"], { tty: true });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^\u001b\[\d+m\(KeyNotFound\) /);
  });
});

describe("spinners for slow calls", () => {
  const terminal = () => {
    let text = "";
    // What ora needs of a tty.WriteStream, recorded as text.
    const stderr = Object.assign(new Writable({ write: (chunk, _enc, done) => ((text += String(chunk)), done()) }), {
      isTTY: true,
      columns: 80,
      cursorTo: (_x: number) => ((text += "\r"), true),
      clearLine: (_dir: number) => ((text += "\u001b[2K"), true),
      moveCursor: () => true,
    });
    return { stderr, text: () => text };
  };
  const slow = (ms: number) => () => new Promise<string>((resolve) => setTimeout(() => resolve("done"), ms));

  test("a call slower than the delay shows one on a terminal's stderr, and clears it", async () => {
    const screen = terminal();
    const io = bufferedIO({ stderr: screen.stderr, isStderrTTY: true, env: {} });
    expect(await withSpinner(io, "Creating RSA-HSM 4096 key 'k'...", slow(700))).toBe("done");
    expect(screen.text()).toContain("Creating RSA-HSM 4096 key 'k'...");
    expect(io.out()).toBe("");
  });

  test("never when piped, in CI or on a dumb terminal; never for a quick call", async () => {
    for (const [isStderrTTY, env, ms] of [[false, {}, 700], [true, { CI: "true" }, 700], [true, { TERM: "dumb" }, 700], [true, {}, 10]] as const) {
      const screen = terminal();
      await withSpinner(bufferedIO({ stderr: screen.stderr, isStderrTTY, env }), "Working...", slow(ms));
      expect(screen.text()).toBe("");
    }
  });
});
