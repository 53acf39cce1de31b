import type { CliIO } from "../io/streams.js";
import { colorEnabled } from "../io/color.js";
import { compileQuery, QueryError, renderOutput, type CompiledQuery, type OutputFormat } from "../output/index.js";
import { readConfig } from "./config.js";
import type { GlobalOptions } from "./context.js";
import { UsageError } from "./errors.js";
import { OUTPUT_AZ_ORDER } from "./args/az-enums.js";

// The central output stage: every command's result goes through --query then --output here, and
// nowhere else. Both are checked before the command runs.

export interface OutputStage {
  render(result: unknown, tableView?: (result: unknown, width?: number) => unknown): string;
}

export function prepareOutput(globals: GlobalOptions, io: CliIO, home: string): OutputStage {
  const format = (globals.output ??
    configuredOutput(io, home) ??
    "json") as OutputFormat;
  let query: CompiledQuery | undefined;
  if (globals.query !== undefined) {
    try {
      query = compileQuery(globals.query);
    } catch (err) {
      if (err instanceof QueryError) throw new UsageError(err.message);
      throw err;
    }
  }
  const color = colorEnabled(io, "stdout");
  return {
    render(result, tableView) {
      if (result === undefined) return "";
      return renderOutput(result, {
        format,
        color,
        ...(query ? { query } : {}),
        ...(tableView ? { tableView } : {}),
        ...(io.columns ? { terminalWidth: io.columns } : {}),
      });
    },
  };
}

/** `AZURE_CORE_OUTPUT` (as az) beats `kvkey config set core.output=...`; a bad value names where it came from. */
function configuredOutput(io: CliIO, home: string): OutputFormat | undefined {
  const fromEnv = io.env.AZURE_CORE_OUTPUT;
  if (fromEnv) return configuredChoice(fromEnv, "the environment variable AZURE_CORE_OUTPUT");
  const fromConfig = readConfig(home).core?.output;
  return fromConfig ? configuredChoice(fromConfig, `core.output in ${home}/config.json (kvkey config set core.output=...)`) : undefined;
}

function configuredChoice(value: string, source: string): OutputFormat {
  const found = OUTPUT_AZ_ORDER.find((c) => c === value.toLowerCase());
  if (!found) throw new UsageError(`'${value}' from ${source} is not a valid output format. Allowed values: ${OUTPUT_AZ_ORDER.join(", ")}.`);
  return found;
}
