import type { CliIO } from "../../io/streams.js";
import type { VaultClients } from "../../vault-client/factory.js";
import { kvkeyHome } from "../config.js";
import { loadSettings } from "../settings.js";
import type { CliSession } from "../session.js";
import { vaultLookups } from "./dynamic.js";
import { complete, type Completion } from "./engine.js";
import { completionWords } from "./words.js";

// `kvkey __complete`: the hidden entry point the completion scripts call on every Tab.
//
//   kvkey __complete --shell bash --line "<line up to the cursor>" [--cur "<bash's current word>"]
//   kvkey __complete -- <words...> <current word>
//
// Prints one candidate per line, `value<TAB>description` (the scripts drop what their shell cannot
// show), then at most one directive line: `:files` (complete file names instead) or `:nospace` (a
// candidate ends with '=', so no space after it). Always exits 0 and never writes to stderr: a
// completion that cannot answer offers nothing.

export async function runCompletionRequest(args: readonly string[], io: CliIO, session?: CliSession): Promise<number> {
  let shell = "plain";
  let line: string | undefined;
  let bashCurrent: string | undefined;
  let words: string[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      words = args.slice(i + 1);
      break;
    }
    const value = args[i + 1];
    if (value === undefined) break;
    if (arg === "--shell") shell = value;
    else if (arg === "--line") line = value;
    else if (arg === "--cur") bashCurrent = value;
    else continue;
    i++;
  }
  let typed: string[];
  let current: string;
  if (line !== undefined) {
    // The line starts with the program as the user typed it (kvkey, ./dist/kvkey.js, ...).
    const split = completionWords(line);
    typed = split.words.slice(1);
    current = split.current;
  } else {
    typed = (words ?? []).slice(0, -1);
    current = (words ?? []).at(-1) ?? "";
  }

  const home = kvkeyHome(io.env);
  let own: VaultClients | undefined;
  const clients = async (): Promise<VaultClients> => {
    const { createVaultClients } = await import("../../vault-client/factory.js");
    if (session) return session.clients((debug) => Promise.resolve(createVaultClients({ home, env: io.env, debug })));
    own ??= createVaultClients({ home, env: io.env });
    return own;
  };
  let result: Completion;
  try {
    result = await complete(typed, current, vaultLookups({ home, env: io.env, settings: loadSettings(io.env, home), clients }));
  } catch {
    result = { candidates: [], files: false };
  } finally {
    own?.close();
  }
  io.stdout.write(formatCompletion(result, current, shell === "bash" ? bashCurrent : undefined));
  return 0;
}

/**
 * The lines the scripts read. For bash, `wordCurrent` is the word as bash split it: bash also breaks
 * words at '=' and ':', so `core.output=ta` is three words to it and candidates must replace only
 * its last part ("table", or "=table" when bash's word is the '=' itself).
 */
export function formatCompletion(result: Completion, current: string, wordCurrent?: string): string {
  if (result.files) return ":files\n";
  let cut = 0;
  if (wordCurrent !== undefined && current.endsWith(wordCurrent)) cut = current.length - wordCurrent.length;
  const lines = result.candidates.map((c) => {
    const value = c.value.slice(cut);
    const description = c.description?.replace(/[\t\n]/g, " ");
    return description ? `${value}\t${description}` : value;
  });
  if (result.candidates.some((c) => c.value.endsWith("="))) lines.push(":nospace");
  return lines.length ? `${lines.join("\n")}\n` : "";
}
