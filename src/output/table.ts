import { Chalk } from "chalk";
import { escapeControl } from "../shared/control-chars.js";
import { codePointLength, isJsonObject, pythonStr, sortedKeys } from "./python.js";

// -o table: knack's _TableOutput (which rows and columns) laid out the way tabulate's "simple" format
// does it for az (disable_numparse=True): a header line, a line of dashes per column, then the rows;
// columns two spaces apart, every cell left-aligned and stripped of surrounding whitespace, each
// column at least two wider than its header, multi-line cells spread over several lines, trailing
// spaces cut from every line. An empty result is an empty line.

/**
 * A table view's cell of several lines (text it wrapped to fit the terminal): those line breaks are the
 * view's own, so the cell spreads over several lines; each line is still escaped like any other text.
 * A line break in the data itself is always escaped (`\n`), so it can never start a row.
 */
export class CellLines {
  constructor(readonly lines: readonly string[]) {}
  toString(): string {
    return this.lines.join("\n");
  }
}

/** knack's message when a table cannot be built (here: the command's table view threw). */
export class TableOutputError extends Error {
  override name = "TableOutputError";
  constructor(options?: { cause?: unknown }) {
    super("Table output unavailable. Use the --query option to specify an appropriate query. Use --debug for more info.", options);
  }
}

export interface TableOptions {
  /** Sort each row's fields by name: only for a command's raw result (no --query, no view). */
  sortKeys: boolean;
  /** When set, shrink the widest columns (with an ellipsis) until a line fits. */
  terminalWidth?: number;
  /** Paint the styles a table view asked for (TABLE_STYLES); a terminal only. */
  color?: boolean;
}

/** How a table view asks for colour: a disabled key dimmed, a severity in red. Never part of the data. */
export type CellStyle = "dim" | "red" | "yellow" | "cyan";

/**
 * A table view's row may carry styles under this symbol: `"*"` for the whole row, or a column's name.
 * A symbol, so JSON, --query and the columns never see it; painted only when colour is on.
 */
export const TABLE_STYLES = Symbol("kvkey table styles");

export type StyledRow = Record<string, unknown> & { [TABLE_STYLES]?: Record<string, CellStyle> };

/** Marks `row` (a table view's output) with styles; returns the row. */
export function styleRow<T extends Record<string, unknown>>(row: T, styles: Record<string, CellStyle>): T {
  Object.defineProperty(row, TABLE_STYLES, { value: styles, enumerable: false });
  return row;
}

const paint = new Chalk({ level: 1 });

// knack leaves these out of generic tables: they are long and rarely what a person scans for.
const SKIP_KEYS = new Set(["id", "type", "etag"]);

type Row = Map<string, unknown>;

/** knack's _auto_table_item: one row from one item of the result. */
function rowFor(item: unknown, sortKeys: boolean): Row {
  const row: Row = new Map();
  if (isJsonObject(item)) {
    for (const key of sortKeys ? sortedKeys(item) : Object.keys(item)) {
      const value = item[key];
      if (SKIP_KEYS.has(key) || value === null || value === undefined || (typeof value === "object" && !(value instanceof CellLines))) continue;
      row.set(escapeControl(capitalize(key)), value);
    }
  } else if (Array.isArray(item)) {
    item.forEach((value, i) => row.set(`Column${i + 1}`, value));
  } else {
    row.set("Result", item);
  }
  return row;
}

function capitalize(key: string): string {
  return key ? key.charAt(0).toUpperCase() + key.slice(1) : key;
}

export function formatTable(result: unknown, options: TableOptions): string {
  const items = Array.isArray(result) ? result : [result];
  const rows = items.map((item) => rowFor(item, options.sortKeys));
  const styles = options.color ? items.map((item) => (isJsonObject(item) ? (item as StyledRow)[TABLE_STYLES] : undefined)) : [];
  return `${layout(rows, options.terminalWidth, styles)}\n`;
}

/** tabulate(rows, headers="keys", tablefmt="simple", disable_numparse=True), plus optional fitting. */
function layout(rows: Row[], terminalWidth: number | undefined, styles: ReadonlyArray<Record<string, CellStyle> | undefined> = []): string {
  const headers: string[] = [];
  for (const row of rows) for (const key of row.keys()) if (!headers.includes(key)) headers.push(key);
  if (headers.length === 0) return "";

  const cells = rows.map((row) => headers.map((h) => cellLines(row.get(h))));
  const widths = headers.map((h, col) =>
    Math.max(codePointLength(h) + 2, ...cells.map((row) => Math.max(0, ...(row[col] ?? []).map(codePointLength)))),
  );
  if (terminalWidth !== undefined) fit(widths, headers, cells, terminalWidth);

  const line = (parts: string[], style?: Record<string, CellStyle>) =>
    parts
      .map((part, col) => {
        const text = truncate(part, widths[col] ?? 0);
        const cellStyle = style?.[headers[col]!] ?? style?.["*"];
        // Padding stays outside the colour, so trailing spaces are still cut from the line.
        return (cellStyle && text ? paint[cellStyle](text) : text) + " ".repeat(Math.max((widths[col] ?? 0) - codePointLength(text), 0));
      })
      .join("  ")
      .trimEnd();
  const out = [line(headers), widths.map((w) => "-".repeat(w)).join("  ")];
  cells.forEach((row, r) => {
    const height = Math.max(1, ...row.map((lines) => lines.length));
    for (let i = 0; i < height; i++) out.push(line(row.map((lines) => lines[i] ?? ""), styles[r]));
  });
  return out.join("\n");
}

/**
 * The narrowest line the table can have without cutting a cell: the fitting below drops the padding
 * before it shortens anything. Table views use it to decide which columns to keep on a narrow terminal.
 */
export function naturalTableWidth(rows: readonly Record<string, unknown>[]): number {
  const headers: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!headers.includes(key)) headers.push(key);
  if (headers.length === 0) return 0;
  const widths = headers.map((h) =>
    Math.max(codePointLength(escapeControl(h)), ...rows.map((row) => Math.max(0, ...cellLines(row[h]).map(codePointLength)))),
  );
  return widths.reduce((sum, w) => sum + w, 0) + 2 * (headers.length - 1);
}

/**
 * A cell's text. Not az: tabulate spreads a value with line breaks over several lines, and passes any
 * other control character to the terminal; here every control character, line breaks included, is
 * escaped (\n, \x1b), so a value can neither forge a row nor drive the terminal.
 */
function cellLines(value: unknown): string[] {
  if (value === null || value === undefined) return [""];
  if (value instanceof CellLines) return value.lines.join("\n").trim().split("\n").map((line) => escapeControl(line));
  return [escapeControl(pythonStr(value).trim())];
}

/**
 * Not in az: narrow the table until a line fits the terminal. Padding goes first (tabulate keeps every
 * column two wider than its header, even an empty one), then the widest column loses a character at
 * a time. A column never gets narrower than its header, so a table that cannot fit still overflows.
 */
function fit(widths: number[], headers: string[], cells: string[][][], terminalWidth: number): void {
  const minimum = headers.map((h) => Math.max(codePointLength(h), 1));
  const content = headers.map((_, col) => Math.max(0, ...cells.map((row) => Math.max(0, ...(row[col] ?? []).map(codePointLength)))));
  const total = () => widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1);
  const widestAbove = (floor: (col: number) => number): number => {
    let widest = -1;
    widths.forEach((w, col) => {
      if (w > floor(col) && (widest < 0 || w > (widths[widest] ?? 0))) widest = col;
    });
    return widest;
  };
  while (total() > terminalWidth) {
    let col = widestAbove((c) => Math.max(minimum[c] ?? 1, content[c] ?? 0));
    if (col < 0) col = widestAbove((c) => minimum[c] ?? 1);
    if (col < 0) return;
    widths[col] = (widths[col] ?? 1) - 1;
  }
}

function truncate(text: string, width: number): string {
  const chars = Array.from(text);
  return chars.length <= width ? text : `${chars.slice(0, Math.max(width - 1, 0)).join("")}…`;
}

