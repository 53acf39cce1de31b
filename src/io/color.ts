import { Chalk, type ChalkInstance } from "chalk";
import type { CliIO } from "./streams.js";

/**
 * Colour only for a person at a terminal: never when piped, never with NO_COLOR (no-color.org),
 * `core.no_color` or TERM=dumb. FORCE_COLOR, the usual override, turns it on anywhere.
 */
export function colorEnabled(io: CliIO, stream: "stdout" | "stderr"): boolean {
  const env = io.env;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false") return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (io.noColor) return false;
  if (env.TERM === "dumb") return false;
  return stream === "stdout" ? io.isStdoutTTY : io.isStderrTTY;
}

export function chalkFor(enabled: boolean): ChalkInstance {
  return new Chalk({ level: enabled ? 2 : 0 });
}
