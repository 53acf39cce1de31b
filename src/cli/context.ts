import type { KeyClient } from "@azure/keyvault-keys";
import type { CliIO } from "../io/streams.js";
import { chalkFor, colorEnabled } from "../io/color.js";
import { withSpinner } from "../io/spinner.js";
import { activeCloudName, findCloud, localCloudAt, CLOUDS, type Cloud, type CloudSource } from "../vault-client/clouds.js";
import type { VaultClients } from "../vault-client/factory.js";
import { readConfig, type KvkeyConfig } from "./config.js";
import { ValidationError } from "./errors.js";

export interface GlobalOptions {
  output?: string;
  query?: string;
  onlyShowErrors: boolean;
  verbose: boolean;
  debug: boolean;
  subscription?: string;
  cloud?: string;
}

/** What a command's run() may use. Everything process-shaped comes in through here. */
export interface CommandContext {
  io: CliIO;
  globals: GlobalOptions;
  home: string;
  config: KvkeyConfig;
  cloud: Cloud;
  cloudSource: CloudSource;
  keyClient(vaultUrl: string): Promise<KeyClient>;
  /** `WARNING: ...` on stderr, silenced by --only-show-errors. */
  warn(message: string): void;
  /** An informational line on stderr, silenced by --only-show-errors. */
  note(message: string): void;
  /** A spinner on stderr for slow calls, on a TTY only. */
  spin<T>(text: string, work: () => Promise<T>): Promise<T>;
}

export interface ContextDeps {
  io: CliIO;
  globals: GlobalOptions;
  home: string;
  clients: () => VaultClients;
}

export function createContext(deps: ContextDeps): CommandContext {
  const { io, globals, home } = deps;
  const config = readConfig(home);
  const active = activeCloudName(globals.cloud, io.env, config.cloud?.name);
  const found = findCloud(active.name);
  const emulatorUrl = io.env.KVKEY_EMULATOR_URL || config.cloud?.endpoint;
  let cloud = found;
  if (found?.local && emulatorUrl) {
    try {
      cloud = localCloudAt(emulatorUrl);
    } catch {
      throw new ValidationError(`The served emulator URL '${emulatorUrl}' (KVKEY_EMULATOR_URL or kvkey cloud set --endpoint) is not a URL.`);
    }
  }
  if (!cloud) {
    const known = CLOUDS.map((c) => c.name).join(", ");
    throw new ValidationError(`Unknown cloud '${active.name}' (from ${active.source}). Known clouds: ${known}.`);
  }
  const stderrColor = colorEnabled(io, "stderr");
  const stderrChalk = chalkFor(stderrColor);
  return {
    io,
    globals,
    home,
    config,
    cloud,
    cloudSource: active.source,
    keyClient(vaultUrl) {
      return deps.clients().keyClient(vaultUrl);
    },
    warn(message) {
      if (globals.onlyShowErrors) return;
      io.stderr.write((stderrColor ? stderrChalk.yellow(message) : `WARNING: ${message}`) + "\n");
    },
    note(message) {
      if (!globals.onlyShowErrors) io.stderr.write(stderrChalk.dim(message) + "\n");
    },
    spin(text, work) {
      return withSpinner(io, text, work);
    },
  };
}
