import type { CommandContext } from "./context.js";

// Commands are declared as data: flags, help, groups and examples in one place, from which the parser,
// `--help` and the generated command reference are all built. A command's `parse` turns raw flag
// values into a typed options object (az's validators live there); `run` does the work and returns
// data for the output stage. Commands never print results and never exit.

export type ArgGroup = "Arguments" | "Id Arguments" | "Global Arguments" | string;

export interface OptionSpec {
  /**
   * Flag syntax: "-n, --name <name>" (one value), "--disabled [bool]" (at most one), "--tags [tags...]"
   * (a list, maybe empty; repeated, the last wins), "--claim <claims...>" (one or more; repeated, they
   * add up), "--debug" (no value). src/cli/parser.ts reads them as argparse would.
   */
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
  /** What shell completion offers for the value, beyond `choices` (files also for <path>/<file>/<dir>). */
  complete?: CompletionSource;
}

/** Dynamic values completion looks up: names in the current vault, local vaults, clouds, files. */
export type CompletionSource = "key-names" | "deleted-key-names" | "vault-names" | "hsm-names" | "clouds" | "files";

/** A positional argument (az's "Positional" group): `kvkey completion bash`, `kvkey config set k=v`. */
export interface ArgSpec {
  /** Lower-case name; raw options hold the value under its camelCase form. */
  name: string;
  help: string;
  required?: boolean;
  /** Takes every remaining word (a string[]). */
  variadic?: boolean;
  choices?: readonly string[];
  /** What completion offers: `section.name=value` assignments or `section.name` keys (kvkey config). */
  complete?: "setting-assignments" | "setting-keys";
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
  /** Positional arguments, in order (most commands have none). */
  args?: readonly ArgSpec[];
  examples: readonly Example[];
  parse(raw: RawOptions, ctx: ParseContext): O;
  run(options: O, ctx: CommandContext): Promise<unknown>;
  /**
   * Row view for `-o table` when no --query is given. `width` is the terminal's width on a TTY (never
   * when piped), so a view can keep the columns that matter when the terminal is narrow. `options` are
   * the command's parsed options, for what the result does not say (the AES key size create asked for).
   */
  tableView?: (result: unknown, width?: number, options?: NoInfer<O>) => unknown;
  /** The result is text for another program (a shell script), written as it is: --output and --query do not apply. */
  textOutput?: boolean;
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

/**
 * What dispatch knows of a command before loading it (command-index.generated.ts): enough to find
 * it, list it in group help and suggest it for a typo. `load` imports its module alone.
 */
export interface IndexedCommand {
  path: readonly string[];
  summary: string;
  preview?: boolean;
  load(): Promise<CommandSpec<any>>;
}

/** Helper so each command file keeps its option types while the registry holds them uniformly. */
export function defineCommand<O>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}
