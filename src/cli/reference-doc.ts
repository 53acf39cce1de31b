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
