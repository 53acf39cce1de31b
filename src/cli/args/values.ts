import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import { UsageError, ValidationError } from "../errors.js";
import { decodeLikeAz } from "./file-values.js";
import { getCloseMatches } from "../suggest.js";

// Value parsers for az's argument types, with az's messages. Each takes the raw text the parser
// collected and the flag as the user knows it.

/**
 * az matches enum choices case-insensitively and passes on the canonical spelling. Its error lists the
 * choices in the enum's own order (pass them in az's order) and suggests the closest one underneath.
 */
export function choice<T extends string>(command: string, flag: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (found === undefined) {
    const error = new UsageError(`${command}: '${value}' is not a valid value for '${flag}'. Allowed values: ${allowed.join(", ")}.`);
    const guess = getCloseMatches(value, allowed, 3, 0.7)[0];
    if (guess) error.recommendations.push(`Did you mean '${guess}' ?`);
    throw error;
  }
  return found;
}

/**
 * az's three-state booleans: a bare flag means true, or an explicit true/false (any case).
 * The parser hands a bare optional-value flag over as `true`.
 */
export function threeState(command: string, flag: string, value: string | boolean | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === true) return true;
  return choice(command, flag, String(value), ["true", "false"] as const) === "true";
}

export function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^[+-]?\d+$/.test(value.trim()) ? Number.parseInt(value, 10) : Number.NaN;
  // Beyond 2^53 the number is no longer the one typed (and SQLite refuses it as "datatype mismatch").
  if (!Number.isSafeInteger(n)) throw new UsageError(`argument ${flag}: invalid int value: '${value}'`);
  return n;
}

/**
 * Whether an argument names an existing regular file. The "a file path, or else the value itself"
 * arguments (--policy, --value, --target) use it: existsSync alone is true for a directory (and for
 * an empty argument, which resolves to the working directory), and reading that fails with EISDIR.
 */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const AZ_DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2}))?)?Z)?$/;

/**
 * az's datetime_type: `YYYY-MM-DDTHH:MM:SSZ`, `YYYY-MM-DDTHH:MMZ`, `YYYY-MM-DDTHHZ` or `YYYY-MM-DD`, all UTC.
 * Full ISO 8601 with an explicit offset (`2030-01-01T10:00:00+02:00`) is accepted too, since that is
 * what people paste from other tools. Impossible dates (month 13, February 30) are refused.
 */
export function datetime(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const invalid = () => new UsageError(`argument ${flag}: invalid datetime_type value: '${value}'`);
  const m = AZ_DATETIME.exec(value);
  if (m) {
    const [y, mo, d, h = "0", mi = "0", s = "0"] = m.slice(1) as [string, string, string, string?, string?, string?];
    const date = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
    if (date.getUTCFullYear() !== +y || date.getUTCMonth() !== +mo - 1 || date.getUTCDate() !== +d || +h > 23 || +mi > 59 || +s > 59) {
      throw invalid();
    }
    return date;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$/.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw invalid();
}

/** `--tags a=b c` -> {a: "b", c: ""}; `--tags ''` -> {} (clears tags on set-attributes). */
export function tags(values: string[] | undefined): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const item of values) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq === -1) out[item] = "";
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** az's file_type: os.path.expanduser on the value (`~/policy.json` works even quoted). */
export function expandUser(path: string): string {
  if (path === "~") return homedir();
  return path.startsWith("~/") ? `${homedir()}${path.slice(1)}` : path;
}

/**
 * The "JSON, or a path to a file containing JSON" arguments (--policy, rotation-policy --value): a path
 * to an existing file is read as az reads files, anything else is parsed as JSON. A value that is
 * neither says so, naming the file that is not there (`--value nosuchfile.json`).
 */
export function jsonFromFileOrText(flag: string, value: string, cwd: string): unknown {
  const path = resolve(cwd, expandUser(value));
  const fromFile = isFile(path);
  const text = fromFile ? decodeLikeAz(readFileSync(path)) : value;
  try {
    return JSON.parse(text);
  } catch (err) {
    const detail = (err as Error).message;
    if (fromFile) throw new ValidationError(`Failed to parse the file ${value} as JSON: ${detail}`);
    // Something that does not even start like JSON was most likely meant as a file name.
    if (!/^\s*[[{"]/.test(value)) {
      throw new ValidationError(`Failed to parse ${flag} as JSON: the file '${value}' does not exist, and the value is not JSON either (${detail}).`);
    }
    throw new ValidationError(`Failed to parse ${flag} as JSON: ${detail}`);
  }
}
