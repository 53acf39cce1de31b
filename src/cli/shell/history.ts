import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import type { CliIO } from "../../io/streams.js";
import { ensureHome } from "../config.js";
import { tightenMode } from "../../shared/files.js";
import { redactSecrets } from "./redact.js";

// `kvkey shell`'s history: $KVKEY_HOME/shell_history, 0600, secret flag values redacted (redact.ts)
// before a line is written, and older unredacted files cleaned the first time they are read.

export const HISTORY_FILE = "shell_history";
export const HISTORY_SIZE = 1000;

/** `history [N]`: the last N lines (all by default), numbered oldest first, secrets as in the file. */
export function printHistory(io: CliIO, newestFirst: readonly string[], count: string | undefined): void {
  const all = [...newestFirst].reverse();
  const n = count !== undefined && /^\d+$/.test(count) ? Number(count) : all.length;
  const shown = all.slice(Math.max(0, all.length - n));
  const first = all.length - shown.length + 1;
  const width = String(all.length).length;
  io.stdout.write(shown.map((line, i) => `${String(first + i).padStart(width + 2)}  ${redactSecrets(line)}\n`).join(""));
}

export function loadHistory(file: string): string[] {
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

export function saveHistory(file: string, home: string, line: string): void {
  try {
    ensureHome(home);
    appendFileSync(file, `${redactSecrets(line)}\n`, { mode: 0o600 });
    tightenMode(file, 0o600);
  } catch {
    // History is a convenience: a read-only home must not stop the shell.
  }
}
