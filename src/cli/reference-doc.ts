import { COMMANDS, GROUPS, ROOT_GROUP } from "./registry.js";
import { GLOBAL_OPTIONS } from "./globals.js";
import { optionLabel, positionalLabel } from "./help.js";
import type { CommandSpec, OptionSpec } from "./spec.js";

// docs/commands.md is generated from the same declarations that build the parser and --help
// (`npm run docs`); a test fails when the file and the declarations disagree, so it cannot drift.

function optionRow(o: OptionSpec): string {
  const notes: string[] = [];
  if (o.required) notes.push("required");
  if (o.choices) notes.push(`one of: ${o.choices.map((c) => `\`${c}\``).join(", ")}`);
  if (o.defaultText !== undefined) notes.push(`default: ${o.defaultText}`);
  if (o.preview) notes.push("preview");
  const label = optionLabel(o.flags)
    .split(" ")
    .map((f) => `\`${f}\``)
    .join(" ");
  const help = o.help.replace(/\|/g, "\\|");
  return `| ${label} | ${help}${notes.length ? ` (${notes.join("; ")})` : ""} |`;
}

function commandSection(spec: CommandSpec): string {
  const lines = [`### kvkey ${spec.path.join(" ")}`, "", `${spec.preview ? "[Preview] " : ""}${spec.summary}`];
  if (spec.description) lines.push("", spec.description);
  if (spec.args?.length) {
    lines.push("", "**Positional**", "", "| argument | description |", "| --- | --- |");
    for (const a of spec.args) {
      const notes = [...(a.required ? ["required"] : []), ...(a.choices ? [`one of: ${a.choices.map((c) => `\`${c}\``).join(", ")}`] : [])];
      lines.push(`| \`${positionalLabel(a.name)}\` | ${a.help.replace(/\|/g, "\\|")}${notes.length ? ` (${notes.join("; ")})` : ""} |`);
    }
  }
  const groups = new Map<string, OptionSpec[]>();
  for (const o of spec.options) groups.set(o.group ?? "Arguments", [...(groups.get(o.group ?? "Arguments") ?? []), o]);
  for (const [group, options] of [...groups.entries()].sort(([a], [b]) => (a === "Arguments" ? -1 : b === "Arguments" ? 1 : a.localeCompare(b)))) {
    lines.push("", `**${group}**`, "", "| argument | description |", "| --- | --- |");
    for (const o of [...options].sort((a, b) => optionLabel(a.flags).localeCompare(optionLabel(b.flags)))) lines.push(optionRow(o));
  }
  if (spec.examples.length) {
    lines.push("", "**Examples**", "");
    for (const e of spec.examples) lines.push(`- ${e.title}`, "", "  ```sh", `  ${e.command}`, "  ```", "");
    lines.pop();
  }
  return lines.join("\n");
}

/** How a command line is read, and where kvkey parts from az on purpose (prose; kept here so the file stays generated). */
const COMMAND_LINES = [
  "## Command lines as az reads them",
  "",
  "kvkey reads a command line the way az does (Python's argparse under knack), so scripts written for az keep their meaning:",
  "",
  "- **Abbreviations.** Any unambiguous prefix of a long option is that option: `--vault` is `--vault-name`, `--max` is `--maxresults`, `--out` is `--output`, also as `--vault=demo`. An ambiguous prefix is refused with argparse's words, the candidates in az's order: `ambiguous option: --ex could match --expires, --exportable` (exit 2). `--o` is ambiguous for every command: `--only-show-errors`, `--output` and the command's own options that start so (`create --o` could also be `--ops`), as current az reports it (az 2.45, on Python 3.11, checked the global options alone first and named only those two).",
  "- **Values.** `--name=k` and `-nk` carry their value. A word that starts with `-` is an option, not a value (a negative number excepted): `--value -abc` is `argument --value: expected one argument`; write `--value=-abc`.",
  "- **Lists** (`--tags`, `--ops`) take the words up to the next option and may be empty: `--tags --enabled false` sets no tags and disables the key. `--tags=a b` is the tag `a` and the stray word `b`. Given twice, the last list wins (`--tags a=1 --tags b=2` is `b=2`).",
  "- **Words not taken** are reported with their values: `unrecognized arguments: --vault-name demo` (exit 2), after any bad value argparse met first (`'EC-HSM' is not a valid value for '--kty'`).",
  "- **Values from files.** A word that starts with `@` is replaced by the content of that file before the command line is read (`--value @plain.txt`, `--tags @tags.txt`, `rotation-policy update --value @policy.json`), and so is the part after the first `=` (`--value=@v.txt`, `--tags note=@note.txt`). `@-` reads standard input. Files are read as az reads them (UTF-8 with or without a byte-order mark, then UTF-16, else the bytes in base64), without trailing newlines. `a@b`, a bare `@` and `@x=y` stay as typed.",
  "- **Help.** `--help` (`-h`) shows the command's help wherever it stands, once the parser reaches it; a mistake earlier on the line is reported instead (`show --name --help` is `argument --name/-n: expected one argument`), as in az.",
  "- **Ids.** `--id` names the vault and the key; a `--name/-n` next to it is ignored, and `--version/-v` applies unless the id carries a version of its own.",
  "- **Choices** are matched without regard to case; an error lists them in az's order and, under the error line, the closest one (`Did you mean 'software' ?`). A misspelled command names only the word (`'shw' is misspelled or not recognized by the system.`) with the suggestion on the next line.",
  "",
  "## Where kvkey deliberately differs from az",
  "",
  "- **An `@file` that cannot be read is an error** naming the file (exit 2). az quietly keeps the text, so `--value @pt.txt` with a typo in the name would encrypt the string `@pt.txt`, or `--tags @tags.txt` store it as a tag. The exception is `--query`, where a JMESPath expression may start with `@` (`--query @.key.kid`), as in az.",
  "- **Ids of the wrong kind are refused.** Current az reads only the vault, name and version from an `--id`. kvkey refuses a secret's or certificate's id for a key command, and, as az 2.45 did, a key's id (`/keys/`) for `purge`, `recover` and `show-deleted`, which act on the deleted key (`invalid id: The collection \"keys\" does not match the expected \"deletedkeys\"`, exit 2): a live key's id handed to `purge` is more likely a slip than intended. Key commands take a recovery id (`/deletedkeys/`) as current az does.",
  "- **`--vault-name` with `--hsm-name`** is refused on every command; az 2.45 let one of them win silently.",
  "- **Options that do not fit the key type** (`--kty EC --size 2048`, `--kty RSA --curve P-256`) are sent as az sends them; the emulated vault refuses them (`BadParameter`) rather than ignore one. What Azure answers to them has not been observed; kvkey passes Azure's answer on as it is.",
  "- **A JSON-or-file argument naming a missing file** (`--policy`, `rotation-policy update --value nosuchfile.json`) says that the file does not exist; az says only that the text is not JSON.",
  "- **Error lines.** az follows an argument error with \"Examples from AI knowledge base\" (fetched online); kvkey prints none, and after `unrecognized arguments:` it suggests the nearest option on the next line instead (`Did you mean '--vault-name' ?`).",
  "- **kvkey's own list options** (`--claim`, `--type`, `--event-types`, `--operation`) add up when repeated; az's lists (`--tags`, `--ops`) keep the last.",
  "- **Python 3.14's argparse.** kvkey reads command lines with the npm `argparse` package, a port of argparse as Python 3.14 has it; az's packages today embed Python 3.13. They part only at the edges: a word that starts with a dash and a digit (`-1e5`, `-2abc`) is a value to kvkey and an unknown option to az (so `--value -2abc` is refused by az as `expected one argument`).",
  "- **Abbreviation candidates** are listed in az 2.45's parser order. kvkey's own options take part in prefix matching too: `--cloud` among the global options, the others (`--yes`, ...) after az's.",
];

export function renderReference(): string {
  const sections = [
    "# kvkey command reference",
    "",
    "<!-- Generated from src/cli/commands by `npm run docs`. Do not edit by hand: a test compares this file with the command definitions. -->",
    "",
    ROOT_GROUP.summary,
    "",
    "Every command also accepts `kvkey keyvault key <command>`, so an `az keyvault key` command line works with `az` replaced by `kvkey`.",
    "",
    ...COMMAND_LINES,
    "",
    "## Global arguments",
    "",
    "| argument | description |",
    "| --- | --- |",
    ...GLOBAL_OPTIONS.map(optionRow),
    "",
    "## Commands",
    "",
  ];
  const topLevel = COMMANDS.filter((c) => c.path.length === 1);
  for (const spec of topLevel) sections.push(commandSection(spec), "");
  for (const group of GROUPS) {
    sections.push(`## kvkey ${group.path.join(" ")}`, "", group.summary, "");
    const inGroup = (c: CommandSpec) => c.path.length === group.path.length + 1 && group.path.every((word, i) => c.path[i] === word);
    for (const spec of COMMANDS.filter(inGroup)) sections.push(commandSection(spec), "");
  }
  return sections.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}
