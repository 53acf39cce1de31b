import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { runCli } from "../../src/cli/run.js";
import { createSession } from "../../src/cli/session.js";
import { bufferedIO } from "../../src/io/streams.js";
import { shellCompletions } from "../../src/cli/shell/repl.js";
import { commandWords } from "../../src/cli/completion/words.js";
import { redactSecrets } from "../../src/cli/shell/redact.js";

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
    // The first failure's exit code ('nosuch': a usage error), as `bash -e` would have ended with.
    expect(run.code).toBe(2);
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

describe("kvkey shell reading a script (issue 18)", () => {
  test("exits with the first failed command's code; every line still runs; success is 0", async () => {
    const failing = await cli(["shell"], {
      stdin: lines("show --vault-name sh -n missing -o none", "create --vault-name sh -n after-failure --kty EC -o none", "nosuch"),
    });
    expect(failing.code).toBe(3); // show of a missing key, az's 3
    expect((await cli(["show", "--vault-name", "sh", "-n", "after-failure", "-o", "none"])).code).toBe(0);
    const usage = await cli(["shell"], { stdin: lines("list --vault-name sh --bogus", "show --vault-name sh -n missing") });
    expect(usage.code).toBe(2);
    expect((await cli(["shell"], { stdin: lines("list --vault-name sh -o none", "# fine") })).code).toBe(0);
  });

  test("understands exit N (and plain exit, which keeps the first failure's code)", async () => {
    const seven = await cli(["shell"], { stdin: lines("list --vault-name sh -o none", "exit 7", "nosuch") });
    expect(seven).toMatchObject({ code: 7, stderr: "" });
    expect((await cli(["shell"], { stdin: lines("exit 0") })).code).toBe(0);
    expect((await cli(["shell"], { stdin: lines("show --vault-name sh -n missing -o none", "exit") })).code).toBe(3);
    expect((await cli(["shell"], { stdin: lines("quit 300") })).code).toBe(44); // as bash: modulo 256
    const bad = await cli(["shell"], { stdin: lines("exit soon", "list --vault-name sh -o none") });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("ERROR: exit: soon: numeric argument required\n");
  });

  test("a pipe, redirection or chain gets a clear message instead of 'misspelled'", async () => {
    const run = await cli(["shell"], {
      stdin: lines("list --vault-name sh | grep k1", "show --vault-name sh -n k1 > key.json", "list --vault-name sh && echo ok", `list --vault-name sh --query "[?name=='a|b']" -o tsv`),
    });
    expect(run.code).toBe(2);
    const errors = run.stderr.trim().split("\n");
    expect(errors).toEqual([
      "ERROR: kvkey shell runs one kvkey command per line and does not pipe, redirect or chain commands ('|'). Run the line in your system shell instead: kvkey list --vault-name sh | grep k1",
      "ERROR: kvkey shell runs one kvkey command per line and does not pipe, redirect or chain commands ('>'). Run the line in your system shell instead: kvkey show --vault-name sh -n k1 > key.json",
      "ERROR: kvkey shell runs one kvkey command per line and does not pipe, redirect or chain commands ('&&'). Run the line in your system shell instead: kvkey list --vault-name sh && echo ok",
    ]);
    // A '|' inside quotes is part of a value, not a pipe.
    expect(run.stderr).not.toContain("misspelled");
  });

  test("help names real commands: the shell's own way to ask, with a real example", async () => {
    const run = await cli(["shell"], { stdin: lines("help", "help emulator", "? show") });
    expect(run.code).toBe(0);
    const text = run.stdout.replace(/\s+/g, " ");
    expect(text).toContain("Type 'help <command>' for a command's arguments and examples (for example 'help show').");
    expect(text).toContain("Type 'help emulator <command>' for a command's arguments and examples (for example 'help emulator start').");
    expect(text).toContain("kvkey show : Get a key's attributes");
    expect(text).not.toContain("kvkey <command> --help");
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

describe("shell history never keeps a secret", () => {
  test("secret flag values become *** in every spelling; everything else stays as typed", () => {
    expect(redactSecrets("import --vault-name v -n k --pem-file k.pem --pem-password hunter2")).toBe(
      "import --vault-name v -n k --pem-file k.pem --pem-password ***",
    );
    expect(redactSecrets(`import -n k --pem-string "-----BEGIN PRIVATE KEY----- MIIE..." --pem-password='a b' -o none`)).toBe(
      "import -n k --pem-string *** --pem-password=*** -o none",
    );
    expect(redactSecrets("kvkey import -n k --byok-string eyJzY2hlbWFf")).toBe("kvkey import -n k --byok-string ***");
    expect(redactSecrets("az keyvault key encrypt -n k -a RSA-OAEP --value c2VjcmV0 --data-type base64")).toBe(
      "az keyvault key encrypt -n k -a RSA-OAEP --value *** --data-type base64",
    );
    expect(redactSecrets("decrypt -n k -a RSA-OAEP --value=Y2lwaGVy --data-type plaintext")).toBe("decrypt -n k -a RSA-OAEP --value=*** --data-type plaintext");
    expect(redactSecrets("sign -n k -a ES256 --data 'my message'")).toBe("sign -n k -a ES256 --data ***");
    expect(redactSecrets("restore --hsm-name h -t sv=2024&sig=abc --backup-folder b")).toBe("restore --hsm-name h -t *** --backup-folder b");
    expect(redactSecrets("restore --hsm-name h -tsv=2024&sig=abc")).toBe("restore --hsm-name h -t***");
    // An unterminated quote still hides the rest of the value.
    expect(redactSecrets("import -n k --pem-password 'half typed")).toBe("import -n k --pem-password ***");
    // A query that merely mentions a flag, and a rotation policy, are not secrets.
    expect(redactSecrets(`list --query "[?name=='--value x']" -o tsv`)).toBe(`list --query "[?name=='--value x']" -o tsv`);
    expect(redactSecrets(`rotation-policy update -n k --value '{"lifetimeActions":[]}'`)).toBe(`rotation-policy update -n k --value '{"lifetimeActions":[]}'`);
    expect(redactSecrets("show --vault-name v -n k --pem-password")).toBe("show --vault-name v -n k --pem-password");
  });

  test("a secret after a misspelled secret flag is still redacted; known flags and `--` are left alone", () => {
    expect(redactSecrets("import -n k --pem-file k.pem --pem-pass hunter2")).toBe("import -n k --pem-file k.pem --pem-pass ***");
    expect(redactSecrets("import -n k --pem-pasword=hunter2 -o none")).toBe("import -n k --pem-pasword=*** -o none");
    expect(redactSecrets("encrypt -n k -a RSA-OAEP --valeu c2VjcmV0")).toBe("encrypt -n k -a RSA-OAEP --valeu ***");
    expect(redactSecrets("restore --hsm-name h --storage-container-sas-token sv=1&sig=2")).toBe("restore --hsm-name h --storage-container-sas-token ***");
    expect(redactSecrets("show --vault-name v --name k --version abc")).toBe("show --vault-name v --name k --version abc");
    expect(redactSecrets("config set -- core.output=table")).toBe("config set -- core.output=table");
    expect(redactSecrets(`rotation-policy update -n k --valeu '{"a":1}'`)).toBe(`rotation-policy update -n k --valeu '{"a":1}'`);
  });

  test("on a terminal, the history file gets the redacted line, and an old file is scrubbed when the shell starts", async () => {
    const own = tempDataDir();
    try {
      const file = join(own.dir, "shell_history");
      writeFileSync(file, "list --vault-name old\nencrypt --vault-name old -n k -a RSA-OAEP --value b2xkc2VjcmV0\n", { mode: 0o600 });
      // A stream that passes for a terminal, so the shell reads lines the way it does from a person.
      const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin });
      const run = kvkeyShellOn(own.dir, stdin);
      stdin.write("import --vault-name hist -n k --pem-file missing.pem --pem-password hunter2\r");
      stdin.write("encrypt --vault-name hist -n k -a RSA-OAEP --value=c3VwZXJzZWNyZXQ=\r");
      stdin.end("exit\r");
      await run;
      const history = readFileSync(file, "utf8");
      expect(history).not.toMatch(/hunter2|c3VwZXJzZWNyZXQ|b2xkc2VjcmV0/);
      expect(history.split("\n").filter(Boolean)).toEqual([
        "list --vault-name old",
        "encrypt --vault-name old -n k -a RSA-OAEP --value ***",
        "import --vault-name hist -n k --pem-file missing.pem --pem-password ***",
        "encrypt --vault-name hist -n k -a RSA-OAEP --value=***",
      ]);
    } finally {
      own.cleanup();
    }
  });
});

/** `kvkey shell` on a pretend terminal: readline draws on a real stream, which nobody reads. */
async function kvkeyShellOn(dir: string, stdin: NodeJS.ReadableStream): Promise<number> {
  const screen = new PassThrough().resume();
  const io = bufferedIO({ env: { KVKEY_HOME: dir }, stdin, stdout: screen, isStdinTTY: true, isStdoutTTY: true, isStderrTTY: true });
  const code = await runCli(["shell"], io);
  expect(io.err()).toContain("kvkey shell: kvkey's commands without 'kvkey'");
  return code;
}

/** `kvkey shell` on a pretend terminal the test types into and reads; waits poll what was written. */
function pretendTerminal(dir: string) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin });
  let screenText = "";
  const screen = new PassThrough();
  screen.on("data", (chunk: Buffer) => (screenText += chunk.toString("utf8")));
  const io = bufferedIO({ env: { KVKEY_HOME: dir }, stdin, stdout: screen, isStdinTTY: true, isStdoutTTY: true, isStderrTTY: true });
  const done = runCli(["shell"], io);
  const all = () => screenText + io.err();
  return {
    type: (text: string) => void stdin.write(text),
    end: (text: string) => stdin.end(text),
    all,
    err: () => io.err(),
    async waitFor(expected: string | RegExp): Promise<void> {
      const deadline = Date.now() + 20_000;
      while (!(typeof expected === "string" ? all().includes(expected) : expected.test(all()))) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(expected)}:\n${all()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    done,
  };
}

describe("kvkey shell on a terminal", () => {
  test("Ctrl-C at a y/N question cancels the command (issue 18)", async () => {
    const own = tempDataDir();
    try {
      const c = cliIn(own.dir);
      await c(["create", "--vault-name", "cc", "-n", "kept", "--kty", "EC", "-o", "none"]);
      const term = pretendTerminal(own.dir);
      term.type("delete --vault-name cc -n kept -o none\r");
      await term.waitFor("Are you sure you want to delete the key 'kept' from cc.vault.localhost? (y/N): ");
      term.type("y\x03"); // a half-typed answer, then Ctrl-C
      await term.waitFor("Operation cancelled.");
      term.end("exit\r");
      expect(await term.done).toBe(0);
      expect((await c(["show", "--vault-name", "cc", "-n", "kept", "-o", "none"])).code).toBe(0);
    } finally {
      own.cleanup();
    }
  });

  test("Ctrl-C after Enter but before the command starts: it does not run, and says so", async () => {
    const own = tempDataDir();
    try {
      const term = pretendTerminal(own.dir);
      // Enter and Ctrl-C arrive together, as when both are pressed at once.
      term.type("create --vault-name cc -n never --kty EC -o none\r\x03");
      await term.waitFor("Not run: Ctrl-C came before 'create' started, so no key was created.");
      term.type("create --vault-name cc -n later --kty EC -o none\r");
      await term.waitFor(/Created the local key vault/);
      term.end("exit\r");
      expect(await term.done).toBe(0);
      const c = cliIn(own.dir);
      expect((await c(["show", "--vault-name", "cc", "-n", "never", "-o", "none"])).code).toBe(3);
      expect((await c(["show", "--vault-name", "cc", "-n", "later", "-o", "none"])).code).toBe(0);
    } finally {
      own.cleanup();
    }
  });

  test("Ctrl-R finds an earlier command as typed; Enter runs it; history lists the session, secrets hidden", async () => {
    const own = tempDataDir();
    try {
      const c = cliIn(own.dir);
      await c(["create", "--vault-name", "rs", "-n", "found", "--kty", "EC", "-o", "none"]);
      writeFileSync(join(own.dir, "shell_history"), "show --vault-name rs -n found --query key.crv -o tsv\nlist --vault-name rs -o none\n", { mode: 0o600 });
      const term = pretendTerminal(own.dir);
      await term.waitFor("kvkey> ");
      term.type("\x12crv");
      await term.waitFor("(reverse-i-search)`crv': show --vault-name rs -n found --query key.crv -o tsv");
      term.type("\r");
      await term.waitFor("P-256\n");
      term.type("\x12zzz");
      await term.waitFor("(failed reverse-i-search)`zzz'");
      term.type("\x07"); // Ctrl-G: give up, the line is as it was (empty)
      term.type("encrypt --vault-name rs -n found -a RSA-OAEP --value c2VjcmV0 -o none\r");
      term.type("history 3\r");
      // Numbered oldest first; the search moved the line it found to the newest place (no duplicates).
      await term.waitFor(
        / {2}2 {2}show --vault-name rs -n found --query key\.crv -o tsv\n {2}3 {2}encrypt --vault-name rs -n found -a RSA-OAEP --value \*\*\* -o none\n {2}4 {2}history 3\n/,
      );
      term.end("exit\r");
      expect(await term.done).toBe(0);
      expect(term.all()).not.toMatch(/ +\d+ {2}.*c2VjcmV0/);
    } finally {
      own.cleanup();
    }
  });
});
