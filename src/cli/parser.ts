import { Command, CommanderError } from "commander";
import type { CommandSpec, RawOptions } from "./spec.js";
import { GLOBAL_OPTIONS } from "./globals.js";
import { UsageError } from "./errors.js";
import { optionLabel, positionalLabel } from "./help.js";
import { closest } from "./suggest.js";

// commander collects the raw flag values; every message a user sees is az's, translated here from
// commander's error codes. Validation of values happens in each command's parse().

function longFlags(spec: CommandSpec): string[] {
  return [...spec.options, ...GLOBAL_OPTIONS].flatMap((o) => o.flags.split(/[ ,]+/).filter((f) => f.startsWith("--")));
}

function azFlagName(flags: string): string {
  // az names an argument by its long form then its short alias: "--name/-n".
  return optionLabel(flags).replace(" ", "/");
}

export function parseArgs(spec: CommandSpec, argv: readonly string[]): RawOptions {
  // Help wins over everything else on the line, a missing positional included.
  const end = argv.indexOf("--");
  if ((end < 0 ? argv : argv.slice(0, end)).some((a) => a === "-h" || a === "--help")) return { help: true };
  // No process can receive a NUL byte in its argv; `kvkey shell` lines and runCli callers can, and a NUL
  // would only resurface later as Node's "must be a string without null bytes" from some file call.
  const nul = argv.findIndex((a) => a.includes("\0"));
  if (nul >= 0) {
    const flag = argv[nul - 1]?.startsWith("-") ? `argument ${argv[nul - 1]}: ` : "";
    throw new UsageError(`${flag}invalid value ${JSON.stringify(argv[nul]!.slice(0, 100))}: arguments cannot contain NUL bytes`);
  }
  const command = new Command(spec.path.join(" "))
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    .helpOption(false)
    .allowExcessArguments(false)
    .showSuggestionAfterError(false);
  const all = [...spec.options, ...GLOBAL_OPTIONS];
  for (const option of all) command.option(option.flags, option.help);
  const positionals = spec.args ?? [];
  for (const arg of positionals) {
    const name = `${arg.name}${arg.variadic ? "..." : ""}`;
    command.argument(arg.required ? `<${name}>` : `[${name}]`, arg.help);
  }
  try {
    command.parse([...argv], { from: "user" });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    throw translate(err, spec, all, command.args);
  }
  const raw: RawOptions = command.opts();
  positionals.forEach((arg, i) => {
    const value: unknown = command.processedArgs[i];
    if (value !== undefined) raw[camelCase(arg.name)] = value;
  });
  return raw;
}

/** "key_value" or "key-value" -> "keyValue": where a positional's value lands in the raw options. */
export function camelCase(name: string): string {
  return name.replace(/[-_]([a-z])/g, (_m, c: string) => c.toUpperCase());
}


function translate(err: CommanderError, spec: CommandSpec, all: readonly { flags: string }[], operands: readonly string[]): UsageError {
  switch (err.code) {
    case "commander.unknownOption": {
      const flag = /'([^']+)'/.exec(err.message)?.[1] ?? "";
      const guess = flag.startsWith("--") ? closest(flag.split("=")[0]!, longFlags(spec)) : undefined;
      return new UsageError(`unrecognized arguments: ${flag}${guess ? ` (did you mean ${guess}?)` : ""}`);
    }
    case "commander.missingArgument": {
      const missing = (spec.args ?? []).find((a) => err.message.includes(`'${a.name}'`));
      return new UsageError(`the following arguments are required: ${missing ? positionalLabel(missing.name) : err.message}`);
    }
    case "commander.excessArguments":
      return new UsageError(`unrecognized arguments: ${operands.join(" ")}`);
    case "commander.optionMissingArgument": {
      const flags = /'([^']+)'/.exec(err.message)?.[1] ?? "";
      const known = all.find((o) => o.flags === flags);
      return new UsageError(`argument ${known ? azFlagName(known.flags) : flags}: expected one argument`);
    }
    default:
      return new UsageError(err.message.replace(/^error: /, ""));
  }
}
