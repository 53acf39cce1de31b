import type { ArgSpec, CommandSpec, GroupSpec, OptionSpec } from "./spec.js";
import { GLOBAL_OPTIONS } from "./globals.js";
import { splitLine } from "./completion/words.js";

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

/** The width help is laid out for: the terminal's, else `COLUMNS` (as less, man and argparse read it), else 80. */
export function helpWidth(io: { isStdoutTTY: boolean; columns?: number; env: Record<string, string | undefined> }): number {
  if (io.isStdoutTTY && io.columns) return io.columns;
  const columns = Number(io.env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : 80;
}

const length = (text: string): number => Array.from(text).length;

/**
 * Lines of at most `width` characters, broken at spaces. A word longer than a line (a URL) is cut
 * across lines rather than left to run past the terminal's edge.
 */
export function wrap(text: string, width: number): string[] {
  const room = Math.max(1, width);
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && length(line) + 1 + length(word) <= room) {
      line = `${line} ${word}`;
      continue;
    }
    if (line) lines.push(line);
    const chars = Array.from(word);
    while (chars.length > room) lines.push(chars.splice(0, room).join(""));
    line = chars.join("");
  }
  if (line) lines.push(line);
  return lines.length ? lines : [""];
}

/**
 * `label : text` rows with the colons aligned and the text wrapped under itself (a hanging indent).
 * The label column is at most 40% of the width: a longer label (`--default-data-disk-policy
 * --default-dd-policy`) gets a line of its own so that every other row keeps room for its text; on a
 * terminal too narrow for two columns the text goes under its label.
 */
function renderEntries(
  entries: ReadonlyArray<{ label: string; text: string }>,
  width: number,
  alignWith: readonly string[] = entries.map((e) => e.label),
): string[] {
  const cap = Math.max(8, Math.floor((width - INDENT.length) * 0.4));
  const labelWidth = Math.max(0, ...alignWith.map((label) => length(label) + 2).filter((w) => w <= cap)) || cap;
  const textStart = INDENT.length + labelWidth + 2;
  const lines: string[] = [];
  if (width - textStart < 20) {
    for (const entry of entries) {
      lines.push(...wrap(entry.label, width - INDENT.length).map((l) => INDENT + l));
      lines.push(...wrap(entry.text, width - 2 * INDENT.length).map((l) => INDENT + INDENT + l));
    }
    return lines;
  }
  for (const { label, text } of entries) {
    const [first, ...rest] = wrap(text, width - textStart);
    if (length(label) + 2 <= labelWidth) {
      lines.push(`${INDENT}${label.padEnd(labelWidth)}: ${first}`);
    } else {
      lines.push(...wrap(label, width - INDENT.length).map((l) => INDENT + l));
      lines.push(`${INDENT}${" ".repeat(labelWidth)}: ${first}`);
    }
    for (const more of rest) lines.push(" ".repeat(textStart) + more);
  }
  return lines;
}

/** `    kvkey create : summary`, the summary wrapped under itself (or under the indent when the name is long). */
function headline(name: string, summary: string, width: number): string[] {
  const lead = `${INDENT}${name} : `;
  const hang = width - length(lead) >= 30 ? length(lead) : 2 * INDENT.length;
  const [first, ...rest] = wrap(summary, width - hang);
  if (hang !== length(lead)) return [`${INDENT}${name} :`, ...[first!, ...rest].map((l) => " ".repeat(hang) + l)];
  return [`${lead}${first}`, ...rest.map((l) => " ".repeat(hang) + l)];
}

/**
 * An example command, indented by `indent`, broken where a shell reads it unchanged: between words
 * with a trailing ` \\` (before a flag or a `&&` rather than between a flag and its value), or inside
 * a single-quoted JSON value after a `,` `:` `{` or `[` outside its strings, where the line break is
 * JSON whitespace. A word that still does not fit stays whole, so that it can be copied.
 */
export function wrapCommand(command: string, indent: number, width: number, continuation = INDENT.length): string[] {
  const first = " ".repeat(indent);
  if (indent + length(command) <= width) return [first + command];
  const more = " ".repeat(indent + continuation);
  const words = splitLine(command).spans.map(({ start, end }) => command.slice(start, end));
  // Units kept on one line when they fit: a flag with its value, a word, `&&` with what follows it.
  const operator = /^(&&|\|\||\||;)$/;
  const units: string[][] = [];
  for (const word of words) {
    const last = units.at(-1);
    const joinsFlag = last?.length === 1 && /^-/.test(last[0]!) && !/^-/.test(word) && !operator.test(word);
    const followsOperator = last?.length === 1 && operator.test(last[0]!);
    if (last && (joinsFlag || followsOperator)) last.push(word);
    else units.push([word]);
  }
  // The pieces in order: `sep` joins a piece to the one before on the same line; `quoted` says a
  // break before it falls inside quotes (no " \\" there).
  const pieces: Array<{ text: string; sep: string; quoted: boolean; unit: number }> = [];
  units.forEach((unit, u) => {
    unit.forEach((word) => {
      const sep = pieces.length === 0 ? "" : " ";
      if (/^'[[{]/.test(word) && word.endsWith("'") && more.length + length(word) + 2 > width) {
        jsonPieces(word).forEach((p, i) => pieces.push({ text: p.text, sep: i === 0 ? sep : p.sep, quoted: i > 0, unit: u }));
      } else {
        pieces.push({ text: word, sep, quoted: false, unit: u });
      }
    });
  });
  const room = (lineCount: number) => width - (lineCount ? more.length : first.length) - 2; // 2 for " \\"
  const lines: string[] = [];
  let line = "";
  for (let i = 0; i < pieces.length; i++) {
    const { text, sep, quoted, unit } = pieces[i]!;
    const startsUnit = i === 0 || pieces[i - 1]!.unit !== unit;
    // At the start of a unit the whole unit should fit on this line (if it fits on any); within one, the next piece.
    const whole = startsUnit ? unitText(pieces, i) : text;
    const needed = length(startsUnit && length(whole) <= room(1) ? whole : text);
    if (!line || length(line) + length(sep) + needed <= room(lines.length)) {
      line = line ? line + sep + text : text;
    } else {
      lines.push((lines.length ? more : first) + line + (quoted ? "" : " \\"));
      line = text;
    }
  }
  lines.push((lines.length ? more : first) + line);
  return lines;
}

function unitText(pieces: ReadonlyArray<{ text: string; sep: string; unit: number }>, from: number): string {
  const unit = pieces[from]!.unit;
  let text = pieces[from]!.text;
  for (let i = from + 1; i < pieces.length && pieces[i]!.unit === unit; i++) text += pieces[i]!.sep + pieces[i]!.text;
  return text;
}

/** A single-quoted JSON word cut after each `,` `:` `{` `[` outside JSON strings; a space after one is the next piece's `sep`. */
function jsonPieces(word: string): Array<{ text: string; sep: string }> {
  const out: Array<{ text: string; sep: string }> = [];
  let text = "";
  let sep = "";
  let inString = false;
  let escaped = false;
  for (const ch of word) {
    if (inString) {
      text += ch;
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === " " && text === "") {
      sep += ch;
      continue;
    }
    text += ch;
    if (ch === '"') inString = true;
    else if (",:{[".includes(ch)) {
      out.push({ text, sep });
      text = "";
      sep = "";
    }
  }
  if (text) out.push({ text, sep });
  return out;
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
  const entries = args.map((arg) => {
    let text = arg.required ? `[Required] ${arg.help}` : arg.help;
    if (arg.choices) text += `  Allowed values: ${arg.choices.join(", ")}.`;
    return { label: positionalLabel(arg.name), text };
  });
  return ["Positional", ...renderEntries(entries, width)];
}

function renderGroup(title: string, options: readonly OptionSpec[], width: number): string[] {
  const sorted = [...options].sort((a, b) => {
    const la = optionLabel(a.flags);
    const lb = optionLabel(b.flags);
    // Required arguments first, as az does, then alphabetical.
    if (!!a.required !== !!b.required) return a.required ? -1 : 1;
    return la.localeCompare(lb);
  });
  return [title, ...renderEntries(sorted.map((o) => ({ label: optionLabel(o.flags), text: optionText(o) })), width)];
}

/** Where help is read: at a prompt of `kvkey shell` commands are typed without `kvkey`, and `help X` is the way to ask. */
export type HelpContext = "command line" | "shell";

export function renderCommandHelp(spec: CommandSpec, width = 80): string {
  const name = `kvkey ${spec.path.join(" ")}`;
  const lines: string[] = ["", "Command", ...headline(name, `${spec.preview ? "[Preview] " : ""}${spec.summary}`, width)];
  if (spec.description) for (const l of wrap(spec.description, width - 2 * INDENT.length)) lines.push(`${INDENT}${INDENT}${l}`);
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
      for (const l of wrap(example.title, width - INDENT.length)) lines.push(`${INDENT}${l}`);
      lines.push(...wrapCommand(example.command, 2 * INDENT.length, width), "");
    }
    lines.pop();
  }
  return lines.join("\n") + "\n\n";
}

export function renderGroupHelp(
  group: GroupSpec,
  subgroups: readonly GroupSpec[],
  commands: readonly Pick<CommandSpec, "path" | "summary" | "preview">[],
  width = 80,
  context: HelpContext = "command line",
): string {
  const name = ["kvkey", ...group.path].join(" ");
  const lines: string[] = ["", "Group", ...headline(name, group.summary, width)];
  const depth = group.path.length;
  // Subgroups and commands share one column, as az lays them out.
  const labels = [...subgroups, ...commands].map((c) => c.path[depth]!);
  if (subgroups.length) {
    lines.push("", "Subgroups:");
    lines.push(...renderEntries(subgroups.map((g) => ({ label: g.path[depth]!, text: g.summary })), width, labels));
  }
  if (commands.length) {
    lines.push("", "Commands:");
    const entries = commands.map((c) => ({ label: c.path[depth]!, text: `${c.preview ? "[Preview] " : ""}${c.summary}` }));
    lines.push(...renderEntries(entries, width, labels));
  }
  lines.push("", ...wrap(groupFooter(group, commands, context), width));
  return lines.join("\n") + "\n\n";
}

/** How to go on from a group's help, with the group's own name and one of its real commands. */
function groupFooter(group: GroupSpec, commands: readonly Pick<CommandSpec, "path">[], context: HelpContext): string {
  const words = group.path.join(" ");
  const preferred = ["show", "list", "start"].map((word) => commands.find((c) => c.path.at(-1) === word)).find(Boolean);
  const sample = (preferred ?? commands[0])?.path.join(" ");
  if (context === "shell") {
    const ask = words ? `help ${words} <command>` : "help <command>";
    return `Type '${ask}' for a command's arguments and examples${sample ? ` (for example 'help ${sample}')` : ""}.`;
  }
  const ask = words ? `kvkey ${words} <command> --help` : "kvkey <command> --help";
  return `Run '${ask}' for a command's arguments and examples${sample ? ` (for example 'kvkey ${sample} --help')` : ""}.`;
}
