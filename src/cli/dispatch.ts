import type { CliIO } from "../io/streams.js";
import { chalkFor, colorEnabled } from "../io/color.js";
import type { VaultClients } from "../vault-client/factory.js";
import { GROUPS, ROOT_GROUP } from "./groups.js";
import { COMMAND_INDEX } from "./command-index.generated.js";
import { findCommand } from "./lookup.js";
import { helpWidth, renderCommandHelp, renderGroupHelp } from "./help.js";
import { CliError, ExitStatus, UsageError, ValidationError, exitCodeFor } from "./errors.js";
import { createContext, type GlobalOptions } from "./context.js";
import { kvkeyHome } from "./config.js";
import { loadSettings, type Settings } from "./settings.js";
import type { RunOptions } from "./session.js";
import type { runCli as RunCli } from "./run.js";
import { getCloseMatches } from "./suggest.js";
import { describeError, normalizeError } from "./error-report.js";
import { expandFileArguments } from "./args/file-values.js";
import { OUTPUT_AZ_ORDER } from "./args/az-enums.js";
import { choice } from "./args/values.js";
import type { CommandSpec, GroupSpec, RawOptions } from "./spec.js";
import { monotonicMs } from "../shared/monotonic.js";
import { escapeControl } from "../shared/control-chars.js";

/**
 * Everything runCli does once it knows the command line is more than `--version`: help, parsing,
 * clients, the command and its output. A module of its own so that `kvkey --version` loads none of
 * the command declarations, chalk or the argument parser (run.ts imports this one dynamically).
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
  // Decided again once the command line is parsed (argparse also takes --deb for --debug).
  let debug = args.includes("--debug");
  const errColor = colorEnabled(io, "stderr");
  const errChalk = chalkFor(errColor);
  const fail = (err: unknown, command: string | undefined): number => {
    if (err instanceof ExitStatus) return err.exitCode;
    if (err instanceof CliError && err.output) io.stdout.write(err.output);
    const { message: raw, stack, recommendations } = describeError(err);
    // Service messages quote names and values, which may hold control characters: never raw to the
    // terminal. Line breaks (LF or CRLF) and tabs stay, as az prints them: az's service errors are three
    // lines, Azure's own messages (a 403's Caller/Action/Resource lines) span several, and nested details
    // are indented with tabs. A lone CR, ESC or BEL is written out.
    const message = raw
      .split("\n")
      .map((line) => (line.endsWith("\r") ? `${escapeControl(line.slice(0, -1), { keepLineBreaks: true })}\r` : escapeControl(line, { keepLineBreaks: true })))
      .join("\n");
    // As knack does: the level name when plain, the colour alone on a terminal; az's recommendations
    // follow on lines of their own, unprefixed.
    io.stderr.write((errColor ? errChalk.redBright(message) : `ERROR: ${message}`) + "\n");
    for (const line of recommendations) io.stderr.write(line + "\n");
    if (debug && stack) io.stderr.write(stack + "\n");
    return exitCodeFor(normalizeError(err), command);
  };

  try {
    // az reads `@file` values before it even looks for the command. In `kvkey shell` standard input
    // is the terminal the session reads its lines from, so `@-` is not available there.
    args = await expandFileArguments(args, io, { stdin: runOptions.session === undefined });
  } catch (err) {
    return fail(err, undefined);
  }

  const found = findCommand(COMMAND_INDEX, args);
  if (!found) return helpOrUnknown(args, io, fail, runOptions.session !== undefined);
  // Only the named command's module loads: the other commands' declarations cost nothing here.
  const spec: CommandSpec = await found.command.load();
  const { rest } = found;

  let clients: VaultClients | undefined;
  try {
    // The parser is loaded only once there is a command to parse (group help and typos do without it).
    const { parseArgs, UnrecognizedArgumentsError } = await import("./parser.js");
    let raw: RawOptions;
    let unrecognized: UsageError | undefined;
    try {
      raw = parseArgs(spec, rest);
    } catch (err) {
      if (!(err instanceof UnrecognizedArgumentsError)) throw err;
      ({ raw } = err);
      unrecognized = err;
    }
    if (raw.help) {
      io.stdout.write(renderCommandHelp(spec, helpWidth(io)));
      return 0;
    }
    debug ||= raw.debug === true;
    // argparse checks each value as it takes it (an enum, an int, a date, --output, --query) and only
    // then reports the words it did not recognize; az's validators (ValidationError) come after both.
    const argparseFirst = <T>(check: () => T): T => {
      try {
        return check();
      } catch (err) {
        throw unrecognized && !(err instanceof UsageError) ? unrecognized : err;
      }
    };
    const globals = argparseFirst(() => globalOptions(raw, settings, `kvkey ${spec.path.join(" ")}`));
    // Output and query are checked before any work, so a typo never costs a round trip.
    const { prepareOutput } = await import("./output-stage.js");
    const output = argparseFirst(() => prepareOutput(globals, io, home));
    const options = argparseFirst(() => spec.parse(raw, { commandName: `kvkey ${spec.path.join(" ")}`, cwd: io.cwd }));
    if (unrecognized) throw unrecognized;
    const debugLine = globals.debug ? (line: string) => void io.stderr.write(`DEBUG: ${escapeControl(line)}\n`) : undefined;
    const session = runOptions.session;
    const made = session ? await session.clients((forward) => makeClients(home, io, forward)) : await makeClients(home, io, debugLine);
    if (session) session.debug = debugLine;
    else clients = made;
    const ctx = createContext({ io, globals, home, clients: () => made, settings, runCli, ...(session ? { session } : {}) });
    // No warning for a preview argument (--immutable, set-attributes --policy): az registers them with
    // `c.extra(..., is_preview=True)`, which marks the help only; knack's warning action is attached to
    // `c.argument` alone, so az 2.45 (and the current source) never print one for key commands.
    const result = await spec.run(options, ctx);
    for (const vault of made.takeCreatedVaults()) {
      const host = `${vault.name}.${vault.kind}.localhost`;
      ctx.note(`Created the local ${vault.kind === "vault" ? "key vault" : "managed HSM"} https://${host} in ${home} (the embedded emulated vault; use --cloud AzureCloud for Azure).`);
    }
    if (spec.textOutput && isTextStream(result)) {
      // A command that streams (emulator logs --follow) returns its text as it comes; printing stays here.
      for await (const chunk of result) io.stdout.write(chunk);
    } else {
      const view = spec.tableView;
      const tableView = view && ((data: unknown, width?: number) => view(data, width, options));
      io.stdout.write(spec.textOutput && typeof result === "string" ? result : output.render(result, tableView));
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

async function makeClients(home: string, io: CliIO, debug: ((line: string) => void) | undefined): Promise<VaultClients> {
  // Lazy: `--help` and argument errors never load the SDK, SQLite or the emulator.
  const { createVaultClients } = await import("../vault-client/factory.js");
  const options: Parameters<typeof createVaultClients>[0] = { home, env: io.env };
  if (debug) options.debug = debug;
  return createVaultClients(options);
}

function globalOptions(raw: Record<string, unknown>, settings: Settings, commandName: string): GlobalOptions {
  if (raw.onlyShowErrors === true && (raw.debug === true || raw.verbose === true)) {
    throw new ValidationError("--only-show-errors can't be used together with --debug or --verbose");
  }
  const g: GlobalOptions = {
    // core.only_show_errors applies unless this command line asks for more (--debug, --verbose).
    onlyShowErrors: raw.onlyShowErrors === true || (settings.onlyShowErrors && raw.debug !== true && raw.verbose !== true),
    verbose: raw.verbose === true,
    debug: raw.debug === true,
  };
  if (typeof raw.output === "string") g.output = choice(commandName, "--output", raw.output, OUTPUT_AZ_ORDER);
  if (typeof raw.query === "string") g.query = raw.query;
  if (typeof raw.subscription === "string") g.subscription = raw.subscription;
  if (typeof raw.cloud === "string") g.cloud = raw.cloud;
  return g;
}

function helpOrUnknown(args: string[], io: CliIO, fail: (err: unknown, command: string | undefined) => number, inShell: boolean): number {
  const words = args.filter((a) => !a.startsWith("-"));
  // Walk the words down the groups, as az's nested parsers do: the first word that names neither a
  // command nor a group at its level is the misspelled one (values after it play no part).
  const path: string[] = [];
  for (const word of words) {
    const depth = path.length;
    const under = (c: { path: readonly string[] }) => c.path.length === depth + 1 && path.every((p, i) => c.path[i] === p);
    const choices = [...COMMAND_INDEX.filter(under), ...GROUPS.filter(under)].map((c) => c.path[depth]!);
    if (!choices.includes(word)) return misspelled(word, choices, fail);
    path.push(word);
  }
  const group = [...GROUPS, ROOT_GROUP].find((g) => g.path.length === path.length && g.path.every((p, i) => p === path[i]));
  if (!group || (words.length === 0 && args.length > 0 && !args.includes("-h") && !args.includes("--help"))) {
    return misspelled(args[0] ?? "", [], fail);
  }
  const depth = group.path.length;
  const under = (c: { path: readonly string[] }) => c.path.length > depth && group.path.every((p, i) => c.path[i] === p);
  const subgroups = GROUPS.filter((g) => g.path.length === depth + 1 && under(g));
  const commands = COMMAND_INDEX.filter((c) => c.path.length === depth + 1 && under(c));
  io.stdout.write(renderGroupHelp(group, subgroups, commands, helpWidth(io), inShell ? "shell" : "command line"));
  return 0;
}

function misspelled(word: string, choices: readonly string[], fail: (err: unknown, command: string | undefined) => number): number {
  const error = new UsageError(`'${word}' is misspelled or not recognized by the system.`);
  // az's recommendation: difflib's closest match at a cutoff of 0.7, on a line of its own.
  const guess = getCloseMatches(word, choices, 3, 0.7)[0];
  if (guess) error.recommendations.push(`Did you mean '${guess}' ?`);
  return fail(error, undefined);
}
