import type { CommandContext } from "./context.js";

// Commands are declared as data: flags, help, groups and examples in one place, from which the parser,
// `--help` and the generated command reference are all built. A command's `parse` turns raw flag
// values into a typed options object (az's validators live there); `run` does the work and returns
// data for the output stage. Commands never print results and never exit.

export type ArgGroup = "Arguments" | "Id Arguments" | "Global Arguments" | string;

export interface OptionSpec {
  /** commander flag syntax: "-n, --name <name>", "--ops <ops...>", "--disabled [bool]", "--debug". */
  flags: string;
  help: string;
  group?: ArgGroup;
  /** Shown in help as "Allowed values: ...". */
  choices?: readonly string[];
  /** Shown in help as "Default: ...". */
  defaultText?: string;
  /** Marked [Required] in help; enforced by parse (az's message comes from there). */
  required?: boolean;
  preview?: boolean;
}

export interface Example {
  title: string;
  command: string;
}

export type RawOptions = Record<string, unknown>;

export interface CommandSpec<O = unknown> {
  /** Words after `kvkey`, e.g. ["show"] or ["cloud", "set"]. */
  path: readonly string[];
  summary: string;
  description?: string;
  preview?: boolean;
  options: readonly OptionSpec[];
  examples: readonly Example[];
  parse(raw: RawOptions, ctx: ParseContext): O;
  run(options: O, ctx: CommandContext): Promise<unknown>;
  /** Row view for `-o table` when no --query is given. */
  tableView?: (result: unknown) => unknown;
}

export interface ParseContext {
  /** "kvkey show": the prefix of az-style value errors. */
  commandName: string;
  /** Relative file arguments resolve against this. */
  cwd: string;
}

export interface GroupSpec {
  path: readonly string[];
  summary: string;
}

/** Helper so each command file keeps its option types while the registry holds them uniformly. */
export function defineCommand<O>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}
