import { compareCodePoints, isJsonObject, pythonTypeName } from "../python.js";
import type { AstNode } from "./ast.js";

// Value rules shared by the interpreter and the functions, as jmespath.py applies them to Python
// values: what counts as false, when two values are equal, how values order, and the type names
// that appear in its error messages.

/** jmespath.py's `_Expression`: the value of `&expr`, only meaningful as a function argument. */
export class ExpressionRef {
  constructor(
    readonly node: AstNode,
    readonly evaluate: (node: AstNode, value: unknown) => unknown,
  ) {}
  apply(value: unknown): unknown {
    return this.evaluate(this.node, value);
  }
}

/** A JMESPath runtime error; the message is jmespath.py's for the same mistake. */
export class JmespathRuntimeError extends Error {
  override name = "JmespathRuntimeError";
}

export type JmesType = "number" | "string" | "boolean" | "array" | "object" | "null" | "expref";

export function jmesType(value: unknown): JmesType {
  if (value === null || value === undefined) return "null";
  if (value instanceof ExpressionRef) return "expref";
  if (typeof value === "number") return "number";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "boolean";
  if (Array.isArray(value)) return "array";
  return "object";
}

/** `_is_false`: "", [], {}, null and false; 0 is true. */
export function isFalse(value: unknown): boolean {
  if (value === "" || value === null || value === undefined || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isJsonObject(value)) return Object.keys(value).length === 0;
  return false;
}

/** Python's `==` on JSON values, where True == 1 and False == 0 (also inside lists and dicts). */
export function pythonEquals(a: unknown, b: unknown): boolean {
  const x = typeof a === "boolean" ? Number(a) : a;
  const y = typeof b === "boolean" ? Number(b) : b;
  if (x === y) return true;
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => pythonEquals(v, y[i]));
  if (isJsonObject(x) && isJsonObject(y)) {
    const keys = Object.keys(x);
    return keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && pythonEquals(x[k], y[k]));
  }
  return false;
}

/** `_equals`: Python equality, except that 0/1 never equal false/true at the top level. */
export function jmesEquals(a: unknown, b: unknown): boolean {
  const isZeroOrOne = (v: unknown) => v === 0 || v === 1;
  if ((isZeroOrOne(a) && typeof b === "boolean") || (isZeroOrOne(b) && typeof a === "boolean")) return false;
  return pythonEquals(a, b);
}

/**
 * Python's `<` family for two numbers or two strings (strings by code point). Mixing them is a
 * Python TypeError, which az reports as a failed query rather than a false comparison.
 */
export function pythonCompare(a: number | string, b: number | string, operator: string): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") return compareCodePoints(a, b);
  throw new JmespathRuntimeError(
    `'${operator}' not supported between instances of '${pythonTypeName(a)}' and '${pythonTypeName(b)}'`,
  );
}
