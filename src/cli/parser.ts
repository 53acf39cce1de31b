import { Action, ArgumentError, ArgumentParser, SUPPRESS } from "argparse";
import type { ActionConstructorOptions, ArgumentOptions } from "argparse";
import type { ArgSpec, CommandSpec, OptionSpec, RawOptions } from "./spec.js";
import { GLOBAL_OPTIONS } from "./globals.js";
import { UsageError } from "./errors.js";
import { optionLabel, positionalLabel } from "./help.js";
import { closest } from "./suggest.js";
import { AZ_OPTION_ORDER, GLOBAL_OPTION_ORDER } from "./args/az-option-order.js";

// az parses a command line with Python's argparse (through knack); so does kvkey, with the npm package
// `argparse`, a port of CPython's argparse. What the library decides is what az decides: unambiguous
// prefixes of long options (`--vault` is --vault-name), `--flag=value` and `-nvalue`, a word starting
// with `-` being an option (so `--tags --enabled false` is no tags, then --enabled false), lists that
// may be empty, and its messages word for word ("ambiguous option: --e could match --expires,
// --exportable", "argument --value: expected one argument", "the following arguments are required:
// <SHELL>"). This module only adds what az adds on top of argparse:
// - the options are added in az's parser order (args/az-option-order.ts), the order argparse lists the
//   candidates of an ambiguous abbreviation in;
// - every error becomes kvkey's UsageError (exit 2), never a write to the process or an exit;
// - `-h/--help` stops parsing where argparse meets it, and kvkey renders the help (help.ts);
// - words not taken are reported with what was taken (so argparse's value errors, which kvkey checks
//   after parsing in spec.parse, can win as they do in az), with kvkey's "Did you mean" for a flag.
// Option declarations keep their flag syntax ("-n, --name <name>", "--tags [tags...]", see spec.ts).

/** Words the parser did not take; it carries what it did take, so argparse's own value errors can win. */
export class UnrecognizedArgumentsError extends UsageError {
  constructor(
    message: string,
    readonly raw: RawOptions,
  ) {
    super(message);
  }
}

/** Thrown by the help action: argparse stops at `--help` wherever it is reached, as az does. */
class HelpRequested extends Error {}

class HelpAction extends Action {
  constructor(options: ActionConstructorOptions) {
    super({ ...options, nargs: 0, default: SUPPRESS });
  }

  override call(): void {
    throw new HelpRequested();
  }
}

/** An argparse parser that raises instead of printing and exiting. */
class CommandParser extends ArgumentParser {
  override error(message: string): never {
    throw new UsageError(message);
  }

  override exit(status = 0, message?: string): never {
    throw new UsageError(message?.trim() || `the argument parser stopped with status ${status}`);
  }
}

export function parseArgs(spec: CommandSpec, argv: readonly string[]): RawOptions {
  // No process can receive a NUL byte in its argv; `kvkey shell` lines and runCli callers can, and a NUL
  // would only resurface later as Node's "must be a string without null bytes" from some file call.
  const nul = argv.findIndex((a) => a.includes("\0"));
  if (nul >= 0) {
    const flag = argv[nul - 1]?.startsWith("-") ? `argument ${argv[nul - 1]}: ` : "";
    throw new UsageError(`${flag}invalid value ${JSON.stringify(argv[nul]!.slice(0, 100))}: arguments cannot contain NUL bytes`);
  }
  const { parser, longFlags } = buildParser(spec);
  let parsed: [Record<string, unknown>, string[]];
  try {
    parsed = parser.parse_known_args([...argv]);
  } catch (err) {
    if (err instanceof HelpRequested) return { help: true };
    if (err instanceof ArgumentError) throw new UsageError(err.message);
    throw err;
  }
  const [namespace, extras] = parsed;
  const raw: RawOptions = { ...namespace };
  if (extras.length) {
    const error = new UnrecognizedArgumentsError(`unrecognized arguments: ${extras.join(" ")}`, raw);
    const unknown = extras.find((e) => e.startsWith("--") && e.length > 2);
    const guess = unknown ? closest(unknown.split("=")[0]!, longFlags) : undefined;
    if (guess) error.recommendations.push(`Did you mean '${guess}' ?`);
    throw error;
  }
  return raw;
}

/** "key_value" or "key-value" -> "keyValue": where a value lands in the raw options. */
export function camelCase(name: string): string {
  return name.replace(/[-_]([a-zA-Z])/g, (_m, c: string) => c.toUpperCase());
}

interface OptionArgument {
  /** Option strings, long first: "--name", "-n" (argparse names it "--name/-n" in errors). */
  strings: string[];
  options: ArgumentOptions;
}

function buildParser(spec: CommandSpec): { parser: ArgumentParser; longFlags: string[] } {
  const parser = new CommandParser({
    prog: `kvkey ${spec.path.join(" ")}`,
    add_help: false,
    exit_on_error: false,
    // An option not given is left out of the raw options, rather than set to undefined.
    argument_default: SUPPRESS,
    color: false,
  });
  const declared = new Map<string, OptionArgument>();
  for (const option of [...GLOBAL_OPTIONS, ...spec.options]) {
    const argument = optionArgument(option);
    for (const s of argument.strings) declared.set(s, argument);
  }
  // argparse keeps option strings in the order they were added: add them in az's.
  const order = [...GLOBAL_OPTION_ORDER, ...(AZ_OPTION_ORDER[spec.path.join(" ")] ?? []), ...declared.keys()];
  const added = new Set<OptionArgument>();
  for (const s of order) {
    const argument = declared.get(s);
    if (!argument || added.has(argument)) continue;
    added.add(argument);
    const [first, ...more] = argument.strings;
    parser.add_argument(first!, ...more, argument.options);
  }
  for (const arg of spec.args ?? []) parser.add_argument(camelCase(arg.name), positionalOptions(arg));
  return { parser, longFlags: [...declared.keys()].filter((s) => s.startsWith("--")) };
}

/** An OptionSpec's flag syntax as argparse's add_argument options. */
function optionArgument(option: OptionSpec): OptionArgument {
  const strings = optionLabel(option.flags).split(" ");
  const long = strings.filter((s) => s.startsWith("--"));
  const last = long[long.length - 1] ?? strings[0]!;
  const metavar = option.flags.split(/[ ,]+/).find((p) => p.startsWith("<") || p.startsWith("["));
  const dest = camelCase(last.replace(/^-+/, ""));
  if (strings.includes("--help")) return { strings, options: { action: HelpAction, dest: "help" } };
  if (!metavar) {
    // `--no-wait` stores false under "wait".
    if (last.startsWith("--no-")) return { strings, options: { action: "store_false", dest: camelCase(last.slice("--no-".length)) } };
    return { strings, options: { action: "store_true", dest } };
  }
  const optional = metavar.startsWith("[");
  if (metavar.includes("...")) {
    // az's lists (`[tags...]`, nargs='*') keep the last when given twice; kvkey's own `<x...>` options
    // add up (argparse's "extend": `--claim a=1 --claim b=2`).
    return { strings, options: optional ? { dest, nargs: "*" } : { action: "extend", dest, nargs: "+" } };
  }
  // `[bool]`: a bare flag is true.
  return { strings, options: optional ? { dest, nargs: "?", const: true } : { dest } };
}

function positionalOptions(arg: ArgSpec): ArgumentOptions {
  const metavar = positionalLabel(arg.name);
  if (arg.variadic) return arg.required ? { nargs: "+", metavar } : { nargs: "*", metavar, default: [] };
  return arg.required ? { metavar } : { nargs: "?", metavar };
}
