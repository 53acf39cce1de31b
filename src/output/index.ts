import { JSON_COLORS, YAML_COLORS } from "./colors.js";
import { formatJson } from "./json.js";
import type { CompiledQuery } from "./query.js";
import { formatTable, TableOutputError } from "./table.js";
import { formatTsv } from "./tsv.js";
import { formatYaml } from "./yaml.js";

// The output stage's public face: result -> --query -> --output -> the text for stdout.

export { compileQuery, QueryError, QueryRuntimeError, type CompiledQuery } from "./query.js";
export { TableOutputError, TABLE_STYLES, styleRow, type CellStyle } from "./table.js";

export type OutputFormat = "json" | "jsonc" | "yaml" | "yamlc" | "table" | "tsv" | "none";

export const OUTPUT_FORMATS: readonly OutputFormat[] = Object.freeze(["json", "jsonc", "yaml", "yamlc", "table", "tsv", "none"]);

export interface RenderOptions {
  format: OutputFormat;
  query?: CompiledQuery;
  /** Colour jsonc/yamlc, and a table view's styles, only when true (az falls back to json/yaml when stdout is not a terminal). */
  color: boolean;
  /** A command's own table (az's table_transformer): used for -o table when there is no --query. */
  tableView?: (result: unknown, width?: number) => unknown;
  /** Fit -o table to this many columns; undefined leaves the table as wide as it needs. */
  terminalWidth?: number;
}

/**
 * The whole text to write to stdout for a command's result. Like az, nothing at all is printed when
 * the result (or the query's answer) is null, and for -o none.
 */
export function renderOutput(result: unknown, options: RenderOptions): string {
  if (result === undefined || options.format === "none") return "";
  let data = toJsonValue(result);
  if (options.query) data = options.query.search(data);
  if (data === null || data === undefined) return "";
  switch (options.format) {
    case "json":
      return formatJson(data);
    case "jsonc":
      return formatJson(data, options.color ? JSON_COLORS : undefined);
    case "yaml":
      return formatYaml(data);
    case "yamlc":
      return formatYaml(data, options.color ? YAML_COLORS : undefined);
    case "tsv":
      return formatTsv(data);
    case "table":
      return renderTable(data, options);
  }
}

function renderTable(data: unknown, options: RenderOptions): string {
  const view = options.query ? undefined : options.tableView;
  let rows = data;
  if (view) {
    try {
      rows = view(data, options.terminalWidth);
    } catch (err) {
      throw new TableOutputError({ cause: err });
    }
  }
  return formatTable(rows, {
    // knack sorts columns only for a command's raw result: a query or a view chose the order.
    sortKeys: !options.query && !options.tableView,
    ...(options.terminalWidth !== undefined ? { terminalWidth: options.terminalWidth } : {}),
    color: options.color,
  });
}

/**
 * Commands promise JSON-shaped data; this makes sure of it (Dates and other toJSON objects become
 * their JSON, undefined fields disappear) so every format sees exactly what json would print.
 */
function toJsonValue(result: unknown): unknown {
  const text = JSON.stringify(result);
  return text === undefined ? null : (JSON.parse(text) as unknown);
}
