import { pythonNumber } from "./python.js";

// How PyYAML's emitter (yaml.safe_dump, behind az -o yaml) writes one scalar: which style it picks
// (plain, 'single' or "double" quoted) and the exact text of each. The yaml package lays out the
// mappings and sequences; this module makes each scalar look as PyYAML's would, so quoting matches az:
// 'yes', '123', '2022-08-03T06:44:17+00:00' and '' are quoted (YAML 1.1 would read them as another
// type), "tab\tin" is double-quoted. Two deliberate differences: long lines are never folded (PyYAML
// wraps plain and quoted scalars past column 80; the value is the same, the text just stays on one
// line), and printable non-ASCII text is written as is, not as \xE9 escapes (azure-cli calls safe_dump
// without allow_unicode; knack's own YAML output, and most people, want it readable).

const ALLOW_UNICODE = true;

export type ScalarStyle = "plain" | "single" | "double";

// YAML 1.1 implicit types (PyYAML's resolver.py): a plain scalar that matches one of these would be
// read back as bool/float/int/merge/null/timestamp/value, so a string like that must be quoted.
const IMPLICIT_TYPES: RegExp[] = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  /^(?:=)$/,
];

const BREAKS = "\n\x85\u2028\u2029";
const WHITESPACE = `\0 \t\r${BREAKS}`;

interface Analysis {
  empty: boolean;
  multiline: boolean;
  allowPlain: boolean;
  allowSingle: boolean;
}

function isUnicodePrintable(code: number): boolean {
  return (
    code === 0x85 ||
    (code >= 0xa0 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code < 0x10ffff)
  );
}

/** Emitter.analyze_scalar, block context only (az never emits flow collections but {} and []). */
function analyze(text: string): Analysis {
  const chars = Array.from(text);
  if (chars.length === 0) return { empty: true, multiline: false, allowPlain: true, allowSingle: true };
  let blockIndicators = text.startsWith("---") || text.startsWith("...");
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWhitespace = true;
  let previousSpace = false;
  let previousBreak = false;
  chars.forEach((ch, index) => {
    const next = chars[index + 1];
    const followedByWhitespace = next === undefined || WHITESPACE.includes(next);
    if (index === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) blockIndicators = true;
      if ("?:".includes(ch) && followedByWhitespace) blockIndicators = true;
      if (ch === "-" && followedByWhitespace) blockIndicators = true;
    } else {
      if (ch === ":" && followedByWhitespace) blockIndicators = true;
      if (ch === "#" && precededByWhitespace) blockIndicators = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    const code = ch.codePointAt(0) ?? 0;
    if (!(ch === "\n" || (code >= 0x20 && code <= 0x7e))) {
      const unicode = isUnicodePrintable(code) && ch !== "\ufeff";
      if (!unicode || !ALLOW_UNICODE) special = true;
    }
    if (ch === " ") {
      if (index === 0) leadingSpace = true;
      if (index === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (index === 0) leadingBreak = true;
      if (index === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = WHITESPACE.includes(ch);
  });
  let allowPlain = !(leadingSpace || leadingBreak || trailingSpace || trailingBreak);
  let allowSingle = true;
  if (breakSpace) allowPlain = allowSingle = false;
  if (spaceBreak || special) allowPlain = allowSingle = false;
  if (lineBreaks || blockIndicators) allowPlain = false;
  return { empty: false, multiline: lineBreaks, allowPlain, allowSingle };
}

/** Emitter.choose_scalar_style for a str scalar; keys are "simple keys" in PyYAML's terms. */
export function chooseStyle(text: string, isKey: boolean): ScalarStyle {
  const analysis = analyze(text);
  const readsAsString = !IMPLICIT_TYPES.some((pattern) => pattern.test(text));
  if (readsAsString && !(isKey && (analysis.empty || analysis.multiline)) && analysis.allowPlain) return "plain";
  if (analysis.allowSingle && !(isKey && analysis.multiline)) return "single";
  return "double";
}

/** Emitter.write_single_quoted without folding: '' for ', and a run of line breaks gains a blank line. */
export function singleQuoted(text: string, indent: string): string {
  let out = "'";
  const chars = Array.from(text);
  for (let i = 0; i < chars.length; ) {
    const ch = chars[i] ?? "";
    if (BREAKS.includes(ch)) {
      let end = i;
      while (end < chars.length && BREAKS.includes(chars[end] ?? "")) end++;
      if (ch === "\n") out += "\n";
      out += chars.slice(i, end).join("");
      out += indent;
      i = end;
      continue;
    }
    out += ch === "'" ? "''" : ch;
    i++;
  }
  return `${out}'`;
}

const ESCAPES: Record<string, string> = {
  "\0": "0",
  "\x07": "a",
  "\b": "b",
  "\t": "t",
  "\n": "n",
  "\v": "v",
  "\f": "f",
  "\r": "r",
  "\x1b": "e",
  '"': '"',
  "\\": "\\",
  "\x85": "N",
  "\xa0": "_",
  "\u2028": "L",
  "\u2029": "P",
};

/** Emitter.write_double_quoted without folding (PyYAML's escapes: upper-case hex, \U for astral). */
export function doubleQuoted(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    const printable =
      (code >= 0x20 && code <= 0x7e) || (ALLOW_UNICODE && ((code >= 0xa0 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd)));
    if (printable && !'"\\\x85\u2028\u2029\ufeff'.includes(ch)) {
      out += ch;
      continue;
    }
    const hex = code.toString(16).toUpperCase();
    out += ESCAPES[ch] !== undefined
      ? `\\${ESCAPES[ch]}`
      : code <= 0xff
        ? `\\x${hex.padStart(2, "0")}`
        : code <= 0xffff
          ? `\\u${hex.padStart(4, "0")}`
          : `\\U${hex.padStart(8, "0")}`;
  }
  return `${out}"`;
}

/** SafeRepresenter.represent_float / represent_int. */
export function yamlNumber(n: number): string {
  if (Number.isNaN(n)) return ".nan";
  if (!Number.isFinite(n)) return n > 0 ? ".inf" : "-.inf";
  const text = pythonNumber(n).toLowerCase();
  return !Number.isInteger(n) && !text.includes(".") && text.includes("e") ? text.replace("e", ".0e") : text;
}
