import { fitColumns } from "../views/tables.js";

// `kvkey assess -o table` (the default on a terminal): one row per finding, the fix last.

type Json = Record<string, unknown>;

export function findingsTable(result: unknown, width?: number): Json[] {
  const rows = (Array.isArray(result) ? result : []).map((f: Json) => ({
    Severity: f.severity ?? "",
    Key: f.key ?? "(vault)",
    Rule: f.rule ?? "",
    Finding: f.message ?? "",
    Fix: f.fix ?? "",
  }));
  return fitColumns(rows, width, [{ drop: "Rule" }]);
}
