import { isJsonObject, setItem, type JsonObject } from "../python.js";
import type { AstNode, Comparator } from "./ast.js";
import { callFunction } from "./functions.js";
import { markOrdered } from "../ordered.js";
import { ExpressionRef, JmespathRuntimeError, isFalse, jmesEquals, pythonCompare } from "./values.js";

// A tree walker with jmespath.py's semantics (the version az ships), used instead of the jmespath
// package's own evaluator, which differs where az users notice: it orders null/booleans with `<`,
// sorts numbers as text in sort(), returns nothing from max_by() on strings, compares strings with
// localeCompare in max()/min(), reads inherited properties (`constructor`), and counts UTF-16 units
// in length(). Each visit below is the matching `visit_*` of jmespath.py's TreeInterpreter.

export function evaluate(node: AstNode, value: unknown): unknown {
  switch (node.type) {
    case "Field":
      return isJsonObject(value) && Object.hasOwn(value, node.name) ? (value[node.name] ?? null) : null;
    case "Subexpression":
    case "IndexExpression":
    case "Pipe":
      return evaluate(node.children[1], evaluate(node.children[0], value));
    case "Index":
      return indexOf(value, node.value);
    case "Slice":
      return Array.isArray(value) ? slice(value, ...node.children) : null;
    case "Identity":
    case "Current":
      return value;
    case "Literal":
      return node.value;
    case "Projection": {
      const base = evaluate(node.children[0], value);
      return Array.isArray(base) ? project(base, node.children[1]) : null;
    }
    case "ValueProjection": {
      const base = evaluate(node.children[0], value);
      return isJsonObject(base) ? project(Object.values(base), node.children[1]) : null;
    }
    case "FilterProjection": {
      const base = evaluate(node.children[0], value);
      if (!Array.isArray(base)) return null;
      const [, right, condition] = node.children;
      return project(base.filter((element) => !isFalse(evaluate(condition, element))), right);
    }
    case "Flatten": {
      const base = evaluate(node.children[0], value);
      return Array.isArray(base) ? base.flatMap((element: unknown) => (Array.isArray(element) ? element : [element])) : null;
    }
    case "Comparator":
      return compare(node.name, evaluate(node.children[0], value), evaluate(node.children[1], value));
    case "MultiSelectList":
      return value === null ? null : node.children.map((child) => evaluate(child, value));
    case "MultiSelectHash": {
      if (value === null) return null;
      const collected: JsonObject = {};
      for (const pair of node.children) setItem(collected, pair.name, evaluate(pair.value, value));
      return markOrdered(collected);
    }
    case "OrExpression": {
      const left = evaluate(node.children[0], value);
      return isFalse(left) ? evaluate(node.children[1], value) : left;
    }
    case "AndExpression": {
      const left = evaluate(node.children[0], value);
      return isFalse(left) ? left : evaluate(node.children[1], value);
    }
    case "NotExpression":
      // jmespath.py's `not x` with 0 special-cased to false: JMESPath falsiness, numbers never false.
      return isFalse(evaluate(node.children[0], value));
    case "ExpressionReference":
      return new ExpressionRef(node.children[0], evaluate);
    case "Function":
      return callFunction(
        node.name,
        node.children.map((child) => evaluate(child, value)),
      );
  }
}

function project(base: unknown[], right: AstNode): unknown[] {
  const collected: unknown[] = [];
  for (const element of base) {
    const current = evaluate(right, element);
    if (current !== null) collected.push(current);
  }
  return collected;
}

function indexOf(value: unknown, index: number): unknown {
  if (!Array.isArray(value)) return null;
  const at = index < 0 ? value.length + index : index;
  return at >= 0 && at < value.length ? value[at] : null;
}

/** Python's list[start:stop:step]. */
function slice(list: unknown[], start: number | null, stop: number | null, step: number | null): unknown[] {
  const by = step ?? 1;
  if (by === 0) throw new JmespathRuntimeError("slice step cannot be zero");
  const length = list.length;
  const clamp = (bound: number | null, fallback: number): number => {
    if (bound === null) return fallback;
    const at = bound < 0 ? bound + length : bound;
    return by > 0 ? Math.min(Math.max(at, 0), length) : Math.min(Math.max(at, -1), length - 1);
  };
  const from = clamp(start, by > 0 ? 0 : length - 1);
  const to = clamp(stop, by > 0 ? length : -1);
  const out: unknown[] = [];
  for (let i = from; by > 0 ? i < to : i > to; i += by) out.push(list[i]);
  return out;
}

const OPERATORS: Record<Exclude<Comparator, "EQ" | "NE">, [string, (order: number) => boolean]> = {
  LT: ["<", (order) => order < 0],
  LTE: ["<=", (order) => order <= 0],
  GT: [">", (order) => order > 0],
  GTE: [">=", (order) => order >= 0],
};

function compare(comparator: Comparator, left: unknown, right: unknown): boolean | null {
  if (comparator === "EQ") return jmesEquals(left, right);
  if (comparator === "NE") return !jmesEquals(left, right);
  // Ordering is defined for numbers and strings only; anything else yields null, not false.
  const comparable = (v: unknown): v is number | string => typeof v === "number" || typeof v === "string";
  if (!comparable(left) || !comparable(right)) return null;
  const [symbol, holds] = OPERATORS[comparator];
  return holds(pythonCompare(left, right, symbol));
}
