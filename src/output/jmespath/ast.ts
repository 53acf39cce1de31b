import { createRequire } from "node:module";

// The jmespath package parses; we evaluate (see interpreter.ts). Its parser is a port of jmespath.py's
// and agrees with it on valid input but for one bug, and it accepts a few broken queries that
// jmespath.py rejects. Both are handled here rather than by a parser of our own:
// - an argument that starts with `@` is cut short: `length(@[0].name)` parses as length(@, [0].name).
//   The package handles a parenthesised `(@)` correctly and it means the same, so each `@` outside
//   quotes is handed over as `(@)`;
// - it unescapes only the first \' in a 'raw string', so raw strings are handed over as the
//   equivalent `"json"` literal, unescaped here as jmespath.py does it;
// - `foo.`, an unterminated 'string' or `literal`, a bare `-` leave holes in its tree or read on to the
//   end of the text: the tree and the quoting are checked, so such a query fails at compile time, as
//   `az --query` does, instead of crashing or quietly meaning something else later.

export type Comparator = "EQ" | "NE" | "LT" | "LTE" | "GT" | "GTE";

export type AstNode =
  | { type: "Field"; name: string }
  | { type: "Identity" | "Current" }
  | { type: "Literal"; value: unknown }
  | { type: "Index"; value: number }
  | { type: "Slice"; children: [number | null, number | null, number | null] }
  | { type: "Flatten" | "NotExpression" | "ExpressionReference"; children: [AstNode] }
  | {
      type: "Subexpression" | "IndexExpression" | "Projection" | "ValueProjection" | "Pipe" | "OrExpression" | "AndExpression";
      children: [AstNode, AstNode];
    }
  | { type: "FilterProjection"; children: [AstNode, AstNode, AstNode] }
  | { type: "Comparator"; name: Comparator; children: [AstNode, AstNode] }
  | { type: "MultiSelectList"; children: AstNode[] }
  | { type: "MultiSelectHash"; children: { name: string; value: AstNode }[] }
  | { type: "Function"; name: string; children: AstNode[] };

// Loaded on the first --query only; most runs have none.
let compilePackage: ((expression: string) => unknown) | undefined;
function compile(expression: string): unknown {
  compilePackage ??= (createRequire(import.meta.url)("jmespath") as { compile(expression: string): unknown }).compile;
  return compilePackage(expression);
}

/** Parses a JMESPath expression; throws on any syntax error. */
export function parseExpression(expression: string): AstNode {
  return checkNode(compile(prepareForPackage(expression)));
}

const PAIRS = new Set(["Subexpression", "IndexExpression", "Projection", "ValueProjection", "Pipe", "OrExpression", "AndExpression"]);
const SINGLES = new Set(["Flatten", "NotExpression", "ExpressionReference"]);
const COMPARATORS = new Set(["EQ", "NE", "LT", "LTE", "GT", "GTE"]);

function fail(): never {
  throw new SyntaxError("incomplete JMESPath expression");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function children(node: Record<string, unknown>, count?: number): AstNode[] {
  const list = node.children;
  if (!Array.isArray(list) || (count !== undefined && list.length !== count)) fail();
  return list.map(checkNode);
}

function checkNode(raw: unknown): AstNode {
  if (!isRecord(raw) || typeof raw.type !== "string") fail();
  const type = raw.type;
  if (PAIRS.has(type)) children(raw, 2);
  else if (SINGLES.has(type)) children(raw, 1);
  else if (type === "FilterProjection") children(raw, 3);
  else if (type === "MultiSelectList") children(raw);
  else if (type === "Comparator") {
    if (!COMPARATORS.has(String(raw.name))) fail();
    children(raw, 2);
  } else if (type === "Function") {
    // The package names a call after whatever stood before "(": only a plain identifier is a function.
    if (typeof raw.name !== "string") fail();
    children(raw);
  } else if (type === "MultiSelectHash") {
    const pairs = raw.children;
    if (!Array.isArray(pairs) || pairs.length === 0) fail();
    for (const pair of pairs) {
      if (!isRecord(pair) || typeof pair.name !== "string") fail();
      checkNode(pair.value);
    }
  } else if (type === "Field") {
    if (typeof raw.name !== "string") fail();
  } else if (type === "Index") {
    if (!Number.isInteger(raw.value)) fail();
  } else if (type === "Slice") {
    const parts = raw.children;
    if (!Array.isArray(parts) || parts.length !== 3) fail();
    for (const part of parts) if (part !== null && !Number.isInteger(part)) fail();
  } else if (type !== "Identity" && type !== "Current" && type !== "Literal") {
    fail();
  }
  return raw as AstNode;
}

/**
 * The expression rewritten for the package: `@` as `(@)` and 'raw strings' as `"json"` literals.
 * On the way, insists that every 'raw string', `literal` and "quoted identifier" is closed, as
 * jmespath.py's lexer does.
 */
function prepareForPackage(expression: string): string {
  let out = "";
  let i = 0;
  while (i < expression.length) {
    const quote = expression[i] ?? "";
    if (quote !== "'" && quote !== "`" && quote !== '"') {
      out += quote === "@" ? "(@)" : quote;
      i++;
      continue;
    }
    const start = i++;
    for (;;) {
      if (i >= expression.length) fail();
      const ch = expression[i];
      if (ch === "\\" && (expression[i + 1] === quote || expression[i + 1] === "\\")) i += 2;
      else if (ch === quote) break;
      else i++;
    }
    i++;
    out += quote === "'" ? rawStringAsLiteral(expression.slice(start + 1, i - 1)) : expression.slice(start, i);
  }
  return out;
}

function rawStringAsLiteral(body: string): string {
  // A backtick inside the JSON would end the literal early; \u0060 is the same character.
  return `\`${JSON.stringify(body.replaceAll("\\'", "'")).replaceAll("`", "\\u0060")}\``;
}
