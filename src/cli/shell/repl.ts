import { readdirSync, statSync } from "node:fs";
import { createInterface, type Interface } from "node:readline";
import { join, resolve } from "node:path";
import type { CliIO } from "../../io/streams.js";
import type { VaultClients } from "../../vault-client/factory.js";
import type { CommandContext } from "../context.js";
import { loadSettings } from "../settings.js";
import { createSession, type CliSession } from "../session.js";
import { complete } from "../completion/engine.js";
import { vaultLookups } from "../completion/dynamic.js";
import { commandWords, completionWords } from "../completion/words.js";
import { installReverseSearch } from "./search.js";
import { INTERRUPTED, LineQueue, type Entered } from "./line-queue.js";
import { HISTORY_FILE, HISTORY_SIZE, loadHistory, printHistory, saveHistory } from "./history.js";
import { ExitStatus } from "../errors.js";
import { COMMAND_INDEX } from "../command-index.generated.js";
import { findCommand } from "../lookup.js";
import { escapeControl } from "../../shared/control-chars.js";

// `kvkey shell`: read a line, run it through runCli in this process with a long-lived session, repeat.
// On a terminal: a prompt, Tab completion from the same engine as the shell scripts, Ctrl-R search
// (search.ts), and history kept in $KVKEY_HOME/shell_history (secret flag values redacted, see
// redact.ts). From a pipe or file: no prompt, no history, the commands in order, and the exit status
// of the first command that failed (or `exit N`'s), so a script's caller sees the failure.

const PROMPT = "kvkey> ";

/**
 * What a command's success or failure means, for the line kvkey prints when Ctrl-C came while it ran
 * (a request already sent cannot be called back) or before it started (it never ran).
 */
const OUTCOMES: Record<string, [done: string, notDone: string]> = {
  create: ["the key was created", "no key was created"],
  import: ["the key was imported", "no key was imported"],
  delete: ["the key was deleted", "the key was not deleted"],
  purge: ["the key was purged", "the key was not purged"],
  recover: ["the key was recovered", "the key was not recovered"],
  restore: ["the key was restored", "no key was restored"],
  rotate: ["a new version of the key was created", "no new version was created"],
  "set-attributes": ["the key was updated", "the key was not changed"],
  "rotation-policy update": ["the rotation policy was updated", "the rotation policy was not changed"],
  backup: ["the backup was written", "no backup was written"],
  "emulator vault create": ["the vault was created or changed", "the vault was not changed"],
  "emulator vault delete": ["the vault was deleted", "the vault was not deleted"],
};

/** "create", "rotation-policy update": the command a line runs, for messages. */
function commandName(argv: readonly string[]): string {
  const words = [...argv];
  if (words[0] === "az") words.shift();
  if (words[0] === "keyvault" && words[1] === "key") words.splice(0, 2);
  const found = findCommand(COMMAND_INDEX, words);
  return found ? found.command.path.join(" ") : (words[0] ?? "");
}

/**
 * The shell runs kvkey commands only. A pipe, redirection or chain outside quotes (`list | grep x`,
 * `show > key.json`, `a && b`, `$(...)`) is named instead of being passed on as arguments.
 */
export function shellOperator(line: string): string | undefined {
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (quote === '"' && ch === "\\") i++;
      continue;
    }
    if (ch === "\\") {
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      continue;
    }
    const two = line.slice(i, i + 2);
    if (["&&", "||", ">>", "$("].includes(two)) return two;
    if ("|><;`&".includes(ch)) return ch;
  }
  return undefined;
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
  if (interactive) installReverseSearch(rl);
  const history = () => (rl as unknown as { history?: string[] }).history ?? [];

  // Where the session is: at the prompt, running a command, or asking a question of the command's.
  let asking = false;
  let running: string | undefined;
  let interruptedRunning = false;
  let interrupts = 0; // Ctrl-C presses so far; a line entered before the latest one does not run
  let waitingLines = 0; // lines entered for the loop and not yet taken by it
  const lines = new LineQueue();
  rl.on("line", (text) => {
    if (!asking) waitingLines++;
    lines.push({ text, interrupts, forLoop: !asking });
  });
  const taken = (entered: Entered) => {
    if (entered.forLoop) waitingLines = Math.max(0, waitingLines - 1);
  };
  rl.on("close", () => lines.end());

  const read = (prompt: string) => {
    if (interactive) {
      rl.setPrompt(prompt);
      rl.prompt();
    }
    return lines.next();
  };
  session = createSession({
    async ask(question) {
      if (!interactive) io.stderr.write(question);
      asking = true;
      try {
        const answer = await read(question);
        // Ctrl-C (or the end of input) is no answer: the command is cancelled.
        if (answer === undefined || answer === INTERRUPTED) return undefined;
        taken(answer); // a line typed ahead at the prompt can answer the question
        // An answer to a question is not a command to recall with the up arrow.
        if (history()[0] === answer.text) history().shift();
        return answer.text;
      } finally {
        asking = false;
      }
    },
  });

  // Ctrl-C: cancels a question, stops a command that listens for it (emulator start), tells what a
  // command that cannot be stopped will do, cancels lines not yet run; at the prompt, clears the line.
  const interruptHandlers = new Set<() => void>();
  rl.on("SIGINT", () => {
    interrupts++;
    if (asking && lines.interrupt()) {
      // The half-typed answer goes; the command says "Operation cancelled."
      rl.write(null, { ctrl: true, name: "e" });
      rl.write(null, { ctrl: true, name: "u" });
      io.stdout.write("^C\n");
      return;
    }
    if (running !== undefined) {
      if (interruptHandlers.size) {
        for (const handler of [...interruptHandlers]) handler();
        return;
      }
      if (!interruptedRunning) {
        interruptedRunning = true;
        io.stdout.write("^C\n");
        io.stderr.write(`'${running}' cannot be stopped part-way: a request already sent to the vault cannot be called back. Its outcome follows.\n`);
      }
      return;
    }
    if (waitingLines > 0) {
      io.stdout.write("^C\n"); // the loop reports the lines it will not run
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
      "kvkey shell: kvkey's commands without 'kvkey' (list --vault-name demo); 'help', 'help <command>', 'history', 'clear'.\n" +
        "Tab completes, Ctrl-R searches the history; the vault stays open between commands; 'exit' or Ctrl-D leaves.\n",
    );
  }
  let status: number | undefined; // `exit N`
  let firstFailure = 0;
  const failed = (code: number) => {
    if (code !== 0 && firstFailure === 0) firstFailure = code;
  };
  try {
    for (;;) {
      const entered = await read(PROMPT);
      if (entered === INTERRUPTED) continue;
      if (entered === undefined) {
        if (interactive) io.stdout.write("\n");
        break;
      }
      taken(entered);
      const line = entered.text;
      const text = line.trim();
      if (text === "" || text.startsWith("#")) continue;
      // `exit` is not worth recalling; a line typed with a leading space is kept out, as bash's ignorespace does.
      if (interactive && !line.startsWith(" ") && !/^(kvkey\s+)?(exit|quit)\b/.test(text)) saveHistory(historyFile, home, text);
      let argv: string[];
      try {
        argv = commandWords(text);
      } catch (err) {
        io.stderr.write(`ERROR: ${escapeControl((err as Error).message)}\n`);
        failed(2);
        continue;
      }
      if (argv[0] === "kvkey") argv.shift();
      if (argv[0] === "exit" || argv[0] === "quit") {
        const code = exitCode(argv);
        if (typeof code === "string") {
          io.stderr.write(`ERROR: ${code}\n`);
          failed(2);
          continue;
        }
        status = code ?? (interactive ? 0 : firstFailure);
        break;
      }
      const operator = shellOperator(text);
      if (operator) {
        io.stderr.write(
          `ERROR: kvkey shell runs one kvkey command per line and does not pipe, redirect or chain commands ('${operator}'). ` +
            `Run the line in your system shell instead: kvkey ${text.replace(/^kvkey\s+/, "")}\n`,
        );
        failed(2);
        continue;
      }
      if (argv[0] === "?") argv[0] = "help";
      if (argv[0] === "history") {
        printHistory(io, history(), argv[1]);
        continue;
      }
      if (argv[0] === "clear" && argv.length === 1) {
        if (io.isStdoutTTY) io.stdout.write("\x1b[H\x1b[2J\x1b[3J");
        continue;
      }
      if (argv[0] === "shell") {
        io.stderr.write("This is already a kvkey shell.\n");
        continue;
      }
      const name = commandName(argv);
      if (entered.interrupts < interrupts) {
        // Entered, then Ctrl-C before it started: it is not run.
        const [, notDone] = OUTCOMES[name] ?? ["", "nothing was changed"];
        io.stderr.write(`Not run: Ctrl-C came before '${name}' started, so ${notDone}.\n`);
        continue;
      }
      running = name;
      interruptedRunning = false;
      try {
        const code = await ctx.runCli(argv, commandIO(io, interruptHandlers), { session });
        failed(code);
        if (interruptedRunning) {
          const [done] = OUTCOMES[name] ?? ["it completed"];
          io.stderr.write(
            code === 0
              ? `Ctrl-C came after '${name}' had started: it completed, and ${done}.\n`
              : `'${name}' ended with an error (above) after Ctrl-C; check with 'show' before running it again.\n`,
          );
        }
      } finally {
        running = undefined;
        interruptHandlers.clear();
      }
    }
  } finally {
    rl.close();
    await session.close();
  }
  const code = status ?? (interactive ? 0 : firstFailure);
  if (code !== 0) throw new ExitStatus(code);
}

/** `exit`, `exit 3`: the code (0-255), undefined for none, or bash's message for anything else. */
function exitCode(argv: readonly string[]): number | undefined | string {
  if (argv.length === 1) return undefined;
  if (argv.length > 2) return `${argv[0]}: too many arguments`;
  const text = argv[1]!;
  if (!/^\d+$/.test(text)) return `${argv[0]}: ${text}: numeric argument required`;
  return Number(text) % 256;
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
