import type { OptionSpec, RawOptions } from "../spec.js";
import { UsageError } from "../errors.js";
import { integer } from "./values.js";
import { rawString } from "./raw.js";

// Options several commands declare the same way.

/**
 * kvkey's own flag for destructive commands: az never asks before deleting or purging a key, kvkey
 * asks only on a terminal (see CommandContext.confirm), and --yes skips the question.
 */
export const YES_OPTION: OptionSpec = { flags: "-y, --yes", help: "Do not prompt for confirmation (kvkey asks only when run from a terminal)." };

export const MAXRESULTS_OPTION: OptionSpec = {
  flags: "--maxresults <n>",
  help: "Maximum number of results to return.",
};

export function parseMaxResults(raw: RawOptions): number | undefined {
  const n = integer("--maxresults", rawString(raw, "maxresults"));
  if (n !== undefined && n < 1) throw new UsageError(`argument --maxresults: must be a positive integer, not ${n}`);
  return n;
}
