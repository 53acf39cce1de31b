import { pythonJsonDumps } from "../json.js";
import { codePointLength, pythonStr, pythonStringRepr, pythonTypeName as pyType, setItem, type JsonObject } from "../python.js";
import { ExpressionRef, JmespathRuntimeError, jmesType, pythonCompare, pythonEquals, type JmesType } from "./values.js";

// jmespath.py's built-in functions (functions.py of the version az ships), with its argument checks
// and its error texts, which az prints after "Invalid jmespath query supplied for `--query`: ".

type TypeSpec = "any" | JmesType | "array-number" | "array-string";

interface FunctionSpec {
  args: TypeSpec[][];
  variadic?: boolean;
  run(args: unknown[]): unknown;
}

const PYTHON_TYPES: Record<string, string[]> = {
  number: ["int", "float"],
  string: ["str"],
};

function typeError(fn: string, value: unknown, actual: string, expected: readonly string[]): JmespathRuntimeError {
  const list = `[${expected.map(pythonStringRepr).join(", ")}]`;
  return new JmespathRuntimeError(
    `In function ${fn}(), invalid type for value: ${pythonStr(value)}, expected one of: ${list}, received: "${actual}"`,
  );
}

function checkArgument(fn: string, value: unknown, types: TypeSpec[]): void {
  if (types.includes("any")) return;
  const actual = jmesType(value);
  const topLevel = (t: TypeSpec) => (t.startsWith("array") ? "array" : t);
  if (!types.some((t) => topLevel(t) === actual)) throw typeError(fn, value, actual, types);
  const subtypes = types.filter((t) => t.startsWith("array-")).map((t) => PYTHON_TYPES[t.slice(6)] ?? []);
  if (subtypes.length === 0 || !Array.isArray(value)) return;
  let allowed = subtypes[0] ?? [];
  if (subtypes.length > 1) {
    // The first element decides whether this is a list of numbers or of strings.
    if (value.length === 0) return;
    const first = pyType(value[0]);
    const match = subtypes.find((names) => names.includes(first));
    if (!match) throw typeError(fn, value[0], first, types);
    allowed = match;
  }
  for (const element of value) {
    if (!allowed.includes(pyType(element))) throw typeError(fn, element, pyType(element), types);
  }
}

function keyFunction(fn: string, ref: ExpressionRef, allowed: readonly JmesType[]): (element: unknown) => number | string {
  return (element) => {
    const key = ref.apply(element);
    const type = jmesType(key);
    if (!allowed.includes(type)) throw typeError(fn, key, type, allowed);
    return key as number | string;
  };
}

/** Python's max()/min() with a key: the first element whose key wins. */
function extremeBy(array: unknown[], key: (element: unknown) => number | string, wantMax: boolean): unknown {
  if (array.length === 0) return null;
  let best = array[0];
  let bestKey = key(best);
  for (const element of array.slice(1)) {
    const current = key(element);
    const order = pythonCompare(current, bestKey, wantMax ? ">" : "<");
    if (wantMax ? order > 0 : order < 0) {
      best = element;
      bestKey = current;
    }
  }
  return best;
}

function sortValues(values: (number | string)[]): (number | string)[] {
  return [...values].sort((a, b) => pythonCompare(a, b, "<"));
}

const INT_TEXT = /^[+-]?\d+(?:_\d+)*$/;
const FLOAT_TEXT = /^[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?$/;
const SPECIAL_FLOAT = /^([+-]?)(inf|infinity|nan)$/i;

/** int(text), then float(text), as jmespath.py's to_number tries them; null when neither parses. */
function parseNumber(text: string): number | null {
  const trimmed = text.trim();
  if (INT_TEXT.test(trimmed) || FLOAT_TEXT.test(trimmed)) return Number(trimmed.replaceAll("_", ""));
  const special = SPECIAL_FLOAT.exec(trimmed);
  if (special) {
    if (special[2]?.toLowerCase() === "nan") return Number.NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  return null;
}

const reverseText = (text: string): string => Array.from(text).reverse().join("");

const FUNCTIONS: Record<string, FunctionSpec> = {
  abs: { args: [["number"]], run: ([n]) => Math.abs(n as number) },
  avg: {
    args: [["array-number"]],
    run: ([list]) => {
      const numbers = list as number[];
      return numbers.length ? numbers.reduce((a, b) => a + b, 0) / numbers.length : null;
    },
  },
  ceil: { args: [["number"]], run: ([n]) => Math.ceil(n as number) },
  contains: {
    args: [["array", "string"], ["any"]],
    run: ([subject, search]) => {
      if (Array.isArray(subject)) return subject.some((element) => pythonEquals(element, search));
      if (typeof search !== "string") {
        throw new JmespathRuntimeError(`'in <string>' requires string as left operand, not ${pyType(search)}`);
      }
      return (subject as string).includes(search);
    },
  },
  ends_with: { args: [["string"], ["string"]], run: ([s, suffix]) => (s as string).endsWith(suffix as string) },
  floor: { args: [["number"]], run: ([n]) => Math.floor(n as number) },
  join: { args: [["string"], ["array-string"]], run: ([glue, list]) => (list as string[]).join(glue as string) },
  keys: { args: [["object"]], run: ([obj]) => Object.keys(obj as JsonObject) },
  length: {
    args: [["string", "array", "object"]],
    run: ([v]) => (typeof v === "string" ? codePointLength(v) : Array.isArray(v) ? v.length : Object.keys(v as JsonObject).length),
  },
  map: { args: [["expref"], ["array"]], run: ([ref, list]) => (list as unknown[]).map((e) => (ref as ExpressionRef).apply(e)) },
  max: {
    args: [["array-number", "array-string"]],
    run: ([list]) => {
      const values = list as (number | string)[];
      return values.length ? sortValues(values).at(-1) : null;
    },
  },
  max_by: {
    args: [["array"], ["expref"]],
    run: ([list, ref]) => extremeBy(list as unknown[], keyFunction("max_by", ref as ExpressionRef, ["number", "string"]), true),
  },
  merge: {
    args: [["object"]],
    variadic: true,
    run: (objects) => {
      const merged: JsonObject = {};
      for (const obj of objects as JsonObject[]) {
        for (const [k, v] of Object.entries(obj)) setItem(merged, k, v);
      }
      return merged;
    },
  },
  min: {
    args: [["array-number", "array-string"]],
    run: ([list]) => {
      const values = list as (number | string)[];
      return values.length ? sortValues(values)[0] : null;
    },
  },
  min_by: {
    args: [["array"], ["expref"]],
    run: ([list, ref]) => extremeBy(list as unknown[], keyFunction("min_by", ref as ExpressionRef, ["number", "string"]), false),
  },
  not_null: { args: [["any"]], variadic: true, run: (args) => args.find((v) => v !== null) ?? null },
  reverse: {
    args: [["array", "string"]],
    run: ([v]) => (typeof v === "string" ? reverseText(v) : [...(v as unknown[])].reverse()),
  },
  sort: { args: [["array-string", "array-number"]], run: ([list]) => sortValues(list as (number | string)[]) },
  sort_by: {
    args: [["array"], ["expref"]],
    run: ([list, ref]) => {
      const array = list as unknown[];
      if (array.length === 0) return array;
      const expression = ref as ExpressionRef;
      const required = jmesType(expression.apply(array[0]));
      if (required !== "number" && required !== "string") throw typeError("sort_by", array[0], required, ["string", "number"]);
      const key = keyFunction("sort_by", expression, [required]);
      // Keys are computed once each, in order, then a stable sort: Python's sorted(key=...).
      const keyed = array.map((element) => ({ element, key: key(element) }));
      keyed.sort((a, b) => pythonCompare(a.key, b.key, "<"));
      return keyed.map((entry) => entry.element);
    },
  },
  starts_with: { args: [["string"], ["string"]], run: ([s, prefix]) => (s as string).startsWith(prefix as string) },
  sum: { args: [["array-number"]], run: ([list]) => (list as number[]).reduce((a, b) => a + b, 0) },
  to_array: { args: [["any"]], run: ([v]) => (Array.isArray(v) ? v : [v]) },
  to_number: {
    args: [["any"]],
    run: ([v]) => (typeof v === "number" ? v : typeof v === "string" ? parseNumber(v) : null),
  },
  to_string: {
    args: [["any"]],
    run: ([v]) =>
      typeof v === "string" ? v : pythonJsonDumps(v, { sortKeys: false, ensureAscii: true, separators: [",", ":"] }),
  },
  type: { args: [["any"]], run: ([v]) => jmesType(v) },
  values: { args: [["object"]], run: ([obj]) => Object.values(obj as JsonObject) },
};

export function callFunction(name: string, args: unknown[]): unknown {
  const spec = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
  if (!spec) throw new JmespathRuntimeError(`Unknown function: ${name}()`);
  const expected = spec.args.length;
  if (spec.variadic ? args.length < expected : args.length !== expected) {
    const noun = expected === 1 ? "argument" : "arguments";
    throw new JmespathRuntimeError(
      `Expected ${spec.variadic ? "at least " : ""}${expected} ${noun} for function ${name}(), received ${args.length}`,
    );
  }
  spec.args.forEach((types, i) => checkArgument(name, args[i], types));
  if (spec.variadic) args.slice(expected).forEach((arg) => checkArgument(name, arg, spec.args.at(-1) ?? ["any"]));
  return spec.run(args);
}
