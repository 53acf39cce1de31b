import type { CommandContext } from "../context.js";
import { prepareOutput } from "../output-stage.js";

// Commands meant to be read by a person first (`kvkey emulator logs`, `kvkey assess`) print a table when
// stdout is a terminal and nothing chose a format; scripts (a pipe, -o, --query, AZURE_CORE_OUTPUT or
// core.output) get what every other command gives them.

/** -o/--output, AZURE_CORE_OUTPUT or `kvkey config set core.output` chose a format. */
export function outputChosen(ctx: CommandContext): boolean {
  return ctx.globals.output !== undefined || !!ctx.io.env.AZURE_CORE_OUTPUT || ctx.config.core?.output !== undefined;
}

/** Whether this run prints the table by default (a terminal, no format chosen, no --query). */
export function tableByDefault(ctx: CommandContext): boolean {
  return ctx.io.isStdoutTTY && !outputChosen(ctx) && ctx.globals.query === undefined;
}

/** The text the output stage would write, with `-o table` implied on a terminal (see above). */
export function renderForTerminal(ctx: CommandContext, result: unknown, tableView: (result: unknown, width?: number) => unknown): string {
  const globals = tableByDefault(ctx) ? { ...ctx.globals, output: "table" } : ctx.globals;
  return prepareOutput(globals, ctx.io, ctx.home).render(result, tableView);
}

/** The format in effect for streamed output (`--follow`): table, tsv or JSON Lines. */
export function streamFormat(ctx: CommandContext): "table" | "tsv" | "jsonl" {
  if (tableByDefault(ctx)) return "table";
  const chosen = ctx.globals.output ?? ctx.io.env.AZURE_CORE_OUTPUT ?? ctx.config.core?.output;
  if (chosen === "table") return "table";
  if (chosen === "tsv") return "tsv";
  return "jsonl";
}
