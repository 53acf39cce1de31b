import { CellLines, naturalTableWidth, styleRow, type CellStyle } from "../../output/table.js";
import { wrap, wrapCommand } from "../help.js";
import { fitColumns } from "../views/tables.js";

// `kvkey assess -o table` (the default on a terminal): one row per finding, the fix last. On a
// terminal too narrow for the table, the Finding and Fix text wrap inside their columns instead of
// being cut with "…": the fix is a command to copy, so it breaks only where a shell would rejoin it
// (a trailing ` \`). Severities are coloured when colour is on.

type Json = Record<string, unknown>;

const SEVERITY_STYLE: Record<string, CellStyle> = { high: "red", medium: "yellow", low: "cyan" };

export function findingsTable(result: unknown, width?: number): Json[] {
  const findings = Array.isArray(result) ? (result as Json[]) : [];
  const rows = findings.map((f) => ({
    Severity: f.severity ?? "",
    Key: f.key ?? "(vault)",
    Rule: f.rule ?? "",
    Finding: f.message ?? "",
    Fix: f.fix ?? "",
  }));
  const fitted = wrapToWidth(fitColumns(rows, width, [{ drop: "Rule" }]), width);
  fitted.forEach((row, i) => {
    const style = SEVERITY_STYLE[String(findings[i]?.severity)];
    if (style) styleRow(row, { Severity: style });
  });
  return fitted;
}

const GAP = 2;

/** Gives Key, Finding and Fix the room left by the other columns, wrapping their text into it. */
function wrapToWidth(rows: Json[], width: number | undefined): Json[] {
  if (width === undefined || rows.length === 0 || naturalTableWidth(rows) <= width) return rows;
  const columns = Object.keys(rows[0]!);
  const natural = (column: string) => Math.max(column.length, ...rows.map((r) => String(r[column] ?? "").length));
  const fixed = columns.filter((c) => c !== "Key" && c !== "Finding" && c !== "Fix").reduce((sum, c) => sum + natural(c), 0);
  let room = width - fixed - GAP * (columns.length - 1);
  const key = Math.min(natural("Key"), Math.max(8, Math.floor(room / 5)));
  room -= key;
  // The fix gets the larger share (it is the line to copy), and at least its longest flag when it can.
  const longest = (column: string) =>
    Math.max(0, ...rows.flatMap((r) => String(r[column] ?? "").split(" ").filter((w) => !w.startsWith("'")).map((w) => w.length)));
  // A continued fix line needs two columns for its indent and two for " \"; a long word of the finding
  // may be split across lines (nothing is lost), a flag of the fix may not.
  const minFinding = Math.min(natural("Finding"), 12);
  let fix = Math.min(natural("Fix"), Math.max(16, Math.ceil(room * 0.55), Math.min(longest("Fix") + 4, room - minFinding)));
  let finding = Math.min(natural("Finding"), room - fix);
  if (finding < minFinding) {
    finding = minFinding;
    fix = Math.max(16, room - finding);
  }
  fix = Math.max(fix, room - finding); // whatever Finding does not need
  return rows.map((row) => ({
    ...row,
    Key: new CellLines(wrap(String(row.Key ?? ""), key)),
    Finding: new CellLines(wrap(String(row.Finding ?? ""), finding)),
    Fix: new CellLines(wrapCommand(String(row.Fix ?? ""), 0, fix, 2)),
  }));
}
