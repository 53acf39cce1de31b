import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { patient } from "../helpers/patience.js";
import { tempDataDir } from "../helpers/emulator.js";
import { runCli } from "../../src/cli/run.js";
import { createSession } from "../../src/cli/session.js";
import { bufferedIO } from "../../src/io/streams.js";
import { startEmulator, type ServedEmulator } from "../../src/emulator/server.js";

// The built binary on a real terminal: tmux runs `kvkey shell` (and an interactive bash with the
// completion script), the test types with send-keys — Tab included — and reads the screen with
// capture-pane. `.ci/run` installs tmux; without it these tests are skipped, saying so.

const BIN = fileURLToPath(new URL("../../dist/kvkey.js", import.meta.url));
const HAS_TMUX = spawnSync("tmux", ["-V"]).status === 0;
// A private tmux server (its own socket), so no session of the person running the tests is touched.
const SOCKET = `kvkey-e2e-${process.pid}`;

let home: { dir: string; cleanup: () => void };
let binDir: string;
let served: ServedEmulator | undefined;

function tmux(...args: string[]): string {
  return execFileSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });
}

function screen(target: string): string {
  return tmux("capture-pane", "-p", "-t", target);
}

/** The screen with lines the terminal wrapped joined again (long messages). */
function joinedScreen(target: string): string {
  return tmux("capture-pane", "-p", "-J", "-t", target);
}

async function waitFor(target: string, expected: RegExp | string, timeoutMs = 15_000, read = screen): Promise<string> {
  const deadline = Date.now() + patient(timeoutMs);
  for (;;) {
    const text = read(target);
    if (typeof expected === "string" ? text.includes(expected) : expected.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(expected)}; the screen:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Types text literally (no key names), then the given keys (Enter, Tab, ...). */
function type(target: string, text: string, ...keys: string[]): void {
  if (text) tmux("send-keys", "-t", target, "-l", "--", text);
  if (keys.length) tmux("send-keys", "-t", target, ...keys);
}

function start(name: string, command: string, extraEnv = ""): void {
  const env = `env -i HOME=${home.dir} KVKEY_HOME=${home.dir} PATH=${binDir}:${process.env.PATH} TERM=xterm-256color NO_COLOR=1 ${extraEnv}`;
  tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", `${env} ${command}`);
  tmux("set-option", "-t", name, "remain-on-exit", "on");
}

function paneDead(target: string): boolean {
  return tmux("display-message", "-p", "-t", target, "#{pane_dead}").trim() === "1";
}


beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` (npm test does) first`);
  home = tempDataDir();
  binDir = join(home.dir, "bin");
  mkdirSync(binDir);
  // `kvkey` on PATH, as an installed binary is.
  writeFileSync(join(binDir, "kvkey"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(binDir, "kvkey"), 0o755);
});

afterAll(async () => {
  await served?.close();
  if (HAS_TMUX) {
    // The panes' processes (started by this test) must be gone before their directory is removed.
    const panes = spawnSync("tmux", ["-L", SOCKET, "list-panes", "-a", "-F", "#{pane_pid}"], { encoding: "utf8" });
    const pids = (panes.stdout ?? "").split("\n").filter(Boolean).map(Number);
    spawnSync("tmux", ["-L", SOCKET, "kill-server"]);
    const deadline = Date.now() + patient(5000);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }
  if (home) rmSync(home.dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
});

test.runIf(!HAS_TMUX)("terminal tests need tmux (apt-get install tmux; .ci/run installs it): skipped", () => {
  console.warn("tmux is not installed: the kvkey shell and completion terminal tests were skipped.");
});

describe.skipIf(!HAS_TMUX)("on a terminal (tmux)", () => {
  test("kvkey shell: commands, Tab completion of commands, flags and key names, history across sessions", async () => {
    start("sh1", "kvkey shell");
    await waitFor("sh1", /^kvkey>\s*$/m);

    type("sh1", "create --vault-name tmx -n alpha --kty EC -o none", "Enter");
    await waitFor("sh1", "Created the local key vault https://tmx.vault.localhost");
    type("sh1", "create --vault-name tmx -n beta -o none", "Enter");
    await waitFor("sh1", /beta -o none\nkvkey>\s*$/m);

    // A key name from the vault: "al" + Tab becomes "alpha " (the shell holds the vault open).
    type("sh1", "show --vault-name tmx -n al", "Tab");
    await waitFor("sh1", "kvkey> show --vault-name tmx -n alpha");
    type("sh1", "-o table", "Enter"); // Tab put the space after the name
    await waitFor("sh1", "kvkey> show --vault-name tmx -n alpha -o table\n");
    await waitFor("sh1", /alpha\s+EC\s+P-256\s+True/);

    // A flag, then an allowed value.
    type("sh1", "list --vault-na", "Tab");
    await waitFor("sh1", "kvkey> list --vault-name");
    type("sh1", "tmx -o ts", "Tab");
    await waitFor("sh1", "kvkey> list --vault-name tmx -o tsv");
    type("sh1", "--query [].name", "Enter");
    await waitFor("sh1", /\[\]\.name\nalpha\nbeta\nkvkey>\s*$/m);

    // Two Tabs list the choices, as in bash.
    type("sh1", "list-", "Tab");
    // A person's two presses, not one burst: the first completion has nothing to show (the prefix is
    // already "list-"), so there is no screen change to wait for; the pause grows with the machine's load.
    await new Promise((r) => setTimeout(r, patient(500)));
    type("sh1", "", "Tab");
    await waitFor("sh1", /list-deleted\s+list-versions/);
    type("sh1", "", "C-u");

    // A secret typed on the line runs as typed but reaches the history file as ***.
    type("sh1", "sign --vault-name tmx -n alpha -a ES256 --data 'my secret text' -o none", "Enter");
    await waitFor("sh1", /'my secret text' -o none\nkvkey>\s*$/m);

    // A question before delete, answered on the terminal.
    type("sh1", "delete --vault-name tmx -n beta -o none", "Enter");
    await waitFor("sh1", "Are you sure you want to delete the key 'beta' from tmx.vault.localhost? (y/N):");
    type("sh1", "n", "Enter");
    await waitFor("sh1", "Operation cancelled.");

    type("sh1", "", "C-d");
    const deadline = Date.now() + patient(10_000);
    while (!paneDead("sh1") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(paneDead("sh1")).toBe(true);

    const history = readFileSync(join(home.dir, "shell_history"), "utf8").split("\n");
    expect(history).toContain("show --vault-name tmx -n alpha -o table");
    expect(history).toContain("delete --vault-name tmx -n beta -o none");
    expect(history).not.toContain("n"); // an answer is not a command
    expect(history).toContain("sign --vault-name tmx -n alpha -a ES256 --data *** -o none");
    expect(history.join("\n")).not.toContain("my secret text");

    // A new session recalls the last command with the up arrow.
    start("sh2", "kvkey shell");
    await waitFor("sh2", /^kvkey>\s*$/m);
    type("sh2", "", "Up");
    await waitFor("sh2", "kvkey> delete --vault-name tmx -n beta -o none");
    type("sh2", "", "C-u");
    type("sh2", "exit", "Enter");
    while (!paneDead("sh2") && Date.now() < deadline + patient(10_000)) await new Promise((r) => setTimeout(r, 100));
    expect(paneDead("sh2")).toBe(true);
  });

  test("kvkey shell: help in its own words, clear, a pipe named, Ctrl-R, history, Ctrl-C at a question and around a create, exit N", async () => {
    // This shell reaches the same data directory through a served emulator whose fault rule holds the
    // create of 'slow' for a while, so a Ctrl-C lands while a create is under way however fast or busy
    // the machine is (below).
    served = await startEmulator({ dataDir: home.dir, port: 0, workers: 1, faults: ["op=createKey,key=slow,delay=8s"] });
    // sh reports the shell's exit status on the screen when it ends.
    start("sh3", `sh -c 'kvkey shell; echo "kvkey shell exited with status $?"'`, `KVKEY_EMULATOR_URL=${served.url}`);
    await waitFor("sh3", /^kvkey>\s*$/m);

    type("sh3", "help", "Enter");
    await waitFor("sh3", "Type 'help <command>' for a command's arguments and examples (for example 'help show').", 15_000, joinedScreen);
    type("sh3", "clear", "Enter");
    await waitFor("sh3", /^kvkey>\s*$/); // the prompt alone, on the first line of an empty screen
    expect(screen("sh3")).not.toContain("Type 'help");

    type("sh3", "list --vault-name tmx | grep alpha", "Enter");
    await waitFor("sh3", "does not pipe, redirect or chain commands ('|'). Run the line in your system shell instead: kvkey list --vault-name tmx | grep alpha", 15_000, joinedScreen);

    // Ctrl-R: the history of the first sessions, searched as typed.
    type("sh3", "", "C-r");
    await waitFor("sh3", "(reverse-i-search)`':");
    type("sh3", "alpha -o t");
    await waitFor("sh3", "(reverse-i-search)`alpha -o t': show --vault-name tmx -n alpha -o table");
    type("sh3", "", "Enter");
    await waitFor("sh3", /alpha\s+EC\s+P-256\s+True/);

    type("sh3", "history", "Enter");
    await waitFor("sh3", /^ +\d+ {2}sign --vault-name tmx -n alpha -a ES256 --data \*\*\* -o none$/m);
    await waitFor("sh3", /^ +\d+ {2}history$/m);

    // Ctrl-C at the y/N question cancels the delete.
    type("sh3", "delete --vault-name tmx -n beta -o none", "Enter");
    await waitFor("sh3", `Are you sure you want to delete the key 'beta' from tmx.vault.localhost:${served!.port}? (y/N):`);
    type("sh3", "", "C-c");
    await waitFor("sh3", "Operation cancelled.");

    // Enter and Ctrl-C pressed together: the create never starts, and the shell says so.
    type("sh3", "create --vault-name tmx -n never --kty EC -o none", "Enter", "C-c");
    await waitFor("sh3", "Not run: Ctrl-C came before 'create' started, so no key was created.");

    // Ctrl-C while a create is under way (the spinner shows it is; the served emulator holds it for 8 s):
    // the shell says the key was still created.
    type("sh3", "create --vault-name tmx -n slow --kty EC -o none", "Enter");
    await waitFor("sh3", "Creating EC key 'slow'", 15_000, joinedScreen);
    type("sh3", "", "C-c");
    await waitFor("sh3", "Ctrl-C came after 'create' had started: it completed, and the key was created.", 60_000, joinedScreen);
    await waitFor("sh3", /^kvkey>\s*$/m);
    type("sh3", "show --vault-name tmx -n slow --query key.kty -o tsv", "Enter");
    await waitFor("sh3", /^EC$/m);

    type("sh3", "exit 3", "Enter");
    await waitFor("sh3", "kvkey shell exited with status 3");
    expect(existsSync(join(home.dir, "shell_history"))).toBe(true);
  }, 240_000);

  test("bash with `source <(kvkey completion bash)`: commands, key names, config values after '='; delete asks", async () => {
    start("bash", "bash --norc --noprofile -i");
    type("bash", "PS1='$ '; source <(kvkey completion bash)", "Enter");
    await waitFor("bash", /^\$\s*$/m);

    type("bash", "kvkey cre", "Tab");
    await waitFor("bash", "$ kvkey create");
    type("bash", "--kty", "Enter"); // completed with the space after it
    await waitFor("bash", "$ kvkey create --kty\n");
    await waitFor("bash", /^\$\s*$/m);

    type("bash", "kvkey show --vault-name tmx -n alp", "Tab");
    await waitFor("bash", "$ kvkey show --vault-name tmx -n alpha");
    type("bash", "", "C-u");

    type("bash", "kvkey config set core.output=ta", "Tab");
    await waitFor("bash", "$ kvkey config set core.output=table");
    type("bash", "", "C-u");

    type("bash", "kvkey config set core.no", "Tab");
    await waitFor("bash", "$ kvkey config set core.no_color=");
    type("bash", "t", "Tab"); // no space after '=': the value follows directly
    await waitFor("bash", "$ kvkey config set core.no_color=true");
    type("bash", "", "C-u");

    // Outside the shell too, delete asks on a terminal; 'n' cancels with exit 1.
    type("bash", "kvkey delete --vault-name tmx -n alpha -o none; echo EXIT=$?", "Enter");
    await waitFor("bash", "Are you sure you want to delete the key 'alpha' from tmx.vault.localhost? (y/N):");
    type("bash", "n", "Enter");
    await waitFor("bash", /ERROR: Operation cancelled\.\nEXIT=1\n/);
    tmux("kill-session", "-t", "bash");
  });

  test("bash: key names are matched to what was typed before the 500-name cap counts them", async () => {
    // 520 keys, made in one warm session; the one wanted sorts last.
    const session = createSession();
    const io = bufferedIO({ env: { KVKEY_HOME: home.dir } });
    try {
      for (let i = 0; i < 520; i++) {
        const name = i === 519 ? "zz-last" : `key-${String(i).padStart(3, "0")}`;
        expect(await runCli(["create", "--vault-name", "many", "-n", name, "--kty", "EC", "-o", "none"], io, { session })).toBe(0);
      }
    } finally {
      await session.close();
    }
    start("bash2", "bash --norc --noprofile -i");
    // Listing 520 keys can take longer than Tab's usual two seconds on a busy machine; the limit is
    // not what this test is about.
    type("bash2", "PS1='$ '; export KVKEY_COMPLETION_TIMEOUT=120; source <(kvkey completion bash)", "Enter");
    await waitFor("bash2", /^\$\s*$/m);
    type("bash2", "kvkey show --vault-name many -n zz", "Tab");
    await waitFor("bash2", "$ kvkey show --vault-name many -n zz-last");
    type("bash2", "", "C-u");
    tmux("kill-session", "-t", "bash2");
  }, 120_000);
});
