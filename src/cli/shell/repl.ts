import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createInterface, type Interface } from "node:readline";
import { join, resolve } from "node:path";
import type { CliIO } from "../../io/streams.js";
import type { VaultClients } from "../../vault-client/factory.js";
import type { CommandContext } from "../context.js";
import { ensureHome } from "../config.js";
import { tightenMode } from "../../shared/files.js";
import { loadSettings } from "../settings.js";
import { createSession, type CliSession } from "../session.js";
import { complete } from "../completion/engine.js";
import { vaultLookups } from "../completion/dynamic.js";
import { commandWords, completionWords } from "../completion/words.js";
import { redactSecrets } from "./redact.js";
import { escapeControl } from "../../output/control-chars.js";

// `kvkey shell`: read a line, run it through runCli in this process with a long-lived session, repeat.
// On a terminal: a prompt, Tab completion from the same engine as the shell scripts, and history kept
// in $KVKEY_HOME/shell_history (secret flag values redacted, see redact.ts). From a pipe or file: no
// prompt, no history, just the commands in order.

const PROMPT = "kvkey> ";
const HISTORY_FILE = "shell_history";
const HISTORY_SIZE = 1000;

/** Lines from readline, consumed in order by the loop and by confirmation questions alike. */
class LineQueue {
  private readonly queued: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private ended = false;

  push(line: string): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting(line);
    else this.queued.push(line);
  }

  end(): void {
    this.ended = true;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(undefined);
  }

  next(): Promise<string | undefined> {
    if (this.queued.length) return Promise.resolve(this.queued.shift());
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}

export async function runShell(ctx: CommandContext): Promise<void> {
  const { io, home } = ctx;
  const input = io.stdin;
  if (!input) throw new Error("kvkey shell needs an input stream");
  const interactive = io.isStdinTTY && typeof (input as { setRawMode?: unknown }).setRawMode === "function";
  const historyFile = join(home, HISTORY_FILE);

  const makeClients = async (debug: (line: string) => void): Promise<VaultClients> => {
    const { createVaultClients } = await import("../../vault-client/factory.js");
    return createVaultClients({ home, env: io.env, debug });
  };
  let session: CliSession | undefined;
  const rl: Interface = createInterface({
    input,
    ...(interactive ? { output: io.stdout as NodeJS.WritableStream } : {}),
    terminal: interactive,
    history: interactive ? loadHistory(historyFile).reverse() : [],
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    ...(interactive
      ? {
          completer: (line: string, callback: (err: null, result: [string[], string]) => void) => {
            shellCompletions(line, io, home, () => session!.clients(makeClients)).then(
              (result) => callback(null, result),
              () => callback(null, [[], line]),
            );
          },
        }
      : {}),
  });
  const lines = new LineQueue();
  rl.on("line", (line) => lines.push(line));
  rl.on("close", () => lines.end());

  const read = (prompt: string): Promise<string | undefined> => {
    if (interactive) {
      rl.setPrompt(prompt);
      rl.prompt();
    }
    return lines.next();
  };
  session = createSession({
    async ask(question) {
      if (!interactive) io.stderr.write(question);
      const answer = await read(question);
      // An answer to a question is not a command to recall with the up arrow.
      const history = (rl as unknown as { history?: string[] }).history;
      if (answer !== undefined && history?.[0] === answer) history.shift();
      return answer;
    },
  });

  // Ctrl-C: stops a command that listens for it (emulator start); at the prompt, clears the line.
  const interruptHandlers = new Set<() => void>();
  let running = false;
  rl.on("SIGINT", () => {
    if (running) {
      for (const handler of [...interruptHandlers]) handler();
      return;
    }
    const typed = (rl as unknown as { line?: string }).line ?? "";
    io.stdout.write(typed ? "^C\n" : "^C  (type exit or press Ctrl-D to leave)\n");
    rl.write(null, { ctrl: true, name: "e" });
    rl.write(null, { ctrl: true, name: "u" });
    rl.prompt();
  });

  if (interactive) {
    io.stderr.write(
      "kvkey shell: commands without 'kvkey' (list --vault-name demo), 'help', Tab to complete.\n" +
        "The vault stays open between commands; 'exit' or Ctrl-D leaves.\n",
    );
  }
  try {
    for (;;) {
      const line = await read(PROMPT);
      if (line === undefined) {
        if (interactive) io.stdout.write("\n");
        break;
      }
      const text = line.trim();
      if (text === "" || text.startsWith("#")) continue;
      if (text === "exit" || text === "quit") break;
      if (interactive && !line.startsWith(" ")) saveHistory(historyFile, home, text);
      let argv: string[];
      try {
        argv = commandWords(text);
      } catch (err) {
        io.stderr.write(`ERROR: ${escapeControl((err as Error).message)}\n`);
        continue;
      }
      if (argv[0] === "kvkey") argv.shift();
      if (argv[0] === "help" || argv[0] === "?") argv = argv.length > 1 ? [...argv.slice(1), "--help"] : [];
      if (argv[0] === "shell") {
        io.stderr.write("This is already a kvkey shell.\n");
        continue;
      }
      running = true;
      try {
        await ctx.runCli(argv, commandIO(io, interruptHandlers), { session });
      } finally {
        running = false;
        interruptHandlers.clear();
      }
    }
  } finally {
    rl.close();
    await session.close();
  }
}

/** The IO for one command: the terminal's width now (it may have been resized), Ctrl-C from readline. */
function commandIO(io: CliIO, handlers: Set<() => void>): CliIO {
  const out: CliIO = {
    ...io,
    onInterrupt(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  };
  const columns = (io.stdout as { columns?: number }).columns;
  if (io.isStdoutTTY && columns) out.columns = columns;
  return out;
}

/** Tab in the shell: the completion engine's candidates for the word before the cursor. */
export async function shellCompletions(
  line: string,
  io: CliIO,
  home: string,
  clients: () => Promise<VaultClients>,
): Promise<[string[], string]> {
  const { words, current, currentRaw } = completionWords(line);
  const lookups = vaultLookups({ home, env: io.env, settings: loadSettings(io.env, home), clients });
  const result = await complete(words, current, lookups);
  if (result.files) return [fileNames(current, io.cwd), currentRaw];
  const hits = result.candidates.map((c) => c.value);
  // A single answer is taken whole: add the space the next word needs (not after `key=`).
  if (hits.length === 1 && !hits[0]!.endsWith("=")) return [[`${hits[0]} `], currentRaw];
  return [hits, currentRaw];
}

function fileNames(prefix: string, cwd: string): string[] {
  const slash = prefix.lastIndexOf("/");
  const dir = slash >= 0 ? prefix.slice(0, slash + 1) : "";
  const start = prefix.slice(slash + 1);
  try {
    const base = resolve(cwd, dir || ".");
    return readdirSync(base)
      .filter((name) => name.startsWith(start) && (start.startsWith(".") || !name.startsWith(".")))
      .sort()
      .map((name) => {
        const isDir = (() => {
          try {
            return statSync(join(base, name)).isDirectory();
          } catch {
            return false;
          }
        })();
        return `${dir}${name}${isDir ? "/" : ""}`;
      });
  } catch {
    return [];
  }
}

function loadHistory(file: string): string[] {
  if (!existsSync(file)) return [];
  tightenMode(file, 0o600);
  try {
    const stored = readFileSync(file, "utf8").split("\n").filter(Boolean);
    // A history written before secrets were redacted is cleaned the first time it is read.
    const lines = stored.map(redactSecrets);
    const scrubbed = lines.some((line, i) => line !== stored[i]);
    if (scrubbed || lines.length > 2 * HISTORY_SIZE) writeFileSync(file, lines.slice(-HISTORY_SIZE).join("\n") + "\n", { mode: 0o600 });
    return lines.slice(-HISTORY_SIZE);
  } catch {
    return [];
  }
}

function saveHistory(file: string, home: string, line: string): void {
  try {
    ensureHome(home);
    appendFileSync(file, `${redactSecrets(line)}\n`, { mode: 0o600 });
    tightenMode(file, 0o600);
  } catch {
    // History is a convenience: a read-only home must not stop the shell.
  }
}
