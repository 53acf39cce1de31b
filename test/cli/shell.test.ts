import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { runCli } from "../../src/cli/run.js";
import { createSession } from "../../src/cli/session.js";
import { bufferedIO } from "../../src/io/streams.js";
import { shellCompletions } from "../../src/cli/shell/repl.js";
import { commandWords } from "../../src/cli/completion/words.js";

// `kvkey shell` driven through the real entry point by feeding its input stream (test/e2e/terminal.test.ts
// drives it on a real terminal with tmux), and the session that keeps one set of vault clients open.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
beforeAll(() => {
  home = tempDataDir();
  cli = cliIn(home.dir);
});
afterAll(() => home.cleanup());

const lines = (...commands: string[]) => Readable.from([commands.map((c) => `${c}\n`).join("")]);

describe("kvkey shell, fed a stream", () => {
  test("runs each line as a command without the kvkey prefix, in order, then ends at end of input", async () => {
    const run = await cli(["shell"], {
      stdin: lines(
        "create --vault-name sh -n k1 --kty EC -o none",
        "kvkey create --vault-name sh -n k2 --kty EC -o none",
        "list --vault-name sh --query \"[?name=='k2'].name\" -o tsv",
        "",
        "# a comment",
        "az keyvault key show --vault-name sh -n k1 --query key.kty -o tsv",
      ),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("k2\nEC\n");
    // No prompt and no banner when the input is not a terminal.
    expect(run.stderr).not.toContain("kvkey>");
    expect(run.stderr).toContain("Created the local key vault https://sh.vault.localhost");
    // Nothing typed into a pipe is history.
    expect(existsSync(join(home.dir, "shell_history"))).toBe(false);
  });

  test("errors are reported and the shell goes on; help, exit", async () => {
    const run = await cli(["shell"], {
      stdin: lines("nosuch", "show --vault-name sh -n missing", "list --vault-name 'unterminated", "help cloud", "shell", "exit", "list --vault-name sh"),
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("ERROR: 'nosuch' is misspelled or not recognized by the system.");
    expect(run.stderr).toContain("(KeyNotFound)");
    expect(run.stderr).toContain("ERROR: unterminated single quote");
    expect(run.stderr).toContain("This is already a kvkey shell.");
    expect(run.stdout).toContain("kvkey cloud : Manage the clouds");
    // Nothing after exit ran.
    expect(run.stdout).not.toContain('"name": "k1"');
  });

  test("a confirmation question reads the next line of the shell's own input", async () => {
    await cli(["create", "--vault-name", "sh", "-n", "asked", "--kty", "EC", "-o", "none"]);
    const stdin = new PassThrough();
    stdin.end("delete --vault-name sh -n asked -o none\nn\nshow --vault-name sh -n asked --query key.kty -o tsv\ndelete --vault-name sh -n asked -o none\ny\n");
    const run = await cli(["shell"], { stdin, tty: true });
    expect(run.stderr.match(/Are you sure you want to delete the key 'asked'/g)).toHaveLength(2);
    expect(run.stderr).toContain("Operation cancelled.");
    expect(run.stdout).toBe("EC\n");
    expect((await cli(["show", "--vault-name", "sh", "-n", "asked", "-o", "none"])).code).toBe(3);
  });

  test("inside a shell, config changes apply to the next command", async () => {
    const run = await cli(["shell"], {
      stdin: lines("config set defaults.vault=sh core.output=tsv", "show -n k1 --query key.kty", "config unset defaults.vault core.output", "show -n k1"),
    });
    expect(run.stdout).toBe("EC\n");
    expect(run.stderr).toContain("incorrect usage: --id ID");
  });
});

describe("the session", () => {
  test("commands in a session share one set of vault clients, made once and closed by the session", async () => {
    const session = createSession();
    let made = 0;
    let closed = 0;
    const clients = session.clients.bind(session);
    session.clients = (make) =>
      clients(async (debug) => {
        made++;
        const real = await make(debug);
        return { ...real, close: () => (closed++, real.close()) };
      });
    const io = bufferedIO({ env: { KVKEY_HOME: home.dir } });
    for (const name of ["s1", "s2", "s3"]) {
      expect(await runCli(["create", "--vault-name", "sess", "-n", name, "--kty", "EC", "-o", "none"], io, { session })).toBe(0);
    }
    expect(await runCli(["list", "--vault-name", "sess", "--query", "length(@)", "-o", "tsv", "--debug"], io, { session })).toBe(0);
    expect(io.out()).toBe("3\n");
    expect(io.err()).toContain("DEBUG: Request: GET https://sess.vault.localhost/keys");
    expect(made).toBe(1);
    expect(closed).toBe(0);
    // --debug was for that command only.
    const debugLines = io.err().split("\n").filter((l) => l.startsWith("DEBUG:")).length;
    expect(await runCli(["show", "--vault-name", "sess", "-n", "s1", "-o", "none"], io, { session })).toBe(0);
    expect(io.err().split("\n").filter((l) => l.startsWith("DEBUG:")).length).toBe(debugLines);
    await session.close();
    expect(closed).toBe(1);
  });

  test("runCli(argv, io) without a session still closes its own clients every time", async () => {
    const io = bufferedIO({ env: { KVKEY_HOME: home.dir } });
    expect(await runCli(["list", "--vault-name", "sess", "--query", "length(@)", "-o", "tsv"], io)).toBe(0);
    expect(io.out()).toBe("3\n");
  });

  test("Tab in the shell completes from the same engine, with the session's vault", async () => {
    const session = createSession();
    const io = bufferedIO({ env: { KVKEY_HOME: home.dir } });
    const make = () =>
      session.clients(async (debug) => (await import("../../src/vault-client/factory.js")).createVaultClients({ home: home.dir, env: io.env, debug }));
    expect(await shellCompletions("show --vault-name sess -n s", io, home.dir, make)).toEqual([["s1", "s2", "s3"], "s"]);
    expect(await shellCompletions("show --vault-name sess -n s2", io, home.dir, make)).toEqual([["s2 "], "s2"]);
    expect(await shellCompletions("lis", io, home.dir, make)).toEqual([["list", "list-deleted", "list-versions"], "lis"]);
    expect(await shellCompletions("config set core.output=t", io, home.dir, make)).toEqual([["core.output=table", "core.output=tsv"], "core.output=t"]);
    expect(await shellCompletions("kvkey show --vault-n", io, home.dir, make)).toEqual([["--vault-name "], "--vault-n"]);
    await session.close();
  });
});

describe("command words", () => {
  test("quotes and backslashes as a POSIX shell reads them", () => {
    expect(commandWords(`list --query "[?name=='a b'].name" -o tsv`)).toEqual(["list", "--query", "[?name=='a b'].name", "-o", "tsv"]);
    expect(commandWords(`a 'it''s' "say \\"hi\\"" b\\ c`)).toEqual(["a", "its", 'say "hi"', "b c"]);
    expect(() => commandWords(`a "open`)).toThrow("unterminated double quote");
  });
});
