import { COMMANDS, GROUPS } from "../registry.js";
import { GLOBAL_OPTIONS } from "../globals.js";
import { SETTINGS } from "../settings.js";
import type { ArgSpec, CommandSpec, CompletionSource, OptionSpec } from "../spec.js";
import { CLOUDS } from "../../vault-client/clouds.js";

// Shell completion from the command declarations: the words typed so far and the word being completed
// in, candidates out. The same engine answers `kvkey __complete` (bash, zsh, fish) and Tab in
// `kvkey shell`. Only names that need a vault (key names, local vaults) go through `DynamicValues`.

export interface Candidate {
  value: string;
  description?: string;
}

export interface Completion {
  candidates: Candidate[];
  /** Let the shell complete file names instead (a --file argument). */
  files: boolean;
}

/** What the line says so far, for values that depend on it (the vault whose key names to offer). */
export interface LineContext {
  command: CommandSpec;
  /** Long flag -> the last value typed for it ("--vault-name" -> "demo"). */
  given: ReadonlyMap<string, string>;
}

export interface DynamicValues {
  /** Names that start with `prefix` (any case), as many as the lookup's cap allows. */
  values(
    source: Extract<CompletionSource, "key-names" | "deleted-key-names" | "vault-names" | "hsm-names">,
    line: LineContext,
    prefix: string,
  ): Promise<string[]>;
}

const NONE: Completion = { candidates: [], files: false };

/** The first sentence of a help text, short enough for a completion menu. */
function describe(text: string): string {
  const sentence = text.replace(/\s+/g, " ").split(/(?<=\.)\s/)[0] ?? "";
  const plain = sentence.replace(/\.$/, "");
  return plain.length > 70 ? `${plain.slice(0, 69)}…` : plain;
}

function longFlag(option: OptionSpec): string {
  return option.flags.split(/[ ,]+/).find((f) => f.startsWith("--")) ?? option.flags;
}

function shortFlag(option: OptionSpec): string | undefined {
  return option.flags.split(/[ ,]+/).find((f) => /^-[^-]/.test(f));
}

/** "--name <name>" takes a value; "--disabled [bool]" may; "--debug" does not. */
function valueKind(option: OptionSpec): "required" | "optional" | "none" {
  if (/<[^>]+>/.test(option.flags)) return "required";
  if (/\[[^\]]+\]/.test(option.flags)) return "optional";
  return "none";
}

function variadic(option: OptionSpec): boolean {
  return /\.\.\.[>\]]/.test(option.flags);
}

function takesFiles(option: OptionSpec): boolean {
  return option.complete === "files" || /<(path|file|dir|folder)>/.test(option.flags);
}

export function startsWith(value: string, prefix: string): boolean {
  return value.toLowerCase().startsWith(prefix.toLowerCase());
}

/** `az keyvault key ...` and `kvkey ...` prefixes are accepted as runCli accepts them. */
function stripPrefixes(words: string[]): string[] {
  const out = [...words];
  if (out[0] === "kvkey") out.shift();
  if (out[0] === "az") out.shift();
  if (out[0] === "keyvault" && out[1] === "key") out.splice(0, 2);
  return out;
}

export async function complete(typed: readonly string[], current: string, dynamic?: DynamicValues): Promise<Completion> {
  const words = stripPrefixes([...typed]);
  // The command: the longest run of leading words that names a group or command.
  const path: string[] = [];
  const named = (p: readonly string[]) => COMMANDS.find((c) => c.path.length === p.length && c.path.every((w, i) => p[i] === w));
  for (const word of words) {
    if (named(path)) break;
    const next = [...path, word];
    if (![...COMMANDS, ...GROUPS].some((c) => next.every((w, i) => c.path[i] === w))) break;
    path.push(word);
  }
  const command = named(path);
  if (!command) {
    if (path.length !== words.length) return NONE;
    if (current.startsWith("-")) return { candidates: filter([{ value: "--help", description: "Show help" }], current), files: false };
    return { candidates: filter(children(path), current), files: false };
  }
  return completeCommand(command, words.slice(path.length), current, dynamic);
}

function children(path: readonly string[]): Candidate[] {
  const depth = path.length;
  const under = (p: readonly string[]) => p.length === depth + 1 && path.every((w, i) => p[i] === w);
  return [
    ...GROUPS.filter((g) => under(g.path)).map((g) => ({ value: g.path[depth]!, description: describe(g.summary) })),
    ...COMMANDS.filter((c) => under(c.path)).map((c) => ({ value: c.path[depth]!, description: describe(c.summary) })),
  ].sort((a, b) => a.value.localeCompare(b.value));
}

function filter(candidates: readonly Candidate[], prefix: string): Candidate[] {
  const seen = new Set<string>();
  return candidates.filter((c) => {
    if (!startsWith(c.value, prefix) || seen.has(c.value)) return false;
    seen.add(c.value);
    return true;
  });
}

async function completeCommand(command: CommandSpec, rest: readonly string[], current: string, dynamic?: DynamicValues): Promise<Completion> {
  const options = [...command.options, ...GLOBAL_OPTIONS];
  const byFlag = new Map<string, OptionSpec>();
  for (const option of options) for (const flag of option.flags.split(/[ ,]+/).filter((f) => f.startsWith("-"))) byFlag.set(flag, option);

  const given = new Map<string, string>();
  const used = new Set<OptionSpec>();
  const listed = new Map<OptionSpec, string[]>();
  let pending: OptionSpec | undefined;
  let open: OptionSpec | undefined; // a variadic option still taking values
  let positionals: string[] = [];
  for (const word of rest) {
    if (pending && !(valueKind(pending) === "optional" && word.startsWith("-"))) {
      given.set(longFlag(pending), word);
      listed.set(pending, [...(listed.get(pending) ?? []), word]);
      open = variadic(pending) ? pending : undefined;
      pending = undefined;
      continue;
    }
    pending = undefined;
    if (word.startsWith("-") && word !== "-") {
      open = undefined;
      const eq = word.indexOf("=");
      const flag = eq > 0 ? word.slice(0, eq) : word;
      const option = byFlag.get(flag);
      if (!option) continue;
      used.add(option);
      if (eq > 0) given.set(longFlag(option), word.slice(eq + 1));
      else if (valueKind(option) !== "none") pending = option;
      continue;
    }
    if (open) {
      listed.set(open, [...(listed.get(open) ?? []), word]);
      continue;
    }
    positionals = [...positionals, word];
  }
  const line: LineContext = { command, given };

  if (pending && !(valueKind(pending) === "optional" && current.startsWith("-"))) {
    return valuesFor(pending, current, line, dynamic, listed.get(pending) ?? []);
  }
  // --flag=value in one word.
  const eq = current.indexOf("=");
  if (current.startsWith("--") && eq > 0) {
    const option = byFlag.get(current.slice(0, eq));
    if (!option || valueKind(option) === "none") return NONE;
    const inner = await valuesFor(option, current.slice(eq + 1), line, dynamic, []);
    return { candidates: inner.candidates.map((c) => ({ ...c, value: `${current.slice(0, eq + 1)}${c.value}` })), files: inner.files };
  }
  if (current.startsWith("-")) return { candidates: flagCandidates(options, used, current), files: false };
  if (open) {
    const values = await valuesFor(open, current, line, dynamic, listed.get(open) ?? []);
    if (values.candidates.length || values.files) return values;
  }
  const arg = positionalAt(command.args ?? [], positionals.length);
  if (arg) return argValues(arg, current, positionals);
  // Nothing positional left: offer the flags, as most CLIs do on Tab after a command.
  return current === "" ? { candidates: flagCandidates(options, used, current), files: false } : NONE;
}

function positionalAt(args: readonly ArgSpec[], index: number): ArgSpec | undefined {
  if (index < args.length) return args[index];
  const last = args[args.length - 1];
  return last?.variadic ? last : undefined;
}

function flagCandidates(options: readonly OptionSpec[], used: ReadonlySet<OptionSpec>, current: string): Candidate[] {
  const out: Candidate[] = [];
  // Required arguments first, as help lists them.
  const ordered = [...options].sort((a, b) => Number(!!b.required) - Number(!!a.required));
  for (const option of ordered) {
    if (used.has(option) && !variadic(option)) continue;
    const description = describe(option.help);
    out.push({ value: longFlag(option), description });
    // Short forms only once a single dash is typed and it could be one (`-n`), never for `--`.
    const short = shortFlag(option);
    if (short && !current.startsWith("--") && current.length > 0) out.push({ value: short, description });
  }
  return filter(out, current);
}

async function valuesFor(
  option: OptionSpec,
  current: string,
  line: LineContext,
  dynamic: DynamicValues | undefined,
  already: readonly string[],
): Promise<Completion> {
  if (option.choices) {
    const fresh = option.choices.filter((c) => !variadic(option) || !already.includes(c));
    return { candidates: filter(fresh.map((value) => ({ value })), current), files: false };
  }
  if (takesFiles(option)) return { candidates: [], files: true };
  switch (option.complete) {
    case "clouds":
      return { candidates: filter(CLOUDS.map((c) => ({ value: c.name })), current), files: false };
    case "key-names":
    case "deleted-key-names":
    case "vault-names":
    case "hsm-names": {
      if (!dynamic) return NONE;
      const names = await dynamic.values(option.complete, line, current).catch(() => [] as string[]);
      return { candidates: filter(names.map((value) => ({ value })), current), files: false };
    }
    default:
      return NONE;
  }
}

function argValues(arg: ArgSpec, current: string, typed: readonly string[]): Completion {
  if (arg.choices) return { candidates: filter(arg.choices.map((value) => ({ value })), current), files: false };
  if (arg.complete === "setting-assignments") {
    // `config set core.output=<Tab>`: the key first (with its '='), then its allowed values.
    const eq = current.indexOf("=");
    if (eq < 0) {
      return { candidates: filter(SETTINGS.map((s) => ({ value: `${s.key}=`, description: describe(s.description) })), current), files: false };
    }
    const setting = SETTINGS.find((s) => s.key === current.slice(0, eq).toLowerCase());
    const allowed = setting?.allowed ?? [];
    return { candidates: filter(allowed.map((v) => ({ value: `${setting!.key}=${v}` })), current), files: false };
  }
  if (arg.complete === "setting-keys") {
    const fresh = SETTINGS.filter((s) => !typed.includes(s.key));
    return { candidates: filter(fresh.map((s) => ({ value: s.key, description: describe(s.description) })), current), files: false };
  }
  return NONE;
}
