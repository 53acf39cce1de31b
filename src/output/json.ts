import { isJsonObject, pythonNumber, sortedKeys } from "./python.js";

// Python's json.dumps, which az uses for -o json (indent=2, sort_keys=True, ensure_ascii=False,
// separators ", " / ": ") and jmespath.py uses for to_string() (compact, ensure_ascii=True, insertion
// order). Writing it out instead of calling JSON.stringify keeps the two details JSON.stringify gets
// wrong for az: key order (sorted by code point, recursively) and float text ("1e-05").

/** Paints tokens for jsonc; the identity palette gives plain json. */
export interface JsonPalette {
  key(text: string): string;
  string(text: string): string;
  number(text: string): string;
  literal(text: string): string;
}

const identity = (text: string): string => text;
export const PLAIN_PALETTE: JsonPalette = { key: identity, string: identity, number: identity, literal: identity };

export interface DumpOptions {
  indent?: number;
  sortKeys: boolean;
  ensureAscii: boolean;
  separators: [item: string, key: string];
  palette?: JsonPalette;
}

export function pythonJsonDumps(value: unknown, options: DumpOptions): string {
  return dump(value, options, options.palette ?? PLAIN_PALETTE, 0);
}

/** az's -o json text for a value, with the trailing newline az prints. */
export function formatJson(value: unknown, palette: JsonPalette = PLAIN_PALETTE): string {
  return `${pythonJsonDumps(value, { indent: 2, sortKeys: true, ensureAscii: false, separators: [",", ": "], palette })}\n`;
}

function dump(value: unknown, options: DumpOptions, palette: JsonPalette, level: number): string {
  if (value === null || value === undefined) return palette.literal("null");
  if (value === true || value === false) return palette.literal(String(value));
  if (typeof value === "number") return palette.number(jsonNumber(value));
  if (typeof value === "string") return palette.string(jsonString(value, options.ensureAscii));
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const items = value.map((item) => dump(item, options, palette, level + 1));
    return wrap("[", items, "]", options, level);
  }
  if (isJsonObject(value)) {
    const keys = (options.sortKeys ? sortedKeys(value) : Object.keys(value)).filter((k) => value[k] !== undefined);
    if (keys.length === 0) return "{}";
    const [, keySeparator] = options.separators;
    const items = keys.map(
      (k) => `${palette.key(jsonString(k, options.ensureAscii))}${keySeparator}${dump(value[k], options, palette, level + 1)}`,
    );
    return wrap("{", items, "}", options, level);
  }
  throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
}

function wrap(open: string, items: string[], close: string, options: DumpOptions, level: number): string {
  const [itemSeparator] = options.separators;
  if (options.indent === undefined) return `${open}${items.join(itemSeparator)}${close}`;
  const inner = `\n${" ".repeat(options.indent * (level + 1))}`;
  const outer = `\n${" ".repeat(options.indent * level)}`;
  return `${open}${inner}${items.join(`${itemSeparator}${inner}`)}${outer}${close}`;
}

function jsonNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
  return pythonNumber(n);
}

function jsonString(text: string, ensureAscii: boolean): string {
  // JSON.stringify escapes exactly Python's set (", \, \b \f \n \r \t, other controls as \u00xx).
  const quoted = JSON.stringify(text);
  if (!ensureAscii) return quoted;
  return quoted.replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
