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
  expect(io.err()).toContain("kvkey shell: commands without 'kvkey'");
  return code;
}
