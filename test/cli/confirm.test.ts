import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Readable } from "node:stream";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";

// delete and purge ask before they act when a person is at a terminal (stdin and stderr are TTYs).
// az never asks, so without a terminal — CI, scripts, pipes — kvkey does exactly what az does.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
beforeAll(async () => {
  home = tempDataDir();
  cli = cliIn(home.dir);
});
afterAll(() => home.cleanup());

const answer = (text: string) => Readable.from([text]);

async function makeKey(name: string): Promise<void> {
  expect((await cli(["create", "--vault-name", "ask", "-n", name, "--kty", "EC", "-o", "none"])).code).toBe(0);
}

async function exists(name: string): Promise<boolean> {
  return (await cli(["show", "--vault-name", "ask", "-n", name, "-o", "none"])).code === 0;
}

describe("confirmation on a terminal", () => {
  test("'y' deletes; the question names the key and the vault, on stderr", async () => {
    await makeKey("yes");
    const run = await cli(["delete", "--vault-name", "ask", "-n", "yes", "--query", "name", "-o", "none"], { tty: true, stdin: answer("y\n") });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("Are you sure you want to delete the key 'yes' from ask.vault.localhost? (y/N): ");
    expect(run.stdout).toBe("");
    expect(await exists("yes")).toBe(false);
  });

  test.each([["n\n"], ["\n"], ["nope\n"], [""]])("%j cancels with az's 'Operation cancelled.' and exit 1; the key stays", async (text) => {
    await makeKey("keep");
    const run = await cli(["delete", "--vault-name", "ask", "-n", "keep"], { tty: true, stdin: answer(text) });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/\(y\/N\): .*Operation cancelled\./s);
    expect(run.stdout).toBe("");
    expect(await exists("keep")).toBe(true);
  });

  test("purge asks too; 'yes' in any case is yes", async () => {
    await makeKey("purgeme");
    await cli(["delete", "--vault-name", "ask", "-n", "purgeme", "-o", "none"]);
    const no = await cli(["purge", "--vault-name", "ask", "-n", "purgeme"], { tty: true, stdin: answer("no\n") });
    expect(no.code).toBe(1);
    expect(no.stderr).toContain("Are you sure you want to permanently purge the deleted key 'purgeme' from ask.vault.localhost? It cannot be recovered. (y/N): ");
    expect((await cli(["show-deleted", "--vault-name", "ask", "-n", "purgeme", "-o", "none"])).code).toBe(0);
    const yes = await cli(["purge", "--vault-name", "ask", "-n", "purgeme"], { tty: true, stdin: answer("YES\n") });
    expect(yes).toMatchObject({ code: 0, stdout: "" });
    expect((await cli(["show-deleted", "--vault-name", "ask", "-n", "purgeme", "-o", "none"])).code).toBe(1); // gone
  });

  test("--yes / -y and core.disable_confirmation_prompt skip the question", async () => {
    await makeKey("y1");
    await makeKey("y2");
    await makeKey("y3");
    const long = await cli(["delete", "--vault-name", "ask", "-n", "y1", "--yes", "-o", "none"], { tty: true, stdin: answer("n\n") });
    expect(long.code).toBe(0);
    expect(long.stderr).not.toContain("Are you sure");
    expect((await cli(["delete", "--vault-name", "ask", "-n", "y2", "-y", "-o", "none"], { tty: true, stdin: answer("n\n") })).code).toBe(0);
    const configured = await cli(["delete", "--vault-name", "ask", "-n", "y3", "-o", "none"], {
      tty: true,
      stdin: answer("n\n"),
      env: { AZURE_CORE_DISABLE_CONFIRMATION_PROMPT: "true" },
    });
    expect(configured.code).toBe(0);
    expect(configured.stderr).not.toContain("Are you sure");
  });
});

describe("no terminal: never a question (as az)", () => {
  test("stdin not a terminal: delete and purge just run, whatever stdin holds", async () => {
    await makeKey("script");
    const del = await cli(["delete", "--vault-name", "ask", "-n", "script", "-o", "none"], { stdin: answer("n\n") });
    expect(del.code).toBe(0);
    expect(del.stderr).not.toContain("Are you sure");
    const purge = await cli(["purge", "--vault-name", "ask", "-n", "script"]);
    expect(purge).toMatchObject({ code: 0, stdout: "" });
  });

  test("the soft-delete warning still comes first, as az prints it", async () => {
    await makeKey("warned");
    const run = await cli(["delete", "--vault-name", "ask", "-n", "warned", "-o", "none"], { tty: true, stdin: answer("y\n") });
    expect(run.stderr.indexOf("Warning! If you have soft-delete")).toBeLessThan(run.stderr.indexOf("Are you sure"));
  });
});
