import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "./errors.js";
import { ensureDirectory, tightenDataDir, tightenMode } from "../shared/files.js";

// kvkey's home ($KVKEY_HOME, default ~/.kvkey) holds the embedded vault's state and config.json.
// The config is small, read at start-up, and written atomically (temp file + rename).

export interface KvkeyConfig {
  /** endpoint: the served emulator the Local cloud points at (`https://localhost:8443`); unset = embedded. */
  cloud?: { name?: string; endpoint?: string };
  /** Values are kept as text, as az keeps them in its INI file (`kvkey config set`, src/cli/settings.ts). */
  core?: { output?: string; no_color?: string; only_show_errors?: string; disable_confirmation_prompt?: string };
  defaults?: { vault?: string; hsm?: string };
}

export function kvkeyHome(env: Record<string, string | undefined>): string {
  const explicit = env.KVKEY_HOME;
  if (explicit && explicit.trim() !== "") return explicit;
  return join(env.HOME && env.HOME !== "" ? env.HOME : homedir(), ".kvkey");
}

/** Creates kvkey's home (0700), or tightens an existing one, and every file kvkey keeps in it, that is looser. */
export function ensureHome(home: string): void {
  ensureDirectory(home, 0o700, "the kvkey home directory");
  tightenDataDir(home);
}

const CONFIG_FILE = "config.json";

export function readConfig(home: string): KvkeyConfig {
  const file = join(home, CONFIG_FILE);
  if (!existsSync(file)) return {};
  tightenMode(file, 0o600);
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as KvkeyConfig) : {};
  } catch {
    throw new ValidationError(`The kvkey configuration file ${file} is not valid JSON; fix or delete it.`);
  }
}

export function writeConfig(home: string, config: KvkeyConfig): void {
  ensureHome(home);
  const file = join(home, CONFIG_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}
