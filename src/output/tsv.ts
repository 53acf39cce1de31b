import { escapeControl } from "../shared/control-chars.js";
import { isOrderedHash } from "./ordered.js";
import { isJsonObject, pythonStr, sortedKeys } from "./python.js";

// knack's _TsvOutput, rule for rule:
// - a list result prints one line per item; anything else prints as a single line;
// - a line for a dict holds its values in sorted-key order (an OrderedDict, i.e. a --query
//   multiselect hash such as {a:x, b:y}, keeps its own order); a line for a list holds its items;
// - inside a line, a nested dict prints as an empty field (so columns stay aligned when a value is
//   sometimes a dict and sometimes null), a nested list prints its length, everything else Python's
//   str(): None, True, 1.5;
// - a bare boolean line is lower-cased ("true"), unlike a boolean inside a dict ("True").

export function formatTsv(result: unknown): string {
  // A single value is the whole answer (`emulator ca --pem -o tsv > ca.pem`, `--query x -o tsv`): its
  // line breaks and tabs are kept; ESC, CR and the other controls are still escaped.
  if (typeof result === "string") return `${escapeControl(result, { keepLineBreaks: true })}\n`;
  const rows = Array.isArray(result) ? result : [result];
  return rows.map((row) => `${formatRow(row)}\n`).join("");
}

function formatRow(row: unknown): string {
  if (Array.isArray(row)) return row.map(formatField).join("\t");
  if (isJsonObject(row)) {
    const keys = isOrderedHash(row) ? Object.keys(row) : sortedKeys(row);
    return keys.map((key) => formatField(row[key])).join("\t");
  }
  if (typeof row === "boolean") return String(row);
  return formatField(row);
}

function formatField(value: unknown): string {
  if (Array.isArray(value)) return String(value.length);
  if (isJsonObject(value)) return "";
  // Not az: a tab or line break inside a value would shift columns or split the line, and any other
  // control character would reach the terminal; each is escaped (\t, \n, \x1b).
  return escapeControl(pythonStr(value));
}
