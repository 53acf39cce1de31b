import type { CliIO } from "../io/streams.js";
import { chalkFor, colorEnabled } from "../io/color.js";
import type { VaultClients } from "../vault-client/factory.js";
import { GROUPS, ROOT_GROUP } from "./groups.js";
import { COMMAND_INDEX } from "./command-index.generated.js";
import { findCommand } from "./lookup.js";
import { renderCommandHelp, renderGroupHelp } from "./help.js";
import { CliError, UsageError, ValidationError, exitCodeFor } from "./errors.js";
import { createContext, type GlobalOptions } from "./context.js";
import { kvkeyHome } from "./config.js";
import { loadSettings, type Settings } from "./settings.js";
import type { RunOptions } from "./session.js";
import type { runCli as RunCli } from "./run.js";
import { closest } from "./suggest.js";
import { describeError, normalizeError } from "./error-report.js";
import { OUTPUT_CHOICES } from "./globals.js";
import { choice } from "./args/values.js";
import type { CommandSpec, GroupSpec } from "./spec.js";
import { monotonicMs } from "../shared/monotonic.js";
import { escapeControl } from "../output/control-chars.js";

/**
 * Everything runCli does once it knows the command line is more than `--version`: help, parsing,
 * clients, the command and its output. A module of its own so that `kvkey --version` loads none of
 * the command declarations, chalk or commander (run.ts imports this one dynamically).
 */
export async function dispatch(
  args: string[],
  baseIO: CliIO,
  runOptions: RunOptions,
  started: number,
  runCli: typeof RunCli,
): Promise<number> {
  const home = kvkeyHome(baseIO.env);
  const settings = loadSettings(baseIO.env, home);
  const io: CliIO = settings.noColor ? { ...baseIO, noColor: true } : baseIO;
  const debug = args.includes("--debug");
  const errColor = colorEnabled(io, "stderr");
  const errChalk = chalkFor(errColor);
  const fail = (err: unknown, command: string | undefined): number => {
    if (err instanceof CliError && err.output) io.stdout.write(err.output);
    const { message: raw, stack } = describeError(err);
    // Service messages quote names, which may hold control characters: never raw to the terminal.
    const message = escapeControl(raw);
    // As knack does: the level name when plain, the colour alone on a terminal.
    io.stderr.write((errColor ? errChalk.redBright(message) : `ERROR: ${message}`) + "\n");
    if (debug && stack) io.stderr.write(stack + "\n");
    return exitCodeFor(normalizeError(err), command);
  };

  const found = findCommand(COMMAND_INDEX, args);
  if (!found) return helpOrUnknown(args, io, fail);
  // Only the named command's module loads: the other commands' declarations cost nothing here.
  const spec: CommandSpec = await found.command.load();
  const { rest } = found;

  let clients: VaultClients | undefined;
  try {
    // commander is loaded only once there is a command to parse (group help and typos do without it).
    const { parseArgs } = await import("./parser.js");
    const raw = parseArgs(spec, rest);
    if (raw.help) {
      io.stdout.write(renderCommandHelp(spec, io.columns ?? 100));
      return 0;
    }
    const globals = globalOptions(raw, settings);
    // Output and query are checked before any work, so a typo never costs a round trip.
    const { prepareOutput } = await import("./output-stage.js");
    const output = prepareOutput(globals, io, home);
    const options = spec.parse(raw, { commandName: `kvkey ${spec.path.join(" ")}`, cwd: io.cwd });
    const debugLine = globals.debug ? (line: string) => void io.stderr.write(`DEBUG: ${escapeControl(line)}\n`) : undefined;
    const session = runOptions.session;
    const made = session ? await session.clients((forward) => makeClients(home, io, forward)) : await makeClients(home, io, debugLine);
    if (session) session.debug = debugLine;
    else clients = made;
    const ctx = createContext({ io, globals, home, clients: () => made, settings, runCli, ...(session ? { session } : {}) });
    for (const option of spec.options) {
      if (option.preview && raw[optionKey(option.flags)] !== undefined) {
        ctx.warn(`Argument '${longFlag(option.flags)}' is in preview and under development. Reference and support levels: https://aka.ms/CLI_refstatus`);
      }
    }
    const result = await spec.run(options, ctx);
    for (const vault of made.takeCreatedVaults()) {
      const host = `${vault.name}.${vault.kind}.localhost`;
      ctx.note(`Created the local ${vault.kind === "vault" ? "key vault" : "managed HSM"} https://${host} in ${home} (the embedded emulated vault; use --cloud AzureCloud for Azure).`);
    }
    if (spec.textOutput && isTextStream(result)) {
      // A command that streams (emulator logs --follow) returns its text as it comes; printing stays here.
      for await (const chunk of result) io.stdout.write(chunk);
    } else {
      io.stdout.write(spec.textOutput && typeof result === "string" ? result : output.render(result, spec.tableView));
    }
    if (globals.verbose) io.stderr.write(`INFO: Command ran in ${((monotonicMs() - started) / 1000).toFixed(3)} seconds\n`);
    return 0;
  } catch (err) {
    return fail(err, spec.path.join(" "));
  } finally {
    clients?.close();
    if (runOptions.session) runOptions.session.debug = undefined;
  }
}

function isTextStream(value: unknown): value is AsyncIterable<string> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/** commander's key for an option: "--not-before <datetime>" -> "notBefore". */
function optionKey(flags: string): string {
  return longFlag(flags)
    .replace(/^--/, "")
    .replace(/-([a-zA-Z])/g, (_m, c: string) => c.toUpperCase());
}

function longFlag(flags: string): string {
  return flags.split(/[ ,]+/).find((f) => f.startsWith("--")) ?? flags;
}

async function makeClients(home: string, io: CliIO, debug: ((line: string) => void) | undefined): Promise<VaultClients> {
  // Lazy: `--help` and argument errors never load the SDK, SQLite or the emulator.
  const { createVaultClients } = await import("../vault-client/factory.js");
  const options: Parameters<typeof createVaultClients>[0] = { home, env: io.env };
  if (debug) options.debug = debug;
  return createVaultClients(options);
}

function globalOptions(raw: Record<string, unknown>, settings: Settings): GlobalOptions {
  if (raw.onlyShowErrors === true && (raw.debug === true || raw.verbose === true)) {
    throw new ValidationError("--only-show-errors can't be used together with --debug or --verbose");
  }
  const g: GlobalOptions = {
    // core.only_show_errors applies unless this command line asks for more (--debug, --verbose).
    onlyShowErrors: raw.onlyShowErrors === true || (settings.onlyShowErrors && raw.debug !== true && raw.verbose !== true),
    verbose: raw.verbose === true,
    debug: raw.debug === true,
  };
  if (typeof raw.output === "string") g.output = choice("kvkey", "--output", raw.output, OUTPUT_CHOICES);
  if (typeof raw.query === "string") g.query = raw.query;
  if (typeof raw.subscription === "string") g.subscription = raw.subscription;
  if (typeof raw.cloud === "string") g.cloud = raw.cloud;
  return g;
}

function helpOrUnknown(args: string[], io: CliIO, fail: (err: unknown, command: string | undefined) => number): number {
  const words = args.filter((a) => !a.startsWith("-"));
  const wantsHelp = args.length === 0 || args.includes("-h") || args.includes("--help");
  // A group (or the root) with nothing after it: show its help.
  const group: GroupSpec | undefined = [...GROUPS, ROOT_GROUP].find(
    (g) => g.path.length === words.length && g.path.every((p, i) => p === words[i]),
  );
  if (group && (wantsHelp || words.length > 0 || args.length === 0)) {
    const depth = group.path.length;
    const under = (c: { path: readonly string[] }) => c.path.length > depth && group.path.every((p, i) => c.path[i] === p);
    const subgroups = GROUPS.filter((g) => g.path.length === depth + 1 && under(g));
    const commands = COMMAND_INDEX.filter((c) => c.path.length === depth + 1 && under(c));
    io.stdout.write(renderGroupHelp(group, subgroups, commands, io.columns ?? 100));
    return 0;
  }
  const typed = words.join(" ") || args[0] || "";
  const candidates = [...COMMAND_INDEX.map((c) => c.path.join(" ")), ...GROUPS.map((g) => g.path.join(" "))];
  const guess = closest(typed, candidates);
  const message = `'${typed}' is misspelled or not recognized by the system.${guess ? ` Did you mean '${guess}' ?` : ""}`;
  return fail(new UsageError(message), undefined);
}

