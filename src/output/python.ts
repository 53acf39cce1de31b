// az is Python: every format prints numbers, booleans and null the way Python's str()/repr() and
// json.dumps do, and sorts dictionary keys the way Python's sorted() does. These helpers reproduce
// exactly that for JSON-shaped values, so each formatter can stay a small port of its knack original.

import { isOrderedHash } from "./ordered.js";

export type JsonObject = Record<string, unknown>;

/** A JSON object (not an array, not null). Objects built with a null prototype count too. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Python compares str by code point; JS `<` compares UTF-16 units, which differs above U+FFFF. */
export function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const cx = x.value.codePointAt(0) ?? 0;
    const cy = y.value.codePointAt(0) ?? 0;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

/**
 * `d[key] = value`. Plain assignment would treat a "__proto__" key as the prototype; in a dict it is
 * just a key. Like Python, a key that is already there keeps its place.
 */
export function setItem(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `sorted(d)` for a dict's keys. */
export function sortedKeys(obj: JsonObject): string[] {
  return Object.keys(obj).sort(compareCodePoints);
}

/** Number of code points: Python's len(str). */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * repr() of a number as Python holds it after json.loads: integral values are ints (JS cannot tell 1
 * from 1.0, so they print without ".0"); other values use float repr, which switches to exponent form
 * below 1e-4 with a two-digit exponent ("1e-05") where JS would print "0.00001".
 */
export function pythonNumber(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n === 0 ? 0 : n) : BigInt(n).toString();
  const [mantissa = "", exponentText = "0"] = n.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return String(n);
}

/** Python's str() of a JSON value: what tsv cells, table cells and jmespath error messages show. */
export function pythonStr(value: unknown): string {
  if (typeof value === "string") return value;
  return pythonRepr(value);
}

/** Python's repr() of a JSON value: `None`, `True`, `'text'`, `[1, 'a']`, `{'k': None}`. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return pythonNumber(value);
  if (typeof value === "string") return pythonStringRepr(value);
  if (Array.isArray(value)) return `[${value.map((v) => pythonRepr(v)).join(", ")}]`;
  if (isJsonObject(value)) {
    const entries = Object.keys(value);
    if (isOrderedHash(value)) {
      // knack's --query builds multiselect hashes as OrderedDict (Python 3.11 repr).
      return `OrderedDict([${entries.map((k) => `(${pythonStringRepr(k)}, ${pythonRepr(value[k])})`).join(", ")}])`;
    }
    return `{${entries.map((k) => `${pythonStringRepr(k)}: ${pythonRepr(value[k])}`).join(", ")}}`;
  }
  return String(value);
}

// str.isprintable(): everything but the Other (C*) and Separator (Z*) categories, except the space.
const NON_PRINTABLE = /^[\p{C}\p{Z}]$/u;

/** repr() of a str: single quotes unless the text has a ' and no ", escapes for the unprintable. */
export function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch !== " " && NON_PRINTABLE.test(ch)) out += pythonEscape(code);
    else out += ch;
  }
  return out + quote;
}

function pythonEscape(code: number): string {
  const hex = code.toString(16);
  if (code < 0x100) return `\\x${hex.padStart(2, "0")}`;
  if (code < 0x10000) return `\\u${hex.padStart(4, "0")}`;
  return `\\U${hex.padStart(8, "0")}`;
}

/** `type(x).__name__` as jmespath.py reports it in type errors. */
export function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "string") return "str";
  if (Array.isArray(value)) return "list";
  if (isJsonObject(value)) return isOrderedHash(value) ? "OrderedDict" : "dict";
  return typeof value;
}
