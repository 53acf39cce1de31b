import type { CliIO } from "../io/streams.js";
import type { RunOptions } from "./session.js";
import { VERSION } from "./version.js";
import { monotonicMs } from "../shared/monotonic.js";

/**
 * The whole CLI as a function: argv in, exit code out, all IO through `io`. bin/ is the only caller
 * that touches the real process. `runOptions.session` keeps vault clients open across calls (kvkey shell).
 *
 * This module stays tiny on purpose: `--version` answers from here, and everything else (the command
 * declarations, help, the argument parser, chalk) is in dispatch.ts, loaded only when needed.
 */
export async function runCli(argv: readonly string[], baseIO: CliIO, runOptions: RunOptions = {}): Promise<number> {
  const started = monotonicMs();
  const args = stripAzPrefix(argv);
  if (args[0] === "__complete") {
    // What the completion scripts call on every Tab: answers from the declarations (and the vault).
    const { runCompletionRequest } = await import("./completion/request.js");
    return runCompletionRequest(args.slice(1), baseIO, runOptions.session);
  }
  if (args.length === 1 && (args[0] === "--version" || args[0] === "version")) {
    baseIO.stdout.write(`kvkey ${VERSION}\n`);
    return 0;
  }
  const { dispatch } = await import("./dispatch.js");
  return dispatch(args, baseIO, runOptions, started, runCli);
}

/**
 * `kvkey keyvault key show ...` is `kvkey show ...`, so an az command line works with az replaced;
 * `kvkey help show` is `kvkey show --help` (as in the shell, and as git and npm read it).
 */
function stripAzPrefix(argv: readonly string[]): string[] {
  const args = [...argv];
  if (args[0] === "az") args.shift();
  if (args[0] === "help") return [...stripAzPrefix(args.slice(1)), "--help"];
  if (args[0] === "keyvault" && args[1] === "key") return args.slice(2);
  // `kvkey keyvault` and `kvkey keyvault --help`: kvkey's commands are all of az's keyvault it has.
  if (args[0] === "keyvault" && args.slice(1).every((a) => a === "-h" || a === "--help")) return args.slice(1);
  return args;
}

export { CliError } from "./errors.js";
