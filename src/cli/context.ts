import type { KeyClient } from "@azure/keyvault-keys";
import type { CliIO } from "../io/streams.js";
import { chalkFor, colorEnabled } from "../io/color.js";
import { withSpinner } from "../io/spinner.js";
import { startCounter, type Counter } from "../io/progress.js";
import { askLine } from "../io/prompt.js";
import { escapeControl } from "../shared/control-chars.js";
import { activeCloudName, findCloud, localCloudAt, type Cloud, type CloudSource } from "../vault-client/clouds.js";
import type { VaultClients } from "../vault-client/factory.js";
import { servedVaultUrl } from "../vault-client/endpoint.js";
import { readConfig, type KvkeyConfig } from "./config.js";
import { CliError, ValidationError } from "./errors.js";
import { unknownCloud, type Settings } from "./settings.js";
import type { CliRunner, CliSession } from "./session.js";

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
  /**
   * `WARNING: ...` on stderr, silenced by --only-show-errors. Control characters in the message are
   * written out; a warning of several lines (az's soft-delete warning ends with a link on a line of its
   * own) is given as its lines, each escaped, the first prefixed.
   */
  warn(message: string | readonly string[]): void;
  /** An informational line on stderr, silenced by --only-show-errors. */
  note(message: string): void;
  /** A spinner on stderr for slow calls, on a TTY only. */
  spin<T>(text: string, work: () => Promise<T>): Promise<T>;
  /** A counter on stderr for work over many items ("Listed 250 keys..."), on a TTY only. */
  counter(render: (count: number) => string): Counter;
  /** `kvkey config` settings in effect (environment over config file). */
  settings: Settings;
  /**
   * Asks "<question> (y/N): " before destructive work and throws "Operation cancelled." unless the
   * answer is yes. Asks only when stdin and stderr are terminals; never with `yes` (--yes) or
   * core.disable_confirmation_prompt, and never in CI or a script, where az does not ask either.
   */
  confirm(question: string, yes: boolean): Promise<void>;
  /** Runs another command line in this process (the shell's loop); set by runCli. */
  runCli: CliRunner;
  /** The session this command runs in (`kvkey shell`), if any. */
  session: CliSession | undefined;
}

/** The answer "no" to a confirmation (az's ManualInterrupt). Exit 1. */
export class CancelledError extends CliError {
  override name = "CancelledError";
  constructor() {
    super("Operation cancelled.");
  }
}

export interface ContextDeps {
  io: CliIO;
  globals: GlobalOptions;
  home: string;
  clients: () => VaultClients;
  settings: Settings;
  runCli: CliRunner;
  session?: CliSession;
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
    throw new ValidationError(unknownCloud(active.name, active.source));
  }
  const stderrColor = colorEnabled(io, "stderr");
  const stderrChalk = chalkFor(stderrColor);
  const warn = (message: string | readonly string[]): void => {
    if (globals.onlyShowErrors) return;
    const text = (typeof message === "string" ? [message] : message).map((line) => escapeControl(line)).join("\n");
    io.stderr.write((stderrColor ? stderrChalk.yellow(text) : `WARNING: ${text}`) + "\n");
  };
  return {
    io,
    globals,
    home,
    config,
    cloud,
    cloudSource: active.source,
    async keyClient(vaultUrl) {
      try {
        return await deps.clients().keyClient(cloud.local ? servedVaultUrl(vaultUrl, cloud.endpoint) : vaultUrl, globals.subscription);
      } catch (err) {
        // az's --subscription action warns about a value it cannot find in its profile before its
        // credential raises "Subscription '...' not found..." (credentials/chain.ts prepare).
        if (err instanceof Error && err.name === "AzSubscriptionError") warn(`Subscription '${globals.subscription}' not recognized.`);
        throw err;
      }
    },
    warn,
    note(message) {
      if (!globals.onlyShowErrors) io.stderr.write(stderrChalk.dim(escapeControl(message)) + "\n");
    },
    spin(text, work) {
      return globals.onlyShowErrors ? work() : withSpinner(io, text, work);
    },
    counter(render) {
      return globals.onlyShowErrors ? startCounter({ ...io, isStderrTTY: false }, render) : startCounter(io, render);
    },
    settings: deps.settings,
    async confirm(question, yes) {
      if (yes || deps.settings.disableConfirmationPrompt) return;
      if (!io.isStdinTTY || !io.isStderrTTY || !io.stdin || io.env.CI) return;
      const prompt = `${question} (y/N): `;
      const answer = deps.session?.ask ? await deps.session.ask(prompt) : await askLine(io, prompt);
      if (!/^\s*y(es)?\s*$/i.test(answer ?? "")) throw new CancelledError();
    },
    runCli: deps.runCli,
    session: deps.session,
  };
}
