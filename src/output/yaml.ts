import { createRequire } from "node:module";
import type { ScalarTag } from "yaml";
import { isJsonObject, setItem, sortedKeys } from "./python.js";
import { chooseStyle, doubleQuoted, singleQuoted, yamlNumber } from "./yaml-scalar.js";

// -o yaml: yaml.safe_dump(result, default_flow_style=False) as azure-cli calls it. The yaml package
// does the layout, which already matches PyYAML's block style (two-space indent, sequences not
// indented under their key, {} and [] for empty collections); one custom scalar tag writes every
// string, number, boolean and null the way PyYAML would (see yaml-scalar.ts). Strings stay strings:
// az 2.45 printed key material as !!binary because its SDK handed it bytes; ours are text.

// Loaded on first use: the yaml package is the heaviest import of the output stage (tens of
// milliseconds) and most runs print json.
let yamlPackage: typeof import("yaml") | undefined;
function loadYaml(): typeof import("yaml") {
  yamlPackage ??= createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return yamlPackage;
}

export interface YamlPalette {
  key(text: string): string;
  quoted(text: string): string;
}

const identity = (text: string): string => text;
export const PLAIN_YAML_PALETTE: YamlPalette = { key: identity, quoted: identity };

function scalarTag(palette: YamlPalette): ScalarTag {
  return {
    tag: "tag:yaml.org,2002:str",
    default: true,
    identify: (value) => value === null || ["string", "number", "boolean"].includes(typeof value),
    resolve: (text) => text,
    stringify(item, ctx) {
      const value = item.value;
      if (value === null || value === undefined) return "null";
      if (typeof value === "boolean") return String(value);
      if (typeof value === "number") return yamlNumber(value);
      const text = String(value);
      const style = chooseStyle(text, ctx.implicitKey === true);
      // PyYAML indents a scalar's continuation lines one level deeper than its node; at the
      // document root that is two spaces, where the yaml package reports none.
      const rendered = style === "plain" ? text : style === "single" ? singleQuoted(text, ctx.indent || "  ") : doubleQuoted(text);
      if (ctx.implicitKey) return palette.key(rendered);
      return style === "plain" ? rendered : palette.quoted(rendered);
    },
  };
}

/** safe_dump sorts mapping keys (sort_keys=True); Python sorts str by code point. */
function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (isJsonObject(value)) {
    const sorted: Record<string, unknown> = {};
    for (const key of sortedKeys(value)) {
      if (value[key] !== undefined) setItem(sorted, key, sortDeep(value[key]));
    }
    return sorted;
  }
  return value;
}

export function formatYaml(result: unknown, palette: YamlPalette = PLAIN_YAML_PALETTE): string {
  const text = loadYaml().stringify(sortDeep(result), {
    indent: 2,
    indentSeq: false,
    lineWidth: 0,
    // Only our scalar tag and the two collections: no timestamps, no !!binary, no YAML 1.2 guessing.
    customTags: () => [scalarTag(palette), "map", "seq"],
  });
  // A document whose root is a plain scalar is "open ended" for PyYAML, which then closes it with "...".
  const rootIsPlain =
    result === null ||
    typeof result === "number" ||
    typeof result === "boolean" ||
    (typeof result === "string" && chooseStyle(result, false) === "plain");
  return rootIsPlain ? `${text}...\n` : text;
}
