import type { RawOptions } from "../spec.js";

// Reading commander's raw option values (the `raw` every command's parse gets): a value given once is a
// string, a variadic flag's values an array; anything else (a boolean switch, absence) reads as undefined.

export function rawString(raw: RawOptions, key: string): string | undefined {
  const value = raw[key];
  return typeof value === "string" ? value : undefined;
}

export function rawList(raw: RawOptions, key: string): string[] | undefined {
  const value = raw[key];
  return Array.isArray(value) ? (value as string[]) : undefined;
}
