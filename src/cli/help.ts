import type { ArgSpec, CommandSpec, GroupSpec, OptionSpec } from "./spec.js";
import { GLOBAL_OPTIONS } from "./globals.js";

// Help text in az's layout: the command and its summary, arguments grouped as az groups them (plain
// Arguments, Id Arguments, Global Arguments), choices and defaults, then worked examples.

const INDENT = "    ";

/** "--name -n" from "-n, --name <name>": long form first, as az lists it. */
export function optionLabel(flags: string): string {
  const names = flags
    .split(/[ ,]+/)
    .filter((part) => part.startsWith("-"));
  const long = names.filter((n) => n.startsWith("--"));
  const short = names.filter((n) => !n.startsWith("--"));
  return [...long, ...short].join(" ");
}

/** How help and errors name a positional argument: az's `<KEY_VALUE>`. */
export function positionalLabel(name: string): string {
  return `<${name.replace(/-/g, "_").toUpperCase()}>`;
}

function wrap(text: string, width: number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.length ? lines : [""];
}

function optionText(option: OptionSpec): string {
  let text = option.help;
  if (option.required) text = `[Required] ${text}`;
  if (option.preview) text = `[Preview] ${text}`;
  if (option.choices) text += `  Allowed values: ${option.choices.join(", ")}.`;
  if (option.defaultText !== undefined) text += `  Default: ${option.defaultText}.`;
  return text;
}

/** az's "Positional" group, in declaration order. */
function renderPositionals(args: readonly ArgSpec[], width: number): string[] {
  const labelWidth = Math.max(...args.map((a) => positionalLabel(a.name).length)) + 2;
  const textWidth = Math.max(30, width - INDENT.length - labelWidth - 2);
  const lines = ["Positional"];
  for (const arg of args) {
    let text = arg.required ? `[Required] ${arg.help}` : arg.help;
    if (arg.choices) text += `  Allowed values: ${arg.choices.join(", ")}.`;
    const [first, ...rest] = wrap(text, textWidth);
    lines.push(`${INDENT}${positionalLabel(arg.name).padEnd(labelWidth)}: ${first}`);
    for (const more of rest) lines.push(`${INDENT}${" ".repeat(labelWidth)}  ${more}`);
  }
  return lines;
}

function renderGroup(title: string, options: readonly OptionSpec[], width: number): string[] {
  const sorted = [...options].sort((a, b) => {
    const la = optionLabel(a.flags);
    const lb = optionLabel(b.flags);
    // Required arguments first, as az does, then alphabetical.
    if (!!a.required !== !!b.required) return a.required ? -1 : 1;
    return la.localeCompare(lb);
  });
  const labelWidth = Math.max(...sorted.map((o) => optionLabel(o.flags).length)) + 2;
  const textWidth = Math.max(30, width - INDENT.length - labelWidth - 2);
  const lines = [title];
  for (const option of sorted) {
    const label = optionLabel(option.flags).padEnd(labelWidth);
    const [first, ...rest] = wrap(optionText(option), textWidth);
    lines.push(`${INDENT}${label}: ${first}`);
    for (const more of rest) lines.push(`${INDENT}${" ".repeat(labelWidth)}  ${more}`);
  }
  return lines;
}

export function renderCommandHelp(spec: CommandSpec, width = 100): string {
  const name = `kvkey ${spec.path.join(" ")}`;
  const lines: string[] = ["", "Command", `${INDENT}${name} : ${spec.preview ? "[Preview] " : ""}${spec.summary}`];
  if (spec.description) for (const l of wrap(spec.description, width - 8)) lines.push(`${INDENT}${INDENT}${l}`);
  const groups = new Map<string, OptionSpec[]>();
  for (const option of spec.options) {
    const group = option.group ?? "Arguments";
    groups.set(group, [...(groups.get(group) ?? []), option]);
  }
  if (spec.args?.length) lines.push("", ...renderPositionals(spec.args, width));
  const order = ["Arguments", ...[...groups.keys()].filter((g) => g !== "Arguments").sort()];
  for (const group of order) {
    const options = groups.get(group);
    if (options?.length) lines.push("", ...renderGroup(group, options, width));
  }
  lines.push("", ...renderGroup("Global Arguments", GLOBAL_OPTIONS, width));
  if (spec.examples.length) {
    lines.push("", "Examples");
    for (const example of spec.examples) {
      for (const l of wrap(example.title, width - 4)) lines.push(`${INDENT}${l}`);
      lines.push(`${INDENT}${INDENT}${example.command}`, "");
    }
    lines.pop();
  }
  return lines.join("\n") + "\n\n";
}

export function renderGroupHelp(
  group: GroupSpec,
  subgroups: readonly GroupSpec[],
  commands: readonly Pick<CommandSpec, "path" | "summary" | "preview">[],
  width = 100,
): string {
  const name = ["kvkey", ...group.path].join(" ");
  const lines: string[] = ["", "Group", `${INDENT}${name} : ${group.summary}`];
  const entry = (label: string, summary: string, labelWidth: number) => {
    const [first, ...rest] = wrap(summary, Math.max(30, width - INDENT.length - labelWidth - 2));
    lines.push(`${INDENT}${label.padEnd(labelWidth)}: ${first}`);
    for (const more of rest) lines.push(`${INDENT}${" ".repeat(labelWidth)}  ${more}`);
  };
  const depth = group.path.length;
  const labelWidth =
    Math.max(0, ...subgroups.map((g) => g.path[depth]!.length), ...commands.map((c) => c.path[depth]!.length)) + 2;
  if (subgroups.length) {
    lines.push("", "Subgroups:");
    for (const g of subgroups) entry(g.path[depth]!, g.summary, labelWidth);
  }
  if (commands.length) {
    lines.push("", "Commands:");
    for (const c of commands) entry(c.path[depth]!, `${c.preview ? "[Preview] " : ""}${c.summary}`, labelWidth);
  }
  lines.push("", `Run 'kvkey <command> --help' for a command's arguments and examples.`);
  return lines.join("\n") + "\n\n";
}
