import type { ArgSpec, CommandSpec, OptionSpec, RawOptions } from "./spec.js";
import { GLOBAL_OPTIONS } from "./globals.js";
import { UsageError } from "./errors.js";
import { optionLabel, positionalLabel } from "./help.js";
import { closest } from "./suggest.js";
import { AZ_OPTION_ORDER, GLOBAL_OPTION_ORDER, ROOT_OPTION_STRINGS } from "./args/az-option-order.js";

// az parses a command line with Python's argparse (through knack), so this is a port of the parts of
// argparse's algorithm a command line can reach, with its messages word for word:
// - any unambiguous prefix of a long option is that option (`--vault` is --vault-name); an ambiguous
//   one is an error listing the candidates in the parser's order;
// - `--flag=value` and `-nvalue` carry their value; a value starting with `-` (other than a negative
//   number) is an option, so it ends a list (`--tags --enabled false`: no tags, then --enabled false);
// - lists (`[tags...]`, nargs='*') may be empty, `<x...>` (nargs='+') needs one value, `[bool]`
//   (nargs='?') takes at most one; given twice, az's lists keep the last (`--tags a --tags b` is b),
//   while kvkey's own `<x...>` options add up (argparse's "extend": `--claim a=1 --claim b=2`);
// - unknown options and the words after them are collected and reported together:
//   "unrecognized arguments: --foo bar".
// Option declarations keep commander's flag syntax ("-n, --name <name>", "--tags [tags...]").

type Nargs = 0 | 1 | "?" | "*" | "+";

interface Action {
  /** Where the value lands in the raw options: the camelCase of the (last) long flag. */
  key: string;
  /** Option strings, long first: "--name", "-n". */
  strings: string[];
  nargs: Nargs;
  /** How argparse names it in an error: "--name/-n". */
  label: string;
  /** `--no-wait`: a flag that stores false under "wait". */
  negated: boolean;
  help: boolean;
  positional: boolean;
}

/** Words the parser did not take; it carries what it did take, so argparse's own value errors can win. */
export class UnrecognizedArgumentsError extends UsageError {
  constructor(
    message: string,
    readonly raw: RawOptions,
  ) {
    super(message);
  }
}

interface OptionTuple {
  action: Action | undefined;
  option: string;
  explicit: string | undefined;
}

export function parseArgs(spec: CommandSpec, argv: readonly string[]): RawOptions {
  // No process can receive a NUL byte in its argv; `kvkey shell` lines and runCli callers can, and a NUL
  // would only resurface later as Node's "must be a string without null bytes" from some file call.
  const nul = argv.findIndex((a) => a.includes("\0"));
  if (nul >= 0) {
    const flag = argv[nul - 1]?.startsWith("-") ? `argument ${argv[nul - 1]}: ` : "";
    throw new UsageError(`${flag}invalid value ${JSON.stringify(argv[nul]!.slice(0, 100))}: arguments cannot contain NUL bytes`);
  }
  const parser = buildParser(spec);
  checkRootAbbreviations(argv);

  // Classify every word first, as argparse does: 'O' an option, 'A' a value, '-' the `--` marker.
  const tuples: Array<OptionTuple | undefined> = [];
  const pattern: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--") {
      pattern.push("-");
      tuples.push(undefined);
      for (i++; i < argv.length; i++) {
        pattern.push("A");
        tuples.push(undefined);
      }
      break;
    }
    const tuple = parseOptional(argv[i]!, parser.options);
    tuples.push(tuple);
    pattern.push(tuple ? "O" : "A");
  }
  // Help wins over everything else on the line, a missing value or positional included.
  if (tuples.some((t) => t?.action?.help)) return { help: true };
  return consume(parser, argv, tuples, pattern.join(""));
}

/** "key_value" or "key-value" -> "keyValue": where a positional's value lands in the raw options. */
export function camelCase(name: string): string {
  return name.replace(/[-_]([a-zA-Z])/g, (_m, c: string) => c.toUpperCase());
}

interface Parser {
  /** Option string -> action, in the order argparse would hold them (see az-option-order.ts). */
  options: Map<string, Action>;
  positionals: Action[];
  longFlags: string[];
}

function buildParser(spec: CommandSpec): Parser {
  const declared = new Map<string, Action>();
  for (const option of [...GLOBAL_OPTIONS, ...spec.options]) {
    const action = optionAction(option);
    for (const s of action.strings) declared.set(s, action);
  }
  const order = [...GLOBAL_OPTION_ORDER, ...(AZ_OPTION_ORDER[spec.path.join(" ")] ?? []), ...declared.keys()];
  const options = new Map<string, Action>();
  for (const s of order) {
    const action = declared.get(s);
    if (action && !options.has(s)) options.set(s, action);
  }
  return {
    options,
    positionals: (spec.args ?? []).map(positionalAction),
    longFlags: [...options.keys()].filter((s) => s.startsWith("--")),
  };
}

function optionAction(option: OptionSpec): Action {
  const parts = option.flags.split(/[ ,]+/).filter(Boolean);
  const strings = optionLabel(option.flags).split(" ");
  const long = strings.filter((s) => s.startsWith("--"));
  const metavar = parts.find((p) => p.startsWith("<") || p.startsWith("["));
  let nargs: Nargs = 0;
  if (metavar) {
    const optional = metavar.startsWith("[");
    nargs = metavar.includes("...") ? (optional ? "*" : "+") : optional ? "?" : 1;
  }
  const last = long[long.length - 1] ?? strings[0]!;
  const negated = nargs === 0 && last.startsWith("--no-");
  return {
    key: camelCase(negated ? last.slice("--no-".length) : last.replace(/^-+/, "")),
    strings,
    nargs,
    label: strings.join("/"),
    negated,
    help: strings.includes("--help"),
    positional: false,
  };
}

function positionalAction(arg: ArgSpec): Action {
  const nargs: Nargs = arg.variadic ? (arg.required ? "+" : "*") : arg.required ? 1 : "?";
  return { key: camelCase(arg.name), strings: [], nargs, label: positionalLabel(arg.name), negated: false, help: false, positional: true };
}

/** argparse's _parse_optional: undefined for a value, else the option (action undefined when unknown). */
function parseOptional(arg: string, options: Map<string, Action>): OptionTuple | undefined {
  if (!arg || arg[0] !== "-") return undefined;
  const exact = options.get(arg);
  if (exact) return { action: exact, option: arg, explicit: undefined };
  if (arg.length === 1) return undefined;
  const eq = arg.indexOf("=");
  if (eq >= 0) {
    const action = options.get(arg.slice(0, eq));
    if (action) return { action, option: arg.slice(0, eq), explicit: arg.slice(eq + 1) };
  }
  const candidates = optionTuples(arg, options);
  if (candidates.length > 1) {
    throw new UsageError(`ambiguous option: ${arg} could match ${candidates.map((c) => c.option).join(", ")}`);
  }
  if (candidates.length === 1) return candidates[0];
  // A negative number is a value (no kvkey option looks like one); so is anything with a space.
  if (/^-\d+$|^-\d*\.\d+$/.test(arg)) return undefined;
  if (arg.includes(" ")) return undefined;
  return { action: undefined, option: arg, explicit: undefined };
}

/** argparse's _get_option_tuples: the options an abbreviation (or a short flag with its value glued on) can be. */
function optionTuples(arg: string, options: Map<string, Action>): OptionTuple[] {
  const out: OptionTuple[] = [];
  if (arg.startsWith("--")) {
    const eq = arg.indexOf("=");
    const prefix = eq >= 0 ? arg.slice(0, eq) : arg;
    const explicit = eq >= 0 ? arg.slice(eq + 1) : undefined;
    for (const [option, action] of options) if (option.startsWith(prefix)) out.push({ action, option, explicit });
  } else {
    const short = arg.slice(0, 2);
    for (const [option, action] of options) {
      if (option === short) out.push({ action, option, explicit: arg.slice(2) });
      else if (option.startsWith(arg)) out.push({ action, option, explicit: undefined });
    }
  }
  return out;
}

/**
 * The root `az` parser classifies every word before the command's parser sees them, with only the
 * global options: `--o` is ambiguous there (--only-show-errors, --output) whatever the command.
 */
function checkRootAbbreviations(argv: readonly string[]): void {
  const root = new Map<string, Action>();
  for (const s of ROOT_OPTION_STRINGS) root.set(s, { key: s, strings: [s], nargs: 0, label: s, negated: false, help: false, positional: false });
  for (const arg of argv) {
    if (arg === "--") return;
    parseOptional(arg, root);
  }
}

const OPTIONAL_PATTERNS: Record<string, string> = { "0": "", "1": "A", "?": "A?", "*": "A*", "+": "A+" };
const POSITIONAL_PATTERNS: Record<string, string> = { "1": "-*A-*", "?": "-*A?-*", "*": "-*[A-]*", "+": "-*A[A-]*" };
const NARGS_ERRORS: Record<string, string> = { "1": "expected one argument", "?": "expected at most one argument", "+": "expected at least one argument" };

function matchArgument(action: Action, pattern: string): number {
  const match = new RegExp(`^(${OPTIONAL_PATTERNS[String(action.nargs)]})`).exec(pattern);
  if (!match) throw new UsageError(`argument ${action.label}: ${NARGS_ERRORS[String(action.nargs)]}`);
  return match[1]!.length;
}

/** argparse's _parse_known_args loop: options take their values, positionals fill in between. */
function consume(parser: Parser, argv: readonly string[], tuples: Array<OptionTuple | undefined>, pattern: string): RawOptions {
  const raw: RawOptions = {};
  const extras: string[] = [];
  const seen = new Set<Action>();
  let positionals = parser.positionals;

  const take = (action: Action, values: string[]): void => {
    seen.add(action);
    if (action.positional) {
      const index = values.indexOf("--");
      if (index >= 0) values.splice(index, 1);
    }
    let value: unknown;
    if (action.nargs === 0) value = !action.negated;
    else if (action.nargs === 1) value = values[0];
    else if (action.nargs === "?") value = values.length ? values[0] : action.positional ? undefined : true;
    else if (action.nargs === "+" && !action.positional && Array.isArray(raw[action.key])) value = [...(raw[action.key] as string[]), ...values];
    else value = values;
    if (value !== undefined) raw[action.key] = value;
  };

  const consumePositionals = (start: number): number => {
    const rest = pattern.slice(start);
    for (let n = positionals.length; n > 0; n--) {
      const regex = new RegExp(`^${positionals.slice(0, n).map((p) => `(${POSITIONAL_PATTERNS[String(p.nargs)]})`).join("")}`);
      const match = regex.exec(rest);
      if (!match) continue;
      for (let i = 0; i < n; i++) {
        const count = match[i + 1]!.length;
        take(positionals[i]!, argv.slice(start, start + count));
        start += count;
      }
      positionals = positionals.slice(n);
      break;
    }
    return start;
  };

  const consumeOptional = (start: number): number => {
    let { action, option, explicit } = tuples[start]!;
    if (!action) {
      extras.push(argv[start]!);
      return start + 1;
    }
    const taken: Array<[Action, string[]]> = [];
    let stop: number;
    for (;;) {
      if (explicit === undefined) {
        const count = matchArgument(action, pattern.slice(start + 1));
        taken.push([action, argv.slice(start + 1, start + 1 + count)]);
        stop = start + 1 + count;
        break;
      }
      const count = matchArgument(action, "A");
      if (count === 0 && option[1] !== "-" && explicit !== "") {
        // `-yh`: single-character flags run together.
        taken.push([action, []]);
        option = `-${explicit[0]}`;
        const next = parser.options.get(option);
        if (!next) throw new UsageError(`argument ${action.label}: ignored explicit argument ${pythonRepr(explicit)}`);
        action = next;
        explicit = explicit.slice(1) || undefined;
      } else if (count === 1) {
        taken.push([action, [explicit]]);
        stop = start + 1;
        break;
      } else {
        throw new UsageError(`argument ${action.label}: ignored explicit argument ${pythonRepr(explicit)}`);
      }
    }
    for (const [a, values] of taken) take(a, values);
    return stop;
  };

  const optionIndices: number[] = [];
  for (let i = 0; i < pattern.length; i++) if (pattern[i] === "O") optionIndices.push(i);
  const lastOption = optionIndices.length ? optionIndices[optionIndices.length - 1]! : -1;
  let start = 0;
  while (start <= lastOption) {
    const next = optionIndices.find((i) => i >= start)!;
    if (start !== next) {
      const end = consumePositionals(start);
      if (end > start) {
        start = end;
        continue;
      }
    }
    if (!optionIndices.includes(start)) {
      extras.push(...argv.slice(start, next));
      start = next;
    }
    start = consumeOptional(start);
  }
  const stop = consumePositionals(start);
  extras.push(...argv.slice(stop));

  const missing = positionals.filter((p) => p.nargs === 1 || p.nargs === "+").filter((p) => !seen.has(p));
  if (missing.length) throw new UsageError(`the following arguments are required: ${missing.map((p) => p.label).join(", ")}`);
  if (extras.length) {
    const error = new UnrecognizedArgumentsError(`unrecognized arguments: ${extras.join(" ")}`, raw);
    const unknown = extras.find((e) => e.startsWith("--") && e.length > 2);
    const guess = unknown ? closest(unknown.split("=")[0]!, parser.longFlags) : undefined;
    if (guess) error.recommendations.push(`Did you mean '${guess}' ?`);
    throw error;
  }
  return raw;
}

/** Python's repr() of a str, as argparse's messages quote values. */
function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const body = text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
  return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
}
