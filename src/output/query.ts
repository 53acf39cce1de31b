import { parseExpression, type AstNode } from "./jmespath/ast.js";
import { evaluate } from "./jmespath/interpreter.js";
import { ExpressionRef, JmespathRuntimeError } from "./jmespath/values.js";
import { pythonStringRepr } from "./python.js";

// The --query stage. az compiles the expression while parsing arguments (a syntax error is an
// argparse error, exit 2, before any request is made) and evaluates it on the command's result
// (a failure then is InvalidArgumentValueError, exit 1). The two error classes keep that split.

/** A query that does not parse. The message is argparse's, which shows Python's repr() of the text. */
export class QueryError extends Error {
  override name = "QueryError";
  constructor(readonly expression: string, options?: { cause?: unknown }) {
    super(`argument --query: invalid jmespath_type value: ${pythonStringRepr(expression)}`, options);
  }
}

/** A query that parsed but failed on this result (bad argument type, unknown function, ...). */
export class QueryRuntimeError extends Error {
  override name = "QueryRuntimeError";
  /** The hint az prints on the line after the error. */
  readonly recommendation = "To learn more about --query, please visit: 'https://learn.microsoft.com/cli/azure/query-azure-cli'";
  constructor(readonly detail: string) {
    super(`Invalid jmespath query supplied for \`--query\`: ${detail}`);
  }
}

export interface CompiledQuery {
  readonly expression: string;
  search(data: unknown): unknown;
}

export function compileQuery(expression: string): CompiledQuery {
  let ast: AstNode;
  try {
    ast = parseExpression(expression);
  } catch (err) {
    throw new QueryError(expression, { cause: err });
  }
  return {
    expression,
    search(data: unknown): unknown {
      let result: unknown;
      try {
        result = evaluate(ast, data);
      } catch (err) {
        if (err instanceof JmespathRuntimeError) throw new QueryRuntimeError(err.message);
        throw err;
      }
      if (containsExpressionRef(result)) {
        // jmespath.py hands back its _Expression object, which json.dumps then refuses.
        throw new QueryRuntimeError("Object of type _Expression is not JSON serializable");
      }
      return result;
    },
  };
}

function containsExpressionRef(value: unknown): boolean {
  if (value instanceof ExpressionRef) return true;
  if (Array.isArray(value)) return value.some(containsExpressionRef);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsExpressionRef);
  return false;
}
